package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
		// Users delete softly: the bulk delete sets deleted_at.
		n, err := api.DeleteWhereUser(ctx, rest.UserWhere().NameEq("ada").Values())
		if err != nil || n != 1 || api.count(t, "users", "deleted_at IS NOT NULL") != 1 {
			t.Errorf("DeleteWhereUser(name ada): %d, %v, %d users soft-deleted; want 1", n, err, api.count(t, "users", "deleted_at IS NOT NULL"))
		}
		if n, err := api.DeleteWhereUser(ctx, rest.UserWhere().NameEq("ada").Values()); err != nil || n != 0 {
			t.Errorf("DeleteWhereUser(name ada) again: %d, %v; want 0 (already deleted)", n, err)
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

// TestBulkCreate: POST of a collection with a JSON array creates every item
// with its nested children in one transaction and answers them in order;
// an invalid or conflicting item fails the whole request, named by its
// index, with nothing created; every collection of the spec refuses an empty
// array and one longer than restkit.MaxCreate.
func TestBulkCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		users, err := api.CreateUserMany(ctx, []rest.UserCreate{
			{Name: "ada", Email: ptr("ada@example.com"), Profile: &rest.UserProfileCreate{Bio: "first"},
				Posts: []rest.UserPostCreate{{Title: "t1", Content: "c", Tags: []string{"shared", "ada"}}}},
			{Name: "bob", Posts: []rest.UserPostCreate{{Title: "t2", Content: "c", Tags: []string{"shared"}}}},
			{Name: "cy"},
		})
		if err != nil || len(users) != 3 {
			t.Fatalf("CreateUserMany: %d users, %v; want 3", len(users), err)
		}
		for i, name := range []string{"ada", "bob", "cy"} {
			if users[i].Name != name || users[i].ID == 0 {
				t.Errorf("item %d: %+v, want %s with an id", i, users[i], name)
			}
		}
		if users[0].Profile == nil || len(users[0].Posts) != 1 || len(users[1].Posts) != 1 {
			t.Fatalf("nested children missing from the answer: %+v %+v", users[0], users[1])
		}
		shared := func(tags []*rest.Tag) int {
			for _, tg := range tags {
				if tg.Name == "shared" {
					return tg.ID
				}
			}
			return 0
		}
		sharedID := shared(users[0].Posts[0].Tags)
		if sharedID == 0 || shared(users[1].Posts[0].Tags) != sharedID {
			t.Errorf("the tag two items name: %+v and %+v, want one tag found or created once", users[0].Posts[0].Tags, users[1].Posts[0].Tags)
		}
		if n := api.count(t, "tags", "name = 'shared'"); n != 1 {
			t.Errorf("%d tags named shared, want 1", n)
		}
		read, err := api.ReadUser(ctx, users[1].ID, "posts.tags")
		if err != nil || len(read.Posts) != 1 || shared(read.Posts[0].Tags) != sharedID {
			t.Errorf("reading bob back: %+v, %v", read, err)
		}

		// All or none: an invalid item, a conflict with a stored row, and
		// a conflict between two items each leave every table as it was.
		tables := []string{"users", "profiles", "posts", "tags", "post_tags"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = api.count(t, tb, "")
		}
		for _, c := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"invalid item", `[{"name":"ok","posts":[{"title":"x","content":"c","tags":["new1"]}]},{"name":"bad","email":"not an email"}]`, http.StatusBadRequest, "1.email"},
			{"missing property", `[{"name":"ok"},{"name":"ok2"},{"posts":[]}]`, http.StatusBadRequest, "2.name"},
			{"conflict with a row", `[{"name":"new","posts":[{"title":"x","content":"c","tags":["new2"]}]},{"name":"dup","email":"ada@example.com"}]`, http.StatusConflict, ""},
			{"conflict between items", `[{"name":"a","email":"same@example.com"},{"name":"b","email":"same@example.com"}]`, http.StatusConflict, ""},
		} {
			resp, body := sendH(t, "POST", api.URL+"/users", c.body, nil)
			var problem restkit.Error
			_ = json.Unmarshal([]byte(body), &problem)
			if resp.StatusCode != c.status || (c.field != "" && problem.Field(c.field) == nil) {
				t.Errorf("%s: %d %s; want %d naming %q", c.name, resp.StatusCode, body, c.status, c.field)
			}
			if c.status == http.StatusConflict && !strings.Contains(problem.Detail, "item 1") {
				t.Errorf("%s: detail %q does not name item 1", c.name, problem.Detail)
			}
			for _, tb := range tables {
				if n := api.count(t, tb, ""); n != before[tb] {
					t.Errorf("%s: %s has %d rows, had %d: a failed bulk create left rows", c.name, tb, n, before[tb])
				}
			}
		}

		// Every collection's create takes an array, within bounds.
		for path, item := range loadDoc(t).Paths.Map() {
			if item.Post == nil || strings.Count(path, "/") != 1 {
				continue
			}
			tooMany := "[" + strings.TrimSuffix(strings.Repeat("{},", restkit.MaxCreate+1), ",") + "]"
			for _, body := range []string{"[]", tooMany} {
				resp, got := sendH(t, "POST", api.URL+path, body, nil)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("POST %s with %d bytes of array: %d %s, want 400", path, len(body), resp.StatusCode, got)
				}
			}
		}
	})
}
