package server_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"

	"entgo.io/ent/dialect"
)

// The million-post dataset is made once, outside the tests, by
//
//	blog seed --database-url URL --users 100000 --posts-per-user 10 --tags 1000
//
// and named with -million URL (task bench:million does both). Without it
// the tests and benchmarks of this file skip: seeding takes minutes.
var millionURL = flag.String("million", "", "TestMillionPlans, BenchmarkMillion: URL of a database seeded with 100,000 users × 10 posts")

// millionPosts is the size the dataset must have.
const millionPosts = 1_000_000

// millionRequest is a documented list request, written for the seeded
// data (users user00000…, tags tag000…, words of the seed's vocabulary).
type millionRequest struct {
	name, path string
	// index names an index a statement of the request must use.
	index string
	// whole says why the request reads more than maxRowsRead rows of a
	// table, if it must.
	whole string
	// included is how many included rows the request may return: reading
	// a few index entries for each is in proportion.
	included int
}

// millionRequests are the list requests the README documents, each with
// values that exist in the seeded data, and a deep keyset page.
func millionRequests() []millionRequest {
	return []millionRequest{
		{name: "users", path: "/users"},
		{name: "users-page-30", path: "/users?page=1&itemsPerPage=30"},
		{name: "users-sort-name", path: "/users?itemsPerPage=50&sort=name", index: "user_name"},
		{name: "users-name-contains", path: "/users?name.contains=er00420&email.is_null=false", index: "users_name_trgm"},
		{name: "users-after-in", path: "/users?created_at.after=2026-01-01T00:00:00Z&id.in=1,2,3", index: "users_pkey"},
		{name: "users-or", path: "/users?or=(name.eq.user00042,email.contains.er00043@)"},
		{name: "users-has-profile", path: "/users?has_profile=false", index: "user_profile_count"},
		{name: "users-by-tag", path: "/users?posts.tags.name.eq=tag007"},
		{name: "users-include-posts", path: "/users?include=posts&itemsPerPage=20"},
		{name: "users-sort-posts-count", path: "/users?sort=-posts_count,name&count=posts", index: "user_posts_count_name"},
		{name: "users-posts-count-gte", path: "/users?posts_count.gte=2"},
		{name: "posts", path: "/posts"},
		{name: "posts-1", path: "/posts?itemsPerPage=1"},
		{name: "posts-q-common", path: "/posts?q=join"},
		{name: "posts-q-absent", path: "/posts?q=lorem", index: "posts_content_trgm"},
		{name: "posts-title-contains", path: "/posts?title.contains=zzz", index: "posts_title_trgm"},
		{name: "posts-by-tag-author", path: "/posts?tags.name.eq=tag007&author.name.eq=user00042"},
		{name: "user-posts", path: "/users/42/posts"},
		{name: "tag-posts", path: "/tags/7/posts"},
		{name: "profiles", path: "/profiles"},
		{name: "tags", path: "/tags"},
		{name: "tags-sort-posts-count", path: "/tags?sort=-posts_count&count=posts"},
		{name: "tags-include-posts", path: "/tags?include=posts", included: rest.DefaultPageSize * rest.MaxIncluded},
		{name: "tags-has-no-posts", path: "/tags?has_posts=false"},
		{name: "users-has-no-posts", path: "/users?has_posts=false", index: "user_posts_count_name"},
		{name: "posts-has-no-tags", path: "/posts?has_tags=false", index: "post_tags_count"},
	}
}

// millionEnv is the service over the million-post database, counting its
// statements.
type millionEnv struct {
	db      *database.DB
	counter *counter
	url     string
}

func newMillionEnv(tb testing.TB) *millionEnv {
	tb.Helper()
	if *millionURL == "" {
		tb.Skip("no -million database (task bench:million seeds one)")
	}
	ctx := context.Background()
	db, err := database.Open(ctx, *millionURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	dir, err := db.Migrations()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
		tb.Fatal(err)
	}
	var posts int
	if err := db.SQL.QueryRow("SELECT COUNT(*) FROM posts").Scan(&posts); err != nil || posts < millionPosts {
		tb.Fatalf("-million database: %d posts (%v), want %d: seed it with blog seed --users 100000 --posts-per-user 10 --tags 1000", posts, err, millionPosts)
	}
	// The state autovacuum keeps a table in: statistics, and on PostgreSQL
	// a visibility map, without which an index-only scan right after the
	// seed fetches every heap row it reads (3,000 for /tags?include=posts).
	settle := "ANALYZE"
	if db.Dialect == dialect.Postgres {
		settle = "VACUUM (ANALYZE)"
	}
	if _, err := db.SQL.Exec(settle); err != nil {
		tb.Fatal(err)
	}
	c := &counter{Driver: db.Driver} // as the service opens it: with its argument rewrites
	served := &database.DB{Client: ent.NewClient(ent.Driver(c)), Driver: c, SQL: db.SQL, Dialect: db.Dialect}
	h, err := server.New(ctx, served, slog.New(slog.DiscardHandler), server.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return &millionEnv{db: db, counter: c, url: ts.URL}
}

// get fetches path and returns its body, failing on any status but 200.
func (e *millionEnv) get(tb testing.TB, path string) []byte {
	tb.Helper()
	resp, err := http.Get(e.url + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
	}
	return body
}

// deepCursor walks the posts by keyset to the cursor of page 5,000 of 20
// (after post 100,000).
func (e *millionEnv) deepCursor(tb testing.TB) string {
	tb.Helper()
	cursor := ""
	for range 1000 {
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		path := "/posts?itemsPerPage=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if err := json.Unmarshal(e.get(tb, path), &page); err != nil || page.NextCursor == "" {
			tb.Fatalf("walking the posts: %v, cursor %q", err, page.NextCursor)
		}
		cursor = page.NextCursor
	}
	return cursor
}

// rowsRead runs query with EXPLAIN ANALYZE on PostgreSQL and returns the
// rows its scans read from each table (returned and filtered out, over all
// loops) and the plan's text.
func rowsRead(t *testing.T, db *database.DB, query string, args []any) (map[string]float64, string) {
	t.Helper()
	var out []byte
	if err := db.SQL.QueryRow("EXPLAIN (ANALYZE, FORMAT JSON) "+query, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	read := planRowsRead(t, out)
	return read, explain(t, db, query, args)
}

// planRowsRead returns the rows the scans of a PostgreSQL plan (EXPLAIN
// ANALYZE, FORMAT JSON) read from each table: returned and filtered out,
// over all loops.
func planRowsRead(t *testing.T, out []byte) map[string]float64 {
	t.Helper()
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) == 0 {
		t.Fatalf("reading the plan: %v", err)
	}
	read := map[string]float64{}
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.Relation != "" {
			read[n.Relation] += (n.ActualRows + n.RemovedByFilter + n.RemovedByRecheck) * n.Loops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	return read
}

// planNode is a node of a PostgreSQL JSON plan.
type planNode struct {
	Type             string     `json:"Node Type"`
	Relation         string     `json:"Relation Name"`
	ActualRows       float64    `json:"Actual Rows"`
	Loops            float64    `json:"Actual Loops"`
	RemovedByFilter  float64    `json:"Rows Removed by Filter"`
	RemovedByRecheck float64    `json:"Rows Removed by Index Recheck"`
	Plans            []planNode `json:"Plans"`
}

// maxRowsRead bounds the rows a query of a list request may read from one
// table at a million posts: a page, its includes, and a count that stops at
// restkit.EstimateAbove. A page's statement that counts its total too
// (restkit.TotalColumn) is two queries, and has twice the bound.
const maxRowsRead = 5_000

// TestMillionPlans checks, with EXPLAIN ANALYZE at a million posts on
// PostgreSQL, that no statement of a documented list request reads more
// than maxRowsRead rows of a table, and that each request's statements use
// the index it names (the trigram indexes for contains and q). Requests
// with a reason to read whole tables (whole) are reported, not failed.
func TestMillionPlans(t *testing.T) {
	e := newMillionEnv(t)
	if e.db.Dialect != dialect.Postgres {
		t.Skip("plans are checked on PostgreSQL")
	}
	reqs := append(millionRequests(), millionRequest{name: "posts-page-5000", path: "/posts?itemsPerPage=20&cursor=" + e.deepCursor(t), index: "posts_pkey"})
	for _, r := range reqs {
		t.Run(r.name, func(t *testing.T) {
			e.counter.reset()
			e.get(t, r.path)
			stmts, args := e.counter.last()
			var plans []string
			for i, q := range stmts {
				if strings.HasPrefix(q, "EXPLAIN") {
					continue // the planned count
				}
				read, plan := rowsRead(t, e.db, q, args[i])
				plans = append(plans, plan)
				bound := float64(max(maxRowsRead, 4*r.included))
				if strings.Contains(q, restkit.TotalColumn) {
					bound *= 2
				}
				for table, n := range read {
					if n <= bound {
						continue
					}
					if r.whole != "" {
						t.Logf("GET %s reads %.0f rows of %s (%s)", r.path, n, table, r.whole)
						continue
					}
					t.Errorf("GET %s reads %.0f rows of %s:\n%s\n%s", r.path, n, table, q, plan)
				}
			}
			if r.index != "" && !slices.ContainsFunc(plans, func(p string) bool { return strings.Contains(p, r.index) }) {
				t.Errorf("GET %s: no plan uses %s:\n%s", r.path, r.index, strings.Join(plans, "\n---\n"))
			}
		})
	}
}

// BenchmarkMillion measures each documented list request at a million posts
// (go test ./server -run '^$' -bench Million -million URL): ns/op, its
// median as p50-ms, and statements per request.
func BenchmarkMillion(b *testing.B) {
	e := newMillionEnv(b)
	reqs := append(millionRequests(), millionRequest{name: "posts-page-5000", path: "/posts?itemsPerPage=20&cursor=" + e.deepCursor(b)})
	for _, r := range reqs {
		b.Run(r.name, func(b *testing.B) {
			e.get(b, r.path) // warm
			e.counter.reset()
			e.counter.quiet = true
			defer func() { e.counter.quiet = false }()
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				e.get(b, r.path)
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(e.counter.n.Load())/float64(b.N), "stmts/op")
		})
	}
}
