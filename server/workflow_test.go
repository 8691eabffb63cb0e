package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/hook"
	"github.com/entblog/blog/ent/post"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// tagNames returns the names of tags, in order.
func tagNames(tags []*rest.Tag) []string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return names
}

func TestNestedCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		existing, err := api.CreateTag(ctx, rest.TagCreate{Name: "go"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := api.CreateUser(ctx, rest.UserCreate{
			Name:    "alice",
			Email:   ptr("alice@example.com"),
			Profile: &rest.UserProfileCreate{Bio: "Gopher"},
			Posts: []rest.UserPostCreate{
				{Title: "First", Content: "one", Tags: []string{"sql", "go"}},
				{Title: "Second", Content: "two", Tags: []string{"go", "go", "rust"}},
				{Title: "Third", Content: "three"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if u.Profile == nil || u.Profile.Bio != "Gopher" || u.Profile.UserID != u.ID {
			t.Errorf("got profile %+v, want Gopher of user %d", u.Profile, u.ID)
		}
		if len(u.Posts) != 3 {
			t.Fatalf("got %d posts, want 3", len(u.Posts))
		}
		for i, want := range [][]string{{"go", "sql"}, {"go", "rust"}, {}} {
			p := u.Posts[i]
			if p.AuthorID != u.ID {
				t.Errorf("post %d: author %d, want %d", i, p.AuthorID, u.ID)
			}
			if got := tagNames(p.Tags); !slices.Equal(got, want) {
				t.Errorf("post %d: got tags %v, want %v (repeats folded)", i, got, want)
			}
		}
		if u.Posts[0].Tags[0].ID != existing.ID {
			t.Errorf("got tag go with id %d, want the existing %d", u.Posts[0].Tags[0].ID, existing.ID)
		}
		if n := api.count(t, "tags", ""); n != 3 {
			t.Errorf("got %d tags, want go, sql and rust once each", n)
		}
		// What was written reads back the same.
		got, err := api.ReadUser(ctx, u.ID, "profile", "posts.tags")
		if err != nil {
			t.Fatal(err)
		}
		if got.Profile == nil || got.Profile.ID != u.Profile.ID || len(got.Posts) != 3 ||
			!slices.Equal(tagNames(got.Posts[1].Tags), []string{"go", "rust"}) || got.Posts[2].Tags == nil {
			t.Errorf("read back %+v, want the created graph", got)
		}
	})
}

func TestNestedCreateIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		nothingWritten := func(t *testing.T) {
			t.Helper()
			for _, table := range []string{"users", "profiles", "posts", "tags", "post_tags"} {
				if n := api.count(t, table, ""); n != 0 {
					t.Errorf("%s has %d rows, want none", table, n)
				}
			}
		}
		in := rest.UserCreate{
			Name:    "bob",
			Email:   ptr("bob@example.com"),
			Profile: &rest.UserProfileCreate{Bio: "b"},
			Posts:   []rest.UserPostCreate{{Title: "p", Content: "c", Tags: []string{"new-tag"}}},
		}

		t.Run("ErrLastStepFails", func(t *testing.T) {
			// Fail the last step, the bulk insert of the posts, after the
			// user, the profile and the tags are written.
			failing := errors.New("injected failure")
			api.DB.Client.Post.Use(hook.On(func(next ent.Mutator) ent.Mutator {
				return hook.PostFunc(func(ctx context.Context, m *ent.PostMutation) (ent.Value, error) {
					if title, _ := m.Title(); title == "p" {
						return nil, failing
					}
					return next.Mutate(ctx, m)
				})
			}, ent.OpCreate))
			_, err := api.CreateUser(ctx, in)
			apiError(t, err, http.StatusInternalServerError)
			nothingWritten(t)
		})

		t.Run("ErrInvalidNestedPost", func(t *testing.T) {
			bad := in
			bad.Posts = []rest.UserPostCreate{{Title: "ok", Content: "c"}, {Title: strings.Repeat("x", 101), Content: "c"}}
			_, err := api.CreateUser(ctx, bad)
			wantField(t, apiError(t, err, http.StatusBadRequest), "body", "posts.1.title")
			nothingWritten(t)
		})

		t.Run("ErrConflictAfterTags", func(t *testing.T) {
			if _, err := api.CreateUser(ctx, rest.UserCreate{Name: "first", Email: ptr("taken@example.com")}); err != nil {
				t.Fatal(err)
			}
			dup := in
			dup.Email = ptr("taken@example.com")
			_, err := api.CreateUser(ctx, dup)
			wantField(t, apiError(t, err, http.StatusConflict), "body", "email")
			if n := api.count(t, "users", ""); n != 1 {
				t.Errorf("got %d users, want 1", n)
			}
			if n := api.count(t, "tags", ""); n != 0 {
				t.Errorf("got %d tags, want the upserted tag rolled back", n)
			}
		})
	})
}

// TestNestedCreateRunsHooks checks that a nested create, which inserts posts
// and tags with statements of its own, goes through ent's builders when hooks
// are registered for them, so that the hooks run, and answers the same.
func TestNestedCreateRunsHooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		in := func(name string) rest.UserCreate {
			return rest.UserCreate{Name: name, Profile: &rest.UserProfileCreate{Bio: "bio"}, Posts: []rest.UserPostCreate{
				{Title: "one", Content: "c", Tags: []string{"go", "sql"}},
				{Title: "two", Content: "c", Tags: []string{"sql", name}},
			}}
		}
		shape := func(u *rest.User) string {
			var b strings.Builder
			if p := u.Profile; p != nil {
				fmt.Fprintf(&b, "profile %s of %v; ", p.Bio, p.UserID == u.ID)
			}
			for _, p := range u.Posts {
				// Tags come ordered by id; "plain" and "hooked" differ there.
				names := tagNames(p.Tags)
				slices.Sort(names)
				fmt.Fprintf(&b, "%s by %v: %v; ", p.Title, p.AuthorID == u.ID, names)
			}
			return strings.ReplaceAll(b.String(), u.Name, "NAME")
		}
		plain, err := api.CreateUser(ctx, in("plain"))
		if err != nil {
			t.Fatal(err)
		}

		// Each create hook records its type and the value of one field.
		var mu sync.Mutex
		var seen []string
		recordField := func(field string) ent.Hook {
			return hook.On(func(next ent.Mutator) ent.Mutator {
				return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
					v, _ := m.Field(field)
					mu.Lock()
					seen = append(seen, fmt.Sprintf("%s %v", strings.ToLower(m.Type()), v))
					mu.Unlock()
					return next.Mutate(ctx, m)
				})
			}, ent.OpCreate)
		}
		api.DB.Client.Post.Use(recordField("title"))
		api.DB.Client.Tag.Use(recordField("name"))
		api.DB.Client.Profile.Use(recordField("bio"))
		hooked, err := api.CreateUser(ctx, in("hooked"))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(seen)
		if want := []string{"post one", "post two", "profile bio", "tag go", "tag hooked", "tag sql"}; !slices.Equal(seen, want) {
			t.Errorf("hooks saw %v, want %v", seen, want)
		}
		if got, want := shape(hooked), shape(plain); got != want {
			t.Errorf("with hooks the create answered %q, without %q", got, want)
		}
		if n := api.count(t, "tags", ""); n != 4 {
			t.Errorf("got %d tags, want go, sql, plain and hooked", n)
		}
	})
}

func TestConcurrentNestedCreates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		pool := []string{"go", "sql", "rust", "db", "web"}
		const n = 24
		type result struct {
			user *rest.User
			want [][]string
			err  error
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Overlapping tag sets, in varying orders.
				a := []string{pool[i%5], pool[(i+1)%5], pool[(i+3)%5]}
				b := []string{pool[(i+2)%5], pool[i%5]}
				u, err := api.CreateUser(ctx, rest.UserCreate{
					Name:  fmt.Sprintf("user%d", i),
					Posts: []rest.UserPostCreate{{Title: "a", Content: "a", Tags: a}, {Title: "b", Content: "b", Tags: b}},
				})
				results[i] = result{user: u, want: [][]string{a, b}, err: err}
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("create %d: %v", i, r.err)
			}
			got, err := api.ReadUser(ctx, r.user.ID, "posts.tags")
			if err != nil {
				t.Fatal(err)
			}
			for j, p := range got.Posts {
				want := slices.Clone(r.want[j])
				slices.Sort(want)
				names := tagNames(p.Tags)
				slices.Sort(names)
				if !slices.Equal(names, want) {
					t.Errorf("user %d post %d: got tags %v, want %v", i, j, names, want)
				}
			}
		}
		if got := api.count(t, "tags", ""); got != len(pool) {
			t.Errorf("got %d tags, want one per name (%d)", got, len(pool))
		}
	})
}

func TestInclude(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{
			Name:    "writer",
			Profile: &rest.UserProfileCreate{Bio: "bio"},
			Posts:   []rest.UserPostCreate{{Title: "t1", Content: "c", Tags: []string{"go"}}, {Title: "t2", Content: "c"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		post := u.Posts[0]

		t.Run("NoIncludeNoEdges", func(t *testing.T) {
			got, err := api.ReadUser(ctx, u.ID)
			if err != nil || got.Profile != nil || got.Posts != nil {
				t.Errorf("got %+v, %v; want the user without edges", got, err)
			}
		})
		t.Run("PostAuthorAndTags", func(t *testing.T) {
			got, err := api.ReadPost(ctx, post.ID, "author", "tags")
			if err != nil {
				t.Fatal(err)
			}
			if got.Author == nil || got.Author.ID != u.ID || !slices.Equal(tagNames(got.Tags), []string{"go"}) {
				t.Errorf("got author %+v tags %v, want writer and go", got.Author, got.Tags)
			}
		})
		t.Run("ThreeLevels", func(t *testing.T) {
			got, err := api.ReadProfile(ctx, u.Profile.ID, "user.posts.tags")
			if err != nil {
				t.Fatal(err)
			}
			if got.User == nil || len(got.User.Posts) != 2 || len(got.User.Posts[0].Tags) != 1 {
				t.Errorf("got %+v, want profile → user → 2 posts → tags", got)
			}
		})
		t.Run("OnListsAndEdgeRoutes", func(t *testing.T) {
			users, err := usersOf(api.ListUser(ctx, restkit.ListParams{Include: []string{"profile", "posts"}}))
			if err != nil || len(users) != 1 || users[0].Profile == nil || len(users[0].Posts) != 2 {
				t.Errorf("GET /users?include=profile,posts: got %+v, %v", users, err)
			}
			posts, err := postsOf(api.ListUserPosts(ctx, u.ID, restkit.ListParams{Include: []string{"tags"}}))
			if err != nil || len(posts) != 2 || len(posts[0].Tags) != 1 || posts[1].Tags == nil {
				t.Errorf("GET /users/{id}/posts?include=tags: got %+v, %v", posts, err)
			}
		})
		for _, tc := range []struct{ name, include, mentions string }{
			{"ErrUnknownEdge", "posts.tagz", "posts.tagz"},
			{"ErrUnknownRootEdge", "no_such_edge", "no_such_edge"},
			{"ErrTooDeep", "posts.tags.posts.author", "deep"},
			{"ErrMalformed", "posts..tags", ""},
			{"ErrTooMany", strings.Repeat("profile,", 10) + "profile", "paths"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := api.ReadUser(ctx, u.ID, tc.include)
				e := apiError(t, err, http.StatusBadRequest)
				wantField(t, e, "query", "include")
				if f := e.Field("include"); f != nil && !strings.Contains(f.Message, tc.mentions) {
					t.Errorf("got message %q, want it to mention %q", f.Message, tc.mentions)
				}
			})
		}
	})
}

// TestIncludeCaps checks each included list is capped per parent: a parent
// with more than MaxIncluded children gets the first MaxIncluded by id, and
// its siblings still get all of theirs.
func TestIncludeCaps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		many := rest.MaxIncluded + 5
		big := rest.UserCreate{Name: "big"}
		for i := range many {
			big.Posts = append(big.Posts, rest.UserPostCreate{Title: fmt.Sprint(i), Content: "c"})
		}
		// The API bounds nested posts per request; write the rest through ent.
		big.Posts = big.Posts[:restMaxLinks]
		bigUser, err := api.CreateUser(ctx, big)
		if err != nil {
			t.Fatal(err)
		}
		bulk := make([]*ent.PostCreate, many-restMaxLinks)
		for i := range bulk {
			bulk[i] = api.DB.Client.Post.Create().SetTitle("more").SetContent("c").SetAuthorID(bigUser.ID)
		}
		if err := api.DB.Client.Post.CreateBulk(bulk...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		small, err := api.CreateUser(ctx, rest.UserCreate{Name: "small", Posts: []rest.UserPostCreate{{Title: "a", Content: "c"}, {Title: "b", Content: "c"}}})
		if err != nil {
			t.Fatal(err)
		}
		users, err := usersOf(api.ListUser(ctx, restkit.ListParams{Include: []string{"posts"}}))
		if err != nil {
			t.Fatal(err)
		}
		if len(users[0].Posts) != rest.MaxIncluded || len(users[1].Posts) != 2 {
			t.Fatalf("got %d and %d posts, want %d (capped) and 2", len(users[0].Posts), len(users[1].Posts), rest.MaxIncluded)
		}
		for i := 1; i < len(users[0].Posts); i++ {
			if users[0].Posts[i].ID <= users[0].Posts[i-1].ID {
				t.Fatalf("included posts not in id order at %d", i)
			}
		}
		if users[1].Posts[0].AuthorID != small.ID {
			t.Errorf("got %+v, want the small user's posts", users[1].Posts[0])
		}

		// Many-to-many from the unbounded side (a tag's posts): a tag on more
		// posts than the cap, and one on a single post.
		allBig, err := api.DB.Client.Post.Query().Where(post.AuthorID(bigUser.ID)).IDs(ctx)
		if err != nil || len(allBig) != many {
			t.Fatalf("big user's posts: %d, %v", len(allBig), err)
		}
		crowded, err := api.DB.Client.Tag.Create().SetName("crowded").AddPostIDs(allBig...).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		few, err := api.CreateTag(ctx, rest.TagCreate{Name: "few", Posts: []int{users[1].Posts[0].ID}})
		if err != nil {
			t.Fatal(err)
		}
		tags, err := api.ListTag(ctx, restkit.ListParams{Include: []string{"posts"}, Filter: filter("name.in", "crowded,few")})
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range tags.Items {
			switch tg.ID {
			case crowded.ID:
				if len(tg.Posts) != rest.MaxIncluded || tg.Posts[0].ID != allBig[0] {
					t.Errorf("crowded tag: got %d posts, want the first %d", len(tg.Posts), rest.MaxIncluded)
				}
			case few.ID:
				if len(tg.Posts) != 1 || tg.Posts[0].ID != users[1].Posts[0].ID {
					t.Errorf("few: got %v, want the small user's post", tg.Posts)
				}
			}
		}
		one, err := api.ReadTag(ctx, crowded.ID, "posts")
		if err != nil || len(one.Posts) != rest.MaxIncluded {
			t.Errorf("GET /tags/{id}?include=posts: got %d posts, %v; want %d", len(one.Posts), err, rest.MaxIncluded)
		}
	})
}

// TestPostTagBound checks a post never holds more than MaxLinks tags, from
// either side of the edge, so reading a post's tags needs no cap.
func TestPostTagBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "u", Posts: []rest.UserPostCreate{{Title: "t", Content: "c"}}})
		if err != nil {
			t.Fatal(err)
		}
		id := u.Posts[0].ID
		names := make([]string, rest.MaxLinks)
		for i := range names {
			names[i] = fmt.Sprintf("t%03d", i)
		}
		if _, err := api.SetPostTags(ctx, id, names...); err != nil {
			t.Fatal(err)
		}
		_, err = api.AddPostTags(ctx, id, "one-more")
		apiError(t, err, http.StatusConflict)
		other, err := api.CreateTag(ctx, rest.TagCreate{Name: "other"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.UpdateTag(ctx, other.ID, rest.TagUpdate{Posts: restkit.ReplaceWith(id)})
		apiError(t, err, http.StatusConflict)
		_, err = api.CreateTag(ctx, rest.TagCreate{Name: "newcomer", Posts: []int{id}})
		apiError(t, err, http.StatusConflict)
		if n := api.count(t, "post_tags", fmt.Sprintf("post_id = %d", id)); n != rest.MaxLinks {
			t.Errorf("the post has %d tags, want %d (the refused writes rolled back)", n, rest.MaxLinks)
		}
		if n := api.count(t, "tags", "name = 'newcomer'"); n != 0 {
			t.Error("the refused tag create was not rolled back")
		}
	})
}

// restMaxLinks is the most children or keys one request body may carry.
const restMaxLinks = 100

// TestIncludeStatementCount checks a read with include=profile,posts.tags
// runs the same number of SQL statements whatever the number of posts and
// tags: one per included edge level.
func TestIncludeStatementCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api, counter := newCountingAPI(t, url)
		ctx := context.Background()
		statements := func(posts int) (int, []string) {
			in := rest.UserCreate{Name: "u", Profile: &rest.UserProfileCreate{Bio: "b"}}
			for i := range posts {
				in.Posts = append(in.Posts, rest.UserPostCreate{Title: "t", Content: "c", Tags: []string{fmt.Sprint("a", i), fmt.Sprint("b", i%7), "common"}})
			}
			u, err := api.CreateUser(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			counter.reset()
			got, err := api.ReadUser(ctx, u.ID, "profile", "posts.tags")
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Posts) != posts || got.Profile == nil {
				t.Fatalf("got %d posts, want %d", len(got.Posts), posts)
			}
			return counter.count()
		}
		one, oneSQL := statements(1)
		fifty, fiftySQL := statements(50)
		if one != fifty || one != 4 {
			t.Errorf("got %d statements at 1 post and %d at 50, want 4 each (user, profile, posts, tags):\n%s\n---\n%s",
				one, fifty, strings.Join(oneSQL, "\n"), strings.Join(fiftySQL, "\n"))
		}
		// On pgx, the user, its profile and its posts, all found by the
		// user's id, go in one round trip, and the posts' tags in a second:
		// every statement through pgx's own interface.
		counter.mu.Lock()
		batches := slices.Clone(counter.batches)
		counter.mu.Unlock()
		if pgx := strings.Contains(fmt.Sprintf("%T", api.DB.SQL.Driver()), "stdlib."); pgx && !slices.Equal(batches, []int{3, 1}) {
			t.Errorf("on pgx, the read went in batches %v, want [3 1] (user, profile and posts; then tags)", batches)
		}
		// The nested create itself is a fixed number of statements too,
		// from 1 post to the most a body may hold, each with 3 tags.
		creates := func(posts int) (int, []string) {
			counter.reset()
			in := rest.UserCreate{Name: "n", Profile: &rest.UserProfileCreate{Bio: "b"}}
			for i := range posts {
				in.Posts = append(in.Posts, rest.UserPostCreate{Title: "t", Content: "c", Tags: []string{fmt.Sprint("x", posts, "-", i), "common", "a1"}})
			}
			if _, err := api.CreateUser(ctx, in); err != nil {
				t.Fatal(err)
			}
			return counter.count()
		}
		n, stmts := creates(1)
		most, mostSQL := creates(restMaxLinks)
		if n > 8 || most != n {
			t.Errorf("nested create ran %d statements with 1 post and %d with %d, want the same, at most 8:\n%s\n---\n%s",
				n, most, restMaxLinks, strings.Join(stmts, "\n"), strings.Join(mostSQL, "\n"))
		}
		// On pgx, what waits only for the user's id goes in one round trip
		// (the find-or-create of the tags, the profile, the posts), and the
		// posts' links to their tags in a second.
		counter.mu.Lock()
		batches = slices.Clone(counter.batches)
		counter.mu.Unlock()
		if pgx := strings.Contains(fmt.Sprintf("%T", api.DB.SQL.Driver()), "stdlib."); pgx && !slices.Equal(batches, []int{3, 1}) {
			t.Errorf("on pgx, the create's batches were %v, want [3 1] (tags, profile and posts; then post_tags)", batches)
		}
		t.Logf("nested create (profile, 1 or %d posts × 3 tags): %d statements", restMaxLinks, n)
	})
}

func TestProfilePutDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "u"})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := api.do(t, http.MethodPut, fmt.Sprintf("/users/%d/profile", u.ID), "application/json", `{"bio":"first"}`)
		if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), "/profiles/") {
			t.Fatalf("first PUT: got %d %q, want 201 with Location: %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		created, err := api.ReadUserProfile(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		replaced, err := api.PutUserProfile(ctx, u.ID, rest.UserProfileCreate{Bio: "second"})
		if err != nil {
			t.Fatal(err)
		}
		if replaced.ID != created.ID || replaced.Bio != "second" || !replaced.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("got %+v, want profile %d replaced in place", replaced, created.ID)
		}
		if err := api.DeleteUserProfile(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if n := api.count(t, "profiles", ""); n != 0 {
			t.Errorf("got %d profiles after DELETE, want 0", n)
		}
		apiError(t, api.DeleteUserProfile(ctx, u.ID), http.StatusNotFound)
		_, err = api.PutUserProfile(ctx, u.ID+100, rest.UserProfileCreate{Bio: "x"})
		apiError(t, err, http.StatusNotFound)
		if _, err := api.ReadUser(ctx, u.ID); err != nil {
			t.Errorf("deleting the profile touched the user: %v", err)
		}

		t.Run("ConcurrentPutsMakeOneProfile", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 10)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = api.PutUserProfile(ctx, u.ID, rest.UserProfileCreate{Bio: fmt.Sprint("bio", i)})
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Errorf("concurrent PUT: %v", err)
				}
			}
			if n := api.count(t, "profiles", ""); n != 1 {
				t.Errorf("got %d profiles, want 1", n)
			}
		})
	})
}

func TestPostTagRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "u", Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"old"}}}})
		if err != nil {
			t.Fatal(err)
		}
		id := u.Posts[0].ID
		tags := func(t *testing.T) []string {
			t.Helper()
			p, err := api.ReadPost(ctx, id, "tags")
			if err != nil {
				t.Fatal(err)
			}
			return tagNames(p.Tags)
		}

		got, err := api.SetPostTags(ctx, id, "go", "sql", "go", "c#", "a/b")
		if err != nil {
			t.Fatal(err)
		}
		// New tags are created in name order, so ids follow names.
		if want := []string{"a/b", "c#", "go", "sql"}; !slices.Equal(tagNames(got.Tags), want) {
			t.Errorf("PUT: got %v, want %v (in id order)", tagNames(got.Tags), want)
		}
		if _, err := api.AddPostTags(ctx, id, "sql", "web", "old"); err != nil {
			t.Fatal(err)
		}
		if want := []string{"old", "a/b", "c#", "go", "sql", "web"}; !slices.Equal(tags(t), want) {
			t.Errorf("POST: got %v, want %v", tags(t), want)
		}
		for _, name := range []string{"c#", "a/b", "go"} {
			if err := api.RemovePostTag(ctx, id, name); err != nil {
				t.Fatalf("removing %q: %v", name, err)
			}
		}
		if want := []string{"old", "sql", "web"}; !slices.Equal(tags(t), want) {
			t.Errorf("DELETE: got %v, want %v", tags(t), want)
		}
		if n := api.count(t, "tags", ""); n != 6 {
			t.Errorf("got %d tags, want all 6 kept", n)
		}
		apiError(t, api.RemovePostTag(ctx, id, "go"), http.StatusNotFound)
		apiError(t, api.RemovePostTag(ctx, id+100, "sql"), http.StatusNotFound)
		_, err = api.SetPostTags(ctx, id+100, "x")
		apiError(t, err, http.StatusNotFound)
		_, err = api.AddPostTags(ctx, id, strings.Repeat("x", 31))
		wantField(t, apiError(t, err, http.StatusBadRequest), "body", "names.0")
		if _, err := api.SetPostTags(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got := tags(t); len(got) != 0 {
			t.Errorf("PUT []: got %v, want no tags", got)
		}
	})
}
