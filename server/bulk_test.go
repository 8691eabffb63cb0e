package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestBulkDelete: DELETE of a collection deletes, in one transaction, the
// rows its filters select and says how many — dependent rows and stored
// counts follow, other rows stay; without a filter it is refused, and a
// filter selecting more than restkit.MaxBulk rows is refused with nothing
// deleted.
func TestBulkDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada", Posts: []rest.UserPostCreate{
			{Title: "drop me", Content: "c", Tags: []string{"x"}},
			{Title: "drop me too", Content: "c", Tags: []string{"x"}},
			{Title: "keep", Content: "c", Tags: []string{"x"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := sendH(t, "DELETE", api.URL+"/posts", "", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("DELETE /posts without a filter: %d %s, want 400", resp.StatusCode, body)
		}
		resp, body = sendH(t, "DELETE", api.URL+"/posts?title.prefix=drop&sort=id", "", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("DELETE /posts with sort: %d %s, want 400 (not a filter)", resp.StatusCode, body)
		}
		resp, body = sendH(t, "DELETE", api.URL+"/posts?title.prefix=drop", "", nil)
		var got restkit.Deleted
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK || got.Deleted != 2 {
			t.Fatalf("DELETE /posts?title.prefix=drop: %d %s, want 200 deleting 2", resp.StatusCode, body)
		}
		left, err := api.ReadUser(ctx, u.ID, "posts")
		if err != nil || len(left.Posts) != 1 || left.Posts[0].Title != "keep" {
			t.Errorf("after the bulk delete: %+v, %v; want only the kept post", left, err)
		}
		if n := api.count(t, "post_tags", ""); n != 1 {
			t.Errorf("%d post_tags rows left, want 1 (the deleted posts' links go with them)", n)
		}
		if wrong, _ := dbtest.WrongCounts(t, api.DB.SQL, rest.StoredCounts()); len(wrong) > 0 {
			t.Errorf("stored counts wrong after the bulk delete: %v", wrong)
		}

		// Too broad: more than MaxBulk rows match; nothing is deleted.
		bulk := make([]*ent.PostCreate, restkit.MaxBulk+1)
		for i := range bulk {
			bulk[i] = api.DB.Client.Post.Create().SetTitle(fmt.Sprint("p", i)).SetContent("c").SetAuthorID(u.ID)
		}
		if err := api.DB.Client.Post.CreateBulk(bulk...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		before := api.count(t, "posts", "")
		resp, body = sendH(t, "DELETE", api.URL+"/posts?id.gt=0", "", nil)
		if resp.StatusCode != http.StatusBadRequest || api.count(t, "posts", "") != before {
			t.Errorf("DELETE of %d posts: %d %s, %d left; want 400 and all %d kept", before, resp.StatusCode, body, api.count(t, "posts", ""), before)
		}
		// Through the typed client and its filter builder.
		n, err := api.DeleteWhereUser(ctx, rest.UserWhere().NameEq("ada").Values())
		if err != nil || n != 1 || api.count(t, "posts", "") != 0 {
			t.Errorf("DeleteWhereUser(name ada): %d, %v, %d posts left; want 1 user deleted with all its posts", n, err, api.count(t, "posts", ""))
		}
	})
}

// TestBulkUpdate: PATCH of a collection applies the body to every row the
// filters select in one statement and says how many; null clears an
// optional field; without a filter, with links, or selecting more than
// restkit.MaxBulk rows it is refused and nothing changes.
func TestBulkUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		for _, name := range []string{"ada", "alan", "grace"} {
			if _, err := api.CreateUser(ctx, rest.UserCreate{Name: name, Email: ptr(name + "@example.org"),
				Posts: []rest.UserPostCreate{{Title: "t-" + name, Content: "old"}}}); err != nil {
				t.Fatal(err)
			}
		}
		patch := func(query, body string) (int, string) {
			resp, b := sendH(t, "PATCH", api.URL+query, body, nil)
			return resp.StatusCode, b
		}
		if code, b := patch("/posts", `{"content":"new"}`); code != http.StatusBadRequest {
			t.Errorf("PATCH /posts without a filter: %d %s, want 400", code, b)
		}
		if code, b := patch("/posts?title.prefix=t-a", `{"tags":["x"]}`); code != http.StatusBadRequest {
			t.Errorf("PATCH /posts setting links in bulk: %d %s, want 400", code, b)
		}
		code, b := patch("/posts?title.prefix=t-a", `{"content":"new"}`)
		var got restkit.Updated
		if err := json.Unmarshal([]byte(b), &got); err != nil || code != http.StatusOK || got.Updated != 2 {
			t.Fatalf("PATCH /posts?title.prefix=t-a: %d %s, want 200 updating 2", code, b)
		}
		if n := api.count(t, "posts", "content = 'new'"); n != 2 {
			t.Errorf("%d posts with the new content, want 2", n)
		}
		if code, b := patch("/users?name.prefix=a", `{"email":null}`); code != http.StatusOK || api.count(t, "users", "email IS NULL") != 2 {
			t.Errorf("PATCH /users?name.prefix=a to email null: %d %s, %d users without email; want 2", code, b, api.count(t, "users", "email IS NULL"))
		}

		// Through the typed client and its filter builder.
		if n, err := api.UpdateWhereUser(ctx, rest.UserWhere().NameEq("grace").Values(), rest.UserUpdate{Name: ptr("grace h")}); err != nil || n != 1 {
			t.Errorf("UpdateWhereUser(name grace): %d, %v; want 1", n, err)
		}
		if n, err := api.UpdateWhereUser(ctx, nil, rest.UserUpdate{Name: ptr("x")}); err == nil {
			t.Errorf("UpdateWhereUser without a filter: %d, want an error", n)
		}

		u, err := api.ReadUser(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		bulk := make([]*ent.PostCreate, restkit.MaxBulk+1)
		for i := range bulk {
			bulk[i] = api.DB.Client.Post.Create().SetTitle(fmt.Sprint("p", i)).SetContent("old").SetAuthorID(u.ID)
		}
		if err := api.DB.Client.Post.CreateBulk(bulk...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if code, b := patch("/posts?content.eq=old", `{"content":"broad"}`); code != http.StatusBadRequest || api.count(t, "posts", "content = 'broad'") != 0 {
			t.Errorf("PATCH of %d posts: %d %s; want 400 and none changed", restkit.MaxBulk+2, code, b)
		}
	})
}
