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
