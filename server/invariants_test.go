package server_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestInvariantsAfterRandomOperations runs a seeded random sequence of
// creates, updates and deletes through the typed client, then checks the
// graph in the database: no orphan profile, post or post↔tag row, one
// profile per user, tag names unique.
func TestInvariantsAfterRandomOperations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, 11))
		pool := []string{"go", "sql", "rust", "db", "web", "ops", "ml", "ui"}
		someTags := func() []string {
			var out []string
			for range rng.IntN(4) {
				out = append(out, pool[rng.IntN(len(pool))])
			}
			return out
		}
		var users, posts, tags []int
		pick := func(ids []int) int {
			if len(ids) == 0 {
				return 1
			}
			return ids[rng.IntN(len(ids))]
		}
		// forget deletes a random id of ids and drops it from the list.
		forget := func(ids *[]int, del func(context.Context, int) error) error {
			id := pick(*ids)
			err := del(ctx, id)
			*ids = slices.DeleteFunc(*ids, func(x int) bool { return x == id })
			return err
		}
		ops := []func(i int) error{
			func(i int) error { // nested create
				in := rest.UserCreate{Name: fmt.Sprint("u", i), Email: ptr(fmt.Sprintf("u%d@example.com", i))}
				if rng.IntN(2) == 0 {
					in.Profile = &rest.UserProfileCreate{Bio: "bio"}
				}
				for range rng.IntN(4) {
					in.Posts = append(in.Posts, rest.UserPostCreate{Title: "t", Content: "c", Tags: someTags()})
				}
				u, err := api.CreateUser(ctx, in)
				if err == nil {
					users = append(users, u.ID)
					for _, p := range u.Posts {
						posts = append(posts, p.ID)
						for _, tg := range p.Tags {
							tags = append(tags, tg.ID)
						}
					}
				}
				return err
			},
			func(i int) error {
				p, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: pick(users), Tags: someTags()})
				if err == nil {
					posts = append(posts, p.ID)
				}
				return err
			},
			func(i int) error {
				_, err := api.UpdateUser(ctx, pick(users), rest.UserUpdate{Name: ptr(fmt.Sprint("renamed", i)), Email: restkit.Null[string]()})
				return err
			},
			func(i int) error {
				_, err := api.PutUserProfile(ctx, pick(users), rest.UserProfileCreate{Bio: fmt.Sprint("bio", i)})
				return err
			},
			func(int) error { return api.DeleteUserProfile(ctx, pick(users)) },
			func(int) error { _, err := api.SetPostTags(ctx, pick(posts), someTags()...); return err },
			func(int) error { _, err := api.AddPostTags(ctx, pick(posts), someTags()...); return err },
			func(int) error { return api.RemovePostTag(ctx, pick(posts), pool[rng.IntN(len(pool))]) },
			func(int) error {
				_, err := api.UpdatePost(ctx, pick(posts), rest.PostUpdate{Tags: restkit.ReplaceWith(someTags()...), AuthorID: ptr(pick(users))})
				return err
			},
			func(int) error { return forget(&users, api.DeleteUser) },
			func(int) error { return forget(&posts, api.DeletePost) },
			func(int) error { return forget(&tags, api.DeleteTag) },
		}
		counts := make(map[int]int)
		for i := range 300 {
			kind := rng.IntN(len(ops))
			err := ops[kind](i)
			var e *restkit.Error
			switch {
			case err == nil:
				counts[http.StatusOK]++
			case errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusBadRequest && e.Field("author_id") != nil):
				counts[e.Status]++ // a deleted id: expected in a random walk
			default:
				t.Fatalf("operation %d (kind %d): %v", i, kind, err)
			}
		}
		t.Logf("outcomes: %v", counts)
		if counts[http.StatusOK] < 150 {
			t.Errorf("only %d operations succeeded; the walk tests little", counts[http.StatusOK])
		}
		for _, c := range []struct{ what, query string }{
			{"orphan profiles", "SELECT COUNT(*) FROM profiles p LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL"},
			{"orphan posts", "SELECT COUNT(*) FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE u.id IS NULL"},
			{"post_tags without post", "SELECT COUNT(*) FROM post_tags pt LEFT JOIN posts p ON p.id = pt.post_id WHERE p.id IS NULL"},
			{"post_tags without tag", "SELECT COUNT(*) FROM post_tags pt LEFT JOIN tags t ON t.id = pt.tag_id WHERE t.id IS NULL"},
			{"repeated tag names", "SELECT COUNT(*) - COUNT(DISTINCT name) FROM tags"},
			{"users with two profiles", "SELECT COUNT(*) - COUNT(DISTINCT user_id) FROM profiles"},
		} {
			var n int
			if err := api.DB.SQL.QueryRow(c.query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s: %d", c.what, n)
			}
		}
		// Each stored count equals the rows it counts, through every
		// create, move, relink and (cascading) delete of the walk.
		if len(rest.StoredCounts()) > 0 && storedCountsMatch(t, api, "the walk") == 0 {
			t.Errorf("no stored count above 0: the check is vacuous")
		}
		if api.count(t, "users", "") == 0 || api.count(t, "post_tags", "") == 0 {
			t.Errorf("the walk left no users or no links; the invariants are vacuous")
		}
	})
}
