package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/post"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"entgo.io/ent/dialect"
)

// fixture is a small graph with known answers:
//
//	alice  alice@example.com  profile  posts: "Go tips" [go, sql], "SQL joins" [sql], "Hello" []
//	Bob    bob@example.org    profile  posts: "go generics" [go]
//	carol  (no email)         —        —
//	dave   dave@example.com   —        posts: "Rust" [rust]
type fixture struct {
	api   *testAPI
	users map[string]*rest.User
	mid   time.Time // between bob and carol
}

func newFixture(t *testing.T, dbURL string) *fixture {
	t.Helper()
	api := newAPI(t, dbURL)
	ctx := context.Background()
	f := &fixture{api: api, users: map[string]*rest.User{}}
	create := func(in rest.UserCreate) {
		u, err := api.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		f.users[in.Name] = u
	}
	create(rest.UserCreate{Name: "alice", Email: ptr("alice@example.com"), Profile: &rest.UserProfileCreate{Bio: "Gopher"},
		Posts: []rest.UserPostCreate{
			{Title: "Go tips", Content: "Use the race detector.", Tags: []string{"go", "sql"}},
			{Title: "SQL joins", Content: "LEFT JOIN keeps rows.", Tags: []string{"sql"}},
			{Title: "Hello", Content: "First post."},
		}})
	create(rest.UserCreate{Name: "Bob", Email: ptr("bob@example.org"), Profile: &rest.UserProfileCreate{Bio: "Builder"},
		Posts: []rest.UserPostCreate{{Title: "go generics", Content: "Type parameters.", Tags: []string{"go"}}}})
	time.Sleep(2 * time.Millisecond)
	f.mid = time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	create(rest.UserCreate{Name: "carol"})
	create(rest.UserCreate{Name: "dave", Email: ptr("dave@example.com"), Posts: []rest.UserPostCreate{{Title: "Rust", Content: "Ownership.", Tags: []string{"rust"}}}})
	return f
}

// names lists users by filter parameters, in the order returned.
func (f *fixture) names(t *testing.T, p restkit.ListParams) []string {
	t.Helper()
	page, err := f.api.ListUser(context.Background(), p)
	if err != nil {
		t.Fatalf("%v: %v", p.Query().Encode(), err)
	}
	var out []string
	for _, u := range page.Items {
		out = append(out, u.Name)
	}
	if page.Total < len(out) {
		t.Errorf("total %d < %d items", page.Total, len(out))
	}
	return out
}

func filter(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		ids := func(names ...string) string {
			var s []string
			for _, n := range names {
				s = append(s, fmt.Sprint(f.users[n].ID))
			}
			return strings.Join(s, ",")
		}
		mid := f.mid.Format(time.RFC3339Nano)
		for _, tc := range []struct {
			name   string
			filter url.Values
			or     string
			want   []string
		}{
			{"StringEq", filter("name.eq", "alice"), "", []string{"alice"}},
			{"StringNeq", filter("name.neq", "alice"), "", []string{"Bob", "carol", "dave"}},
			{"StringIn", filter("name.in", "alice,dave,zed"), "", []string{"alice", "dave"}},
			{"StringGt", filter("name.gt", "carol"), "", []string{"dave"}},
			{"StringLte", filter("name.lte", "alice"), "", []string{"alice", "Bob"}},
			{"ContainsIgnoresCase", filter("name.contains", "ALI"), "", []string{"alice"}},
			{"PrefixIgnoresCase", filter("name.prefix", "b"), "", []string{"Bob"}},
			{"EmailContains", filter("email.contains", "example.com"), "", []string{"alice", "dave"}},
			{"IsNull", filter("email.is_null", "true"), "", []string{"carol"}},
			{"IsNotNull", filter("email.is_null", "false"), "", []string{"alice", "Bob", "dave"}},
			{"IntIn", filter("id.in", ids("Bob", "dave")), "", []string{"Bob", "dave"}},
			{"IntGte", filter("id.gte", ids("carol")), "", []string{"carol", "dave"}},
			{"TimeBefore", filter("created_at.before", mid), "", []string{"alice", "Bob"}},
			{"TimeAfter", filter("created_at.after", mid), "", []string{"carol", "dave"}},
			{"TimeLt", filter("created_at.lt", mid), "", []string{"alice", "Bob"}},
			{"AndOfTwo", filter("email.contains", "example", "has_profile", "true"), "", []string{"alice", "Bob"}},
			{"RepeatedParamIsAnd", filter("name.neq", "alice", "name.neq", "dave"), "", []string{"Bob", "carol"}},
			{"HasProfile", filter("has_profile", "true"), "", []string{"alice", "Bob"}},
			{"HasNoProfile", filter("has_profile", "false"), "", []string{"carol", "dave"}},
			{"HasNoPosts", filter("has_posts", "false"), "", []string{"carol"}},
			{"UsersWithPostTagged", filter("posts.tags.name.eq", "go"), "", []string{"alice", "Bob"}},
			{"UsersWithPostTitled", filter("posts.title.contains", "rust"), "", []string{"dave"}},
			{"ProfileBio", filter("profile.bio.prefix", "build"), "", []string{"Bob"}},
			{"AtLeastTwoPosts", filter("posts_count.gte", "2"), "", []string{"alice"}},
			{"ExactlyOnePost", filter("posts_count.eq", "1"), "", []string{"Bob", "dave"}},
			{"Or", nil, "(name.eq.carol,email.contains.example.org)", []string{"Bob", "carol"}},
			{"OrWithEdgeAndIn", nil, "(posts.tags.name.eq.rust,name.in.alice|carol)", []string{"alice", "carol", "dave"}},
			{"OrAndFilter", filter("has_profile", "true"), "(name.eq.carol,name.eq.alice)", []string{"alice"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := f.names(t, restkit.ListParams{Filter: tc.filter, Or: tc.or})
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}

		ctx := context.Background()
		t.Run("PostsByTagAndAuthor", func(t *testing.T) {
			page, err := f.api.ListPost(ctx, restkit.ListParams{Filter: filter("tags.name.eq", "sql", "author.name.eq", "alice")})
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, p := range page.Items {
				titles = append(titles, p.Title)
			}
			if !slices.Equal(titles, []string{"Go tips", "SQL joins"}) || page.Total != 2 {
				t.Errorf("got %v (total %d), want alice's two sql posts", titles, page.Total)
			}
		})
		t.Run("OnEdgeList", func(t *testing.T) {
			page, err := f.api.ListUserPosts(ctx, f.users["alice"].ID, restkit.ListParams{Filter: filter("tags.name.eq", "go")})
			if err != nil || len(page.Items) != 1 || page.Items[0].Title != "Go tips" || page.Total != 1 {
				t.Errorf("GET /users/{id}/posts?tags.name.eq=go: got %+v, %v", page, err)
			}
			goTag, err := f.api.ListTag(ctx, restkit.ListParams{Filter: filter("name.eq", "go")})
			if err != nil || len(goTag.Items) != 1 {
				t.Fatalf("tag go: %+v, %v", goTag, err)
			}
			tagged, err := f.api.ListTagPosts(ctx, goTag.Items[0].ID, restkit.ListParams{Filter: filter("author.name.in", "Bob,dave")})
			if err != nil || len(tagged.Items) != 1 || tagged.Items[0].Title != "go generics" {
				t.Errorf("GET /tags/{id}/posts?author.name.in=Bob,dave: got %+v, %v", tagged, err)
			}
		})
	})
}

func TestListSearchAndSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		for _, tc := range []struct {
			name string
			p    restkit.ListParams
			want []string
		}{
			{"SearchNameOrEmail", restkit.ListParams{Q: "EXAMPLE.COM"}, []string{"alice", "dave"}},
			{"SearchName", restkit.ListParams{Q: "bo"}, []string{"Bob"}},
			{"SortDesc", restkit.ListParams{Sort: []string{"-name"}}, nil},
			{"SortNullsLast", restkit.ListParams{Sort: []string{"email"}}, []string{"alice", "Bob", "dave", "carol"}},
			{"SortDescNullsLast", restkit.ListParams{Sort: []string{"-email"}}, []string{"dave", "Bob", "alice", "carol"}},
			{"SortByCountThenName", restkit.ListParams{Sort: []string{"-posts_count", "name"}}, []string{"alice", "Bob", "dave", "carol"}},
			{"SortByTimeDesc", restkit.ListParams{Sort: []string{"-created_at"}}, []string{"dave", "carol", "Bob", "alice"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := f.names(t, tc.p)
				if tc.want == nil {
					// Case-sensitive order differs between databases' collations;
					// check it is the reverse of ascending.
					asc := f.names(t, restkit.ListParams{Sort: []string{"name"}})
					slices.Reverse(asc)
					tc.want = asc
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
		ctx := context.Background()
		t.Run("SearchPostsTitleOrContent", func(t *testing.T) {
			page, err := f.api.ListPost(ctx, restkit.ListParams{Q: "race"})
			if err != nil || len(page.Items) != 1 || page.Items[0].Title != "Go tips" {
				t.Errorf("q=race: got %+v, %v", page, err)
			}
		})
		t.Run("TiesBrokenByID", func(t *testing.T) {
			page, err := f.api.ListPost(ctx, restkit.ListParams{Sort: []string{"author_id"}})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(page.Items); i++ {
				a, b := page.Items[i-1], page.Items[i]
				if a.AuthorID == b.AuthorID && a.ID > b.ID {
					t.Errorf("posts %d and %d of one author out of id order", a.ID, b.ID)
				}
			}
		})
	})
}

func TestListAggregates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		ctx := context.Background()
		page, err := f.api.ListUser(ctx, restkit.ListParams{Count: []string{"posts"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"alice": 3, "Bob": 1, "carol": 0, "dave": 1}
		for _, u := range page.Items {
			if u.PostsCount == nil || *u.PostsCount != want[u.Name] {
				t.Errorf("%s: got posts_count %v, want %d", u.Name, u.PostsCount, want[u.Name])
			}
		}
		if plain, _ := f.api.ListUser(ctx, restkit.ListParams{}); plain.Items[0].PostsCount != nil {
			t.Error("posts_count present without count=posts")
		}
		resp, body := f.api.do(t, http.MethodGet, fmt.Sprintf("/users/%d?count=posts", f.users["alice"].ID), "", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"posts_count":3`) {
			t.Errorf("GET /users/{id}?count=posts: got %d %s", resp.StatusCode, body)
		}
		tags, err := f.api.ListTag(ctx, restkit.ListParams{Sort: []string{"-posts_count", "name"}, Count: []string{"posts"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range tags.Items {
			got = append(got, fmt.Sprintf("%s:%d", tg.Name, *tg.PostsCount))
		}
		if !slices.Equal(got, []string{"go:2", "sql:2", "rust:1"}) {
			t.Errorf("tags by use: got %v, want go:2 sql:2 rust:1", got)
		}
	})
}

func TestListTotalsAndCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		ctx := context.Background()
		first, err := f.api.ListUser(ctx, restkit.ListParams{ItemsPerPage: 3, Sort: []string{"email"}})
		if err != nil {
			t.Fatal(err)
		}
		if first.Total != 4 || len(first.Items) != 3 || first.NextCursor == "" {
			t.Fatalf("first page: got %d items, total %d, cursor %q", len(first.Items), first.Total, first.NextCursor)
		}
		second, err := f.api.ListUser(ctx, restkit.ListParams{ItemsPerPage: 3, Sort: []string{"email"}, Cursor: first.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Items) != 1 || second.Items[0].Name != "carol" || second.NextCursor != "" || second.Total != 4 {
			t.Errorf("second page: got %+v", second)
		}
		filtered, err := f.api.ListUser(ctx, restkit.ListParams{Filter: filter("has_profile", "true"), ItemsPerPage: 1})
		if err != nil || filtered.Total != 2 || len(filtered.Items) != 1 {
			t.Errorf("total under a filter: got %+v, %v", filtered, err)
		}
	})
}

func TestListBadParameters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		first, err := f.api.ListUser(context.Background(), restkit.ListParams{ItemsPerPage: 1, Sort: []string{"name"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, query, param string }{
			{"ErrUnknownField", "nickname.eq=x", "nickname.eq"},
			{"ErrUnknownOperator", "name.like=x", "name.like"},
			{"ErrOperatorOfOtherType", "id.contains=1", "id.contains"},
			{"ErrWrongIntType", "id.gt=abc", "id.gt"},
			{"ErrWrongTimeType", "created_at.after=yesterday", "created_at.after"},
			{"ErrWrongBool", "has_profile=maybe", "has_profile"},
			{"ErrPageSize", "itemsPerPage=101", "itemsPerPage"},
			{"ErrMalformedCursor", "cursor=not-a-cursor", "cursor"},
			{"ErrCursorOfOtherSort", "sort=-name&cursor=" + first.NextCursor, "cursor"},
			{"ErrCursorWithPage", "page=2&sort=name&cursor=" + first.NextCursor, "cursor"},
			{"ErrSortField", "sort=nickname", "sort"},
			{"ErrSortSyntax", "sort=name-", "sort"},
			{"ErrSemicolon", "sort=name;drop", ""},
			{"ErrTooManySortKeys", "sort=name,email,id,created_at,updated_at", "sort"},
			{"ErrCountEdge", "count=friends", "count"},
			{"ErrOrSyntax", "or=name.eq.x", "or"},
			{"ErrOrField", "or=(nickname.eq.x)", "or"},
			{"ErrOrTooDeep", "or=(posts.tags.posts.title.eq.x)", "or"},
			{"ErrInTooMany", "id.in=" + strings.Repeat("1,", 100) + "1", "id.in"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := f.api.do(t, http.MethodGet, "/users?"+tc.query, "", "")
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, fmt.Sprintf(`"in":"query","field":%q`, tc.param)) {
					t.Errorf("got %d %s, want 400 naming %s", resp.StatusCode, body, tc.param)
				}
			})
		}
	})
}

// TestListInjection sends SQL and LIKE metacharacters through every string
// filter of users, the search and an or group: they are matched literally.
func TestListInjection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		nasty := []string{`x'; DROP TABLE users; --`, `100%`, `a_b`, `back\slash`, `" OR 1=1 --`, `(paren,comma)`}
		for _, n := range append(nasty, "plain", "1000", "axb") {
			if _, err := api.CreateUser(ctx, rest.UserCreate{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range nasty {
			for _, tc := range []struct {
				q    restkit.ListParams
				want int
			}{
				{restkit.ListParams{Filter: filter("name.eq", v)}, 1},
				{restkit.ListParams{Filter: filter("name.contains", v)}, 1},
				{restkit.ListParams{Filter: filter("name.prefix", v)}, 1},
				{restkit.ListParams{Q: v}, 1},
				{restkit.ListParams{Or: `(name.eq."` + v + `",name.eq.nobody)`}, 1},
				{restkit.ListParams{Filter: filter("name.neq", v)}, len(nasty) + 2},
			} {
				page, err := api.ListUser(ctx, tc.q)
				if strings.Contains(v, `"`) && tc.q.Or != "" {
					continue // a double quote cannot sit inside a quoted or value
				}
				if err != nil {
					t.Errorf("%s: %v", tc.q.Query().Encode(), err)
					continue
				}
				if page.Total != tc.want {
					t.Errorf("%s: matched %d, want %d", tc.q.Query().Encode(), page.Total, tc.want)
				}
			}
		}
		// Every string filter the spec declares, with every nasty value.
		for _, param := range stringFilterParams(t) {
			for _, v := range nasty {
				resp, body := api.do(t, http.MethodGet, "/users?"+url.Values{param: {v}}.Encode(), "", "")
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s=%q: got %d %s", param, v, resp.StatusCode, body)
				}
			}
		}
		if n := api.count(t, "users", ""); n != len(nasty)+3 {
			t.Errorf("got %d users after the requests, want %d", n, len(nasty)+3)
		}
	})
}

// stringFilterParams lists the string filters of GET /users in the spec.
func stringFilterParams(t *testing.T) []string {
	t.Helper()
	doc := loadDoc(t)
	var out []string
	for _, p := range doc.Paths.Value("/users").Get.Parameters {
		v := p.Value
		// Free text only: enum filters take their values alone (validation
		// refuses any other text before it reaches SQL).
		if v.Schema != nil && v.Schema.Value.Type.Is("string") && strings.Contains(v.Name, ".") && !strings.HasSuffix(v.Name, ".in") &&
			v.Schema.Value.Format == "" && len(v.Schema.Value.Enum) == 0 {
			out = append(out, v.Name)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found %d string filters, want the spec's", len(out))
	}
	return out
}

// TestKeysetWalk walks every page of a 1,000-row list by cursor while rows
// are inserted between page requests: each original row is seen exactly once.
func TestKeysetWalk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		name := func() string { return fmt.Sprintf("tag-%06d", rng.IntN(1_000_000)) }
		original := map[int]bool{}
		for chunk := 0; chunk < 1000; chunk += 250 {
			bulk := make([]*ent.TagCreate, 250)
			for i := range bulk {
				bulk[i] = api.DB.Client.Tag.Create().SetName(fmt.Sprintf("%s-%d", name(), chunk+i))
			}
			tags, err := api.DB.Client.Tag.CreateBulk(bulk...).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range tags {
				original[tg.ID] = true
			}
		}
		for _, sort := range [][]string{nil, {"-name"}} {
			t.Run(fmt.Sprint("sort", sort), func(t *testing.T) {
				seen := map[int]int{}
				p := restkit.ListParams{ItemsPerPage: 100, Sort: sort}
				for pages := 0; ; pages++ {
					if pages > 30 {
						t.Fatal("the walk does not end")
					}
					page, err := api.ListTag(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					for _, tg := range page.Items {
						seen[tg.ID]++
					}
					// Rows inserted between pages, before and after the cursor.
					for range 3 {
						if _, err := api.DB.Client.Tag.Create().SetName(name() + "-new").Save(ctx); err != nil {
							t.Fatal(err)
						}
					}
					if page.NextCursor == "" {
						break
					}
					p.Cursor = page.NextCursor
				}
				for id := range original {
					if seen[id] != 1 {
						t.Fatalf("original tag %d seen %d times", id, seen[id])
					}
				}
				for id, n := range seen {
					if n != 1 {
						t.Fatalf("tag %d seen %d times", id, n)
					}
				}
			})
		}
	})
}

// TestListIncludeStatementCount checks a page of 20 users with include and
// counts runs the same statements whatever the number of posts, the page's
// select counting the total too.
func TestListIncludeStatementCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api, counter := newCountingAPI(t, dbURL)
		ctx := context.Background()
		statements := func(postsEach int) (int, []string) {
			for i := range 20 {
				in := rest.UserCreate{Name: fmt.Sprint("u", i), Profile: &rest.UserProfileCreate{Bio: "b"}}
				for j := range postsEach {
					in.Posts = append(in.Posts, rest.UserPostCreate{Title: "t", Content: "c", Tags: []string{fmt.Sprint("t", j), "common"}})
				}
				if _, err := api.CreateUser(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			counter.reset()
			page, err := api.ListUser(ctx, restkit.ListParams{
				ItemsPerPage: 20, Include: []string{"profile", "posts.tags"}, Count: []string{"posts"},
				Sort: []string{"-id"}, Filter: filter("has_profile", "true"),
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 20 || len(page.Items[0].Posts) != postsEach || *page.Items[0].PostsCount != postsEach {
				t.Fatalf("got %d users with %d posts, want 20 with %d", len(page.Items), len(page.Items[0].Posts), postsEach)
			}
			return counter.count()
		}
		one, oneSQL := statements(1)
		five, fiveSQL := statements(5)
		if one != five || one != 4 {
			t.Errorf("got %d statements at 1 post per user and %d at 5, want 4 (users with their count, profiles, posts, tags):\n%s\n---\n%s",
				one, five, strings.Join(oneSQL, "\n"), strings.Join(fiveSQL, "\n"))
		}
	})
}

// TestCountPreference: the client chooses how total is computed with
// Prefer: count=estimated (the default: exact up to a bound, see
// TestEstimatedCount), exact, planned (PostgreSQL's estimate, for lists of
// an entity and of an edge alike; exact where there is none: SQLite) or
// none (no total), and
// the answer says which it applied; any other count is a 400 naming the
// header.
func TestCountPreference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		f := newFixture(t, dbURL)
		if f.api.DB.Dialect == dialect.Postgres {
			if _, err := f.api.DB.SQL.Exec("ANALYZE users"); err != nil {
				t.Fatal(err)
			}
		}
		get := func(path, prefer string) (int, http.Header, map[string]any) {
			t.Helper()
			req, err := http.NewRequest("GET", f.api.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if prefer != "" {
				req.Header.Set("Prefer", prefer)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, resp.Header, body
		}
		planned, estimate := "count=planned", any("estimate")
		if f.api.DB.Dialect != dialect.Postgres {
			planned, estimate = "count=exact", 3.0 // SQLite has no estimate: alice's 3 posts, counted
		}
		alice := fmt.Sprintf("/users/%d/posts", f.users["alice"].ID)
		for _, tc := range []struct {
			path, prefer, applied string
			total                 any // float64, nil for none, or "estimate": any number
		}{
			{"/users", "", "", 4.0},
			{"/users", "count=exact", "count=exact", 4.0},
			{"/users", "count=estimated", "count=exact", 4.0},         // under the bound: exact
			{"/users", "return=minimal, count=planned", planned, 4.0}, // analyzed: the estimate is the table's size
			{"/users", "count=none", "count=none", nil},
			{alice, "count=exact", "count=exact", 3.0},
			{alice, "count=estimated", "count=exact", 3.0},
			{alice, "count=planned", planned, estimate},
			{alice, "count=none", "count=none", nil},
		} {
			code, h, body := get(tc.path, tc.prefer)
			total := body["total"]
			if _, ok := total.(float64); ok && tc.total == "estimate" {
				total = "estimate"
			}
			if code != http.StatusOK || h.Get("Preference-Applied") != tc.applied || total != tc.total {
				t.Errorf("GET %s with Prefer %q: %d, Preference-Applied %q, total %v; want 200, %q, %v",
					tc.path, tc.prefer, code, h.Get("Preference-Applied"), body["total"], tc.applied, tc.total)
			}
			if items, _ := body["items"].([]any); len(items) == 0 {
				t.Errorf("GET %s with Prefer %q: no items", tc.path, tc.prefer)
			}
		}
		// The page's statement counts (restkit.Total); a page past the
		// first is counted as the first is, and one with no rows to carry
		// the count, past the end, takes a count of its own.
		for _, tc := range []struct {
			path  string
			items int
			total any
		}{
			{"/users?itemsPerPage=1&page=2", 1, 4.0},
			{"/users?page=9", 0, 4.0},
			{"/users?name.eq=nobody", 0, 0.0}, // (the planner would say 1: its least estimate)
		} {
			for _, prefer := range []string{"", "count=exact", planned} {
				if prefer == "count=planned" && tc.items == 0 && tc.total == 0.0 {
					continue
				}
				code, _, body := get(tc.path, prefer)
				if items, _ := body["items"].([]any); code != http.StatusOK || len(items) != tc.items || body["total"] != tc.total {
					t.Errorf("GET %s with Prefer %q: %d, %d items, total %v; want 200, %d, %v", tc.path, prefer, code, len(items), body["total"], tc.items, tc.total)
				}
			}
		}
		// The typed client sends the preference.
		for mode, want := range map[restkit.CountMode]int{restkit.CountExact: 4, restkit.CountEstimated: 4, restkit.CountNone: 0} {
			page, err := f.api.ListUser(context.Background(), restkit.ListParams{Total: mode})
			if err != nil {
				t.Fatalf("ListUser with Total %s: %v", mode, err)
			}
			if page.Total != want || len(page.Items) != 4 {
				t.Errorf("ListUser with Total %s: %v, total %d of %d items; want %d", mode, err, page.Total, len(page.Items), want)
			}
		}
		code, _, body := get("/users", "count=approximate")
		errs, _ := body["errors"].([]any)
		if code != http.StatusBadRequest || len(errs) != 1 || errs[0].(map[string]any)["field"] != "Prefer" {
			t.Errorf("Prefer: count=approximate: got %d %v, want 400 naming Prefer", code, body)
		}
	})
}

// TestEstimatedCount: the default count is exact while at most
// restkit.EstimateAbove rows match, and beyond it PostgreSQL's planner
// estimate (SQLite has none: exact), for lists of an entity and of an edge;
// asked for, the answer says which.
func TestEstimatedCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		posts := restkit.EstimateAbove + 100
		// One tag, on every post: its list of posts is as long as /posts.
		if err := api.DB.Seed(ctx, database.SeedConfig{Users: posts / 2, PostsPerUser: 2, Tags: 1, TagsPerPost: 1, Batch: 500, Seed: 1}, nil); err != nil {
			t.Fatal(err)
		}
		beyond := "count=exact"
		pg := api.DB.Dialect == dialect.Postgres
		if pg {
			beyond = "count=planned"
			if _, err := api.DB.SQL.Exec("ANALYZE posts; ANALYZE post_tags; ANALYZE tags"); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			path, applied string
			total         int
			estimate      bool // on PostgreSQL, total is an estimate above the bound
		}{
			{"/tags/1/posts?itemsPerPage=1", beyond, posts, pg},
			{"/tags/1/posts?itemsPerPage=1&id.lte=10", "count=exact", 10, false},
			{"/posts?itemsPerPage=1", beyond, posts, false}, // analyzed: the estimate is the table's size
			{"/posts?itemsPerPage=1&id.lte=" + strconv.Itoa(restkit.EstimateAbove), "count=exact", restkit.EstimateAbove, false},
			{"/posts?itemsPerPage=1&id.lte=10", "count=exact", 10, false},
			{"/posts?itemsPerPage=100&page=" + strconv.Itoa(posts/100+2), beyond, posts, false}, // past the end: no row carries the count
			{"/posts?itemsPerPage=100&page=12&id.lte=10", "count=exact", 10, false},
		} {
			for _, prefer := range []string{"", "count=estimated"} {
				req, err := http.NewRequest("GET", api.URL+tc.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if prefer != "" {
					req.Header.Set("Prefer", prefer)
				}
				resp, body := conformance.DoRequest(t, req)
				var page struct{ Total int }
				if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d %s", tc.path, resp.StatusCode, body)
				}
				applied := resp.Header.Get("Preference-Applied")
				total := page.Total == tc.total
				if tc.estimate {
					total = page.Total > restkit.EstimateAbove && page.Total < 2*tc.total
				}
				if prefer != "" && applied != tc.applied || prefer == "" && applied != "" || !total {
					t.Errorf("GET %s with Prefer %q: Preference-Applied %q, total %d; want %q, %d",
						tc.path, prefer, applied, page.Total, tc.applied, tc.total)
				}
			}
		}
	})
}

// TestListsApplyInterceptors: an ent interceptor that narrows a query (one
// wrapping the querier, as a tenant filter would be written) narrows the
// lists of its entity, top-level and of an edge, and their totals: list
// pages scan their rows themselves but build them through the query's
// interceptors.
func TestListsApplyInterceptors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		db := dbtest.Open(t, dbURL)
		ctx := context.Background()
		u := db.Client.User.Create().SetName("ann").SaveX(ctx)
		for _, title := range []string{"public one", "secret plan", "public two"} {
			db.Client.Post.Create().SetTitle(title).SetContent("c").SetAuthor(u).SaveX(ctx)
		}
		db.Client.Post.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
			return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
				if pq, ok := q.(*ent.PostQuery); ok {
					pq.Where(post.Not(post.TitleHasPrefix("secret")))
				}
				return next.Query(ctx, q)
			})
		}))
		api := serve(t, db, db.Client, db.Driver)
		all, err := api.ListPost(ctx, restkit.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := api.ListUserPosts(ctx, u.ID, restkit.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		for name, page := range map[string]*rest.PostList{"/posts": all, "/users/{id}/posts": mine} {
			var titles []string
			for _, p := range page.Items {
				titles = append(titles, p.Title)
			}
			if !slices.Equal(titles, []string{"public one", "public two"}) || page.Total != 2 {
				t.Errorf("GET %s: %q, total %d; want the two public posts", name, titles, page.Total)
			}
		}
	})
}
