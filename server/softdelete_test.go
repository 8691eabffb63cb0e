package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/user"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestSoftDelete: users delete softly (softdelete.Mixin). A deleted user
// keeps its row, posts and profile, but reads, updates, includes, lists,
// counts and references leave it out until it is restored; a hard delete
// removes it with what depends on it. The ent client sees the same through
// the mixin's interceptor and hook.
func TestSoftDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		ada, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada", Profile: &rest.UserProfileCreate{Bio: "b"},
			Posts: []rest.UserPostCreate{{Title: "kept", Content: "c", Tags: []string{"x"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreateUser(ctx, rest.UserCreate{Name: "bob"}); err != nil {
			t.Fatal(err)
		}
		if err := api.DeleteUser(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if n := api.count(t, "users", "deleted_at IS NOT NULL"); n != 1 {
			t.Errorf("%d users with deleted_at, want 1: the row stays", n)
		}
		if n := api.count(t, "posts", ""); n != 1 {
			t.Errorf("%d posts, want 1: a soft delete cascades nothing", n)
		}

		// Reads, includes and lists leave the user out.
		_, err = api.ReadUser(ctx, ada.ID)
		apiError(t, err, http.StatusNotFound)
		post, err := api.ReadPost(ctx, ada.Posts[0].ID, "author")
		if err != nil || post.Author != nil {
			t.Errorf("post include=author of a deleted author: %+v, %v; want no author", post, err)
		}
		resp, body := sendH(t, "GET", api.URL+"/users?itemsPerPage=10", "", map[string]string{"Prefer": "count=exact"})
		var page rest.UserList
		decode(t, body, &page)
		if resp.StatusCode != http.StatusOK || len(page.Items) != 1 || page.Items[0].Name != "bob" || page.Total != 1 {
			t.Errorf("GET /users: %s; want bob alone, total 1", body)
		}
		for mode, want := range map[string][]string{"include": {"ada", "bob"}, "only": {"ada"}} {
			_, body := sendH(t, "GET", api.URL+"/users?sort=name&deleted="+mode, "", nil)
			var page rest.UserList
			decode(t, body, &page)
			var names []string
			for _, u := range page.Items {
				names = append(names, u.Name)
				if (u.Name == "ada") != (u.DeletedAt != nil) {
					t.Errorf("deleted=%s: %s has deleted_at %v", mode, u.Name, u.DeletedAt)
				}
			}
			if len(names) != len(want) || names[0] != want[0] {
				t.Errorf("GET /users?deleted=%s: %v, want %v", mode, names, want)
			}
		}
		// Filters through an edge see no soft-deleted neighbour.
		for _, path := range []string{"/posts?author.name.eq=ada", "/profiles?has_user=true", "/tags?posts.author.name.eq=ada"} {
			_, body := sendH(t, "GET", api.URL+path, "", nil)
			var page struct{ Items []map[string]any }
			decode(t, body, &page)
			if len(page.Items) != 0 {
				t.Errorf("GET %s after ada's soft delete: %s; want no item", path, body)
			}
		}
		resp, body = sendH(t, "GET", api.URL+"/users?deleted=everything", "", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("deleted=everything: %d %s, want 400", resp.StatusCode, body)
		}

		// Writes treat it as gone.
		_, err = api.UpdateUser(ctx, ada.ID, rest.UserUpdate{Name: ptr("late")})
		apiError(t, err, http.StatusNotFound)
		apiError(t, api.DeleteUser(ctx, ada.ID), http.StatusNotFound)
		_, err = api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: ada.ID})
		apiError(t, err, http.StatusBadRequest)

		// The ent client: hidden by default, shown on request.
		client := api.DB.Client
		if n, err := client.User.Query().Count(ctx); err != nil || n != 1 {
			t.Errorf("ent: %d live users, %v; want 1", n, err)
		}
		if n, err := client.User.Query().Count(softdelete.Show(ctx, softdelete.All)); err != nil || n != 2 {
			t.Errorf("ent with softdelete.All: %d users, %v; want 2", n, err)
		}
		if a, err := client.User.Query().Where(user.Name("ada")).Only(softdelete.Show(ctx, softdelete.Deleted, user.Table)); err != nil || a.DeletedAt == nil {
			t.Errorf("ent with softdelete.Deleted: %+v, %v", a, err)
		}

		// Restore, then a hard delete that cascades.
		back, err := api.RestoreUser(ctx, ada.ID)
		if err != nil || back.DeletedAt != nil || back.Name != "ada" {
			t.Fatalf("RestoreUser: %+v, %v", back, err)
		}
		if post, err := api.ReadPost(ctx, ada.Posts[0].ID, "author"); err != nil || post.Author == nil || post.Author.ID != ada.ID {
			t.Errorf("post include=author after the restore: %+v, %v", post, err)
		}
		if _, body := sendH(t, "GET", api.URL+"/posts?author.name.eq=ada", "", nil); !strings.Contains(body, `"title":"kept"`) {
			t.Errorf("posts by ada after the restore: %s", body)
		}
		if err := api.DeleteUser(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		if err := api.HardDeleteUser(ctx, ada.ID); err != nil {
			t.Fatalf("HardDeleteUser of a soft-deleted user: %v", err)
		}
		for _, table := range []string{"posts", "profiles"} {
			if n := api.count(t, table, ""); n != 0 {
				t.Errorf("%d %s after the hard delete, want 0 (cascaded)", n, table)
			}
		}
		_, err = api.RestoreUser(ctx, ada.ID)
		apiError(t, err, http.StatusNotFound)
		bob, err := client.User.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.User.DeleteOneID(bob.ID).Exec(softdelete.Hard(ctx)); err != nil {
			t.Fatal(err)
		}
		if n := api.count(t, "users", ""); n != 0 {
			t.Errorf("%d user rows after an ent delete in a softdelete.Hard context, want 0", n)
		}
	})
}

// decode decodes the JSON body into v, failing the test when it cannot.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
}
