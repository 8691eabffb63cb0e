package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// storedCountsMatch fails t unless every stored count (rest.StoredCounts)
// equals the number of rows it counts, for every row; it returns how many
// rows have a count above zero.
func storedCountsMatch(t *testing.T, api *testAPI, step string) (nonzero int) {
	t.Helper()
	wrong, nonzero := dbtest.WrongCounts(t, api.DB.SQL, rest.StoredCounts())
	if len(wrong) > 0 {
		t.Errorf("after %s: stored counts differ from the rows they count, in so many rows: %v", step, wrong)
	}
	return nonzero
}

// TestStoredCountsFollowEveryWrite makes each kind of write the API offers
// and checks, after each, that the counts the database keeps
// (annotation.CountOf) equal the rows they count: nested create, create,
// moving a post to another author, setting, adding and removing tags,
// deleting a post, a tag, and a user (cascading to its posts and links).
// The API reads, filters and sorts by them.
func TestStoredCountsFollowEveryWrite(t *testing.T) {
	if len(rest.StoredCounts()) == 0 {
		t.Skip("the graph stores no count")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		a, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada", Posts: []rest.UserPostCreate{
			{Title: "one", Content: "c", Tags: []string{"go", "sql"}},
			{Title: "two", Content: "c", Tags: []string{"go"}},
			{Title: "three", Content: "c", Tags: []string{"go", "db", "sql"}},
		}})
		must(err)
		if storedCountsMatch(t, api, "a nested create") == 0 {
			t.Fatal("no count above zero after a nested create: the triggers do nothing")
		}
		b, err := api.CreateUser(ctx, rest.UserCreate{Name: "bob"})
		must(err)
		p, err := api.CreatePost(ctx, rest.PostCreate{Title: "four", Content: "c", AuthorID: b.ID, Tags: []string{"db"}})
		must(err)
		storedCountsMatch(t, api, "a create")
		_, err = api.UpdatePost(ctx, a.Posts[0].ID, rest.PostUpdate{AuthorID: &b.ID})
		must(err)
		storedCountsMatch(t, api, "moving a post to another author")
		_, err = api.SetPostTags(ctx, p.ID, "go", "web")
		must(err)
		storedCountsMatch(t, api, "setting a post's tags")
		_, err = api.AddPostTags(ctx, a.Posts[1].ID, "web", "sql")
		must(err)
		storedCountsMatch(t, api, "adding tags")
		must(api.RemovePostTag(ctx, a.Posts[2].ID, "go"))
		storedCountsMatch(t, api, "removing a tag")

		// The API serves the stored counts: in responses, filters, sorts.
		users, err := api.ListUser(ctx, restkit.ListParams{Sort: []string{"-posts_count", "name"}, Count: []string{"posts"}})
		must(err)
		var got []string
		for _, u := range users.Items {
			got = append(got, fmt.Sprintf("%s:%d", u.Name, *u.PostsCount))
		}
		if want := []string{"ada:2", "bob:2"}; !slices.Equal(got, want) {
			t.Errorf("users by -posts_count,name: %v, want %v", got, want)
		}
		tags, err := api.ListTag(ctx, restkit.ListParams{Sort: []string{"-posts_count", "name"}, Count: []string{"posts"},
			Filter: map[string][]string{"posts_count.gte": {"2"}}})
		must(err)
		got = got[:0]
		for _, tg := range tags.Items {
			got = append(got, fmt.Sprintf("%s:%d", tg.Name, *tg.PostsCount))
		}
		if want := []string{"go:3", "sql:3", "web:2"}; !slices.Equal(got, want) {
			t.Errorf("tags with posts_count ≥ 2 by -posts_count,name: %v, want %v", got, want)
		}

		must(api.DeletePost(ctx, a.Posts[1].ID))
		storedCountsMatch(t, api, "deleting a post")
		must(api.DeleteTag(ctx, tags.Items[0].ID))
		storedCountsMatch(t, api, "deleting a tag")
		must(api.DeleteUser(ctx, b.ID))
		storedCountsMatch(t, api, "deleting a user")
		if n := storedCountsMatch(t, api, "the end"); n == 0 {
			t.Error("every count is zero at the end; the last checks were vacuous")
		}
	})
}
