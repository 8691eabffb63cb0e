package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/jackc/pgx/v5/pgxpool"
)

// perfEnv is the benchmark set-up on PostgreSQL: the seeded dataset, the
// service and the baseline, each behind a real TCP listener.
type perfEnv struct {
	db       *database.DB
	service  *httptest.Server
	baseline *httptest.Server
	counter  *counter
	base     *baseline
	client   *http.Client
}

// The dataset of issue 7.
var perfSeed = database.SeedConfig{Users: 1000, PostsPerUser: 10, Tags: 50, TagsPerPost: 3, Seed: 1, Batch: 1000}

// pgxURL is url for pgx's own pool: without the service's driver option.
func pgxURL(tb testing.TB, raw string) string {
	tb.Helper()
	u, err := neturl.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Del("driver")
	q.Set("connect_timeout", "5")
	u.RawQuery = q.Encode()
	return u.String()
}

func newPerfEnv(tb testing.TB, pool database.Pool) *perfEnv {
	tb.Helper()
	// The service opens the database as it does by default (pgx's
	// database/sql driver, unless TEST_PG_DRIVER says); the baseline uses
	// pgx natively (pgxpool).
	url := dbtest.Postgres(tb)
	ctx := context.Background()
	db, err := database.Open(ctx, url, database.WithPool(pool))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	dir, _ := db.Migrations()
	if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
		tb.Fatal(err)
	}
	if err := db.Seed(ctx, perfSeed, nil); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.SQL.Exec("ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	c := &counter{Driver: db.Driver, quiet: true}
	served := &database.DB{Client: ent.NewClient(ent.Driver(c)), Driver: c, SQL: db.SQL, Dialect: db.Dialect}
	cfg := server.DefaultConfig()
	cfg.Pool = pool
	h, err := server.New(ctx, served, slog.New(slog.DiscardHandler), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	pcfg, err := pgxpool.ParseConfig(pgxURL(tb, url))
	if err != nil {
		tb.Fatal(err)
	}
	if pool.MaxOpen > 0 {
		pcfg.MaxConns = int32(pool.MaxOpen)
	}
	raw, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(raw.Close)
	base := &baseline{db: raw}
	env := &perfEnv{
		db: db, counter: c, base: base,
		service:  httptest.NewServer(h),
		baseline: httptest.NewServer(base.routes()),
		// No Accept-Encoding: the service would gzip (b)'s 100 KB pages, the
		// baseline never does; on loopback that measures compression, not
		// the layers (b: 0.94× → 0.78× with it).
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 128, DisableCompression: true}},
	}
	tb.Cleanup(env.service.Close)
	tb.Cleanup(env.baseline.Close)
	return env
}

// scenario is one benchmark request; i numbers it (for random ids and
// unique names), run tells the service and the baseline apart.
type scenario struct {
	name   string
	method string
	path   func(i int) string
	body   func(run string, i int) []byte
	status int
	// warm is how many requests (e.ready) sends before a measurement.
	warm int
}

func scenarios() []scenario {
	return []scenario{
		{name: "a_read_user_graph", method: "GET", status: 200, path: func(i int) string {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			return fmt.Sprintf("/users/%d?include=profile,posts.tags", 1+rng.IntN(perfSeed.Users))
		}},
		{name: "b_first_page_20_users", method: "GET", status: 200, path: func(int) string {
			return "/users?include=profile,posts.tags&itemsPerPage=20"
		}},
		{name: "c_nested_create", method: "POST", status: 201, path: func(int) string { return "/users" }, body: nestedBody, warm: 200},
		{name: "d_posts_by_tag_sorted", method: "GET", status: 200, path: func(i int) string {
			return fmt.Sprintf("/posts?tags.name.eq=tag%03d&sort=-created_at&itemsPerPage=20", i%perfSeed.Tags)
		}},
	}
}

// nestedBody is a user with a profile and 10 posts × 3 tags, half of the tag
// names new.
func nestedBody(run string, i int) []byte {
	type post struct {
		Title   string   `json:"title"`
		Content string   `json:"content"`
		Tags    []string `json:"tags"`
	}
	var posts []post
	for j := range 10 {
		third := fmt.Sprintf("new-%s-%d-%d-b", run, i, j)
		if j%2 == 1 {
			third = fmt.Sprintf("tag%03d", (j*7+1)%perfSeed.Tags)
		}
		posts = append(posts, post{
			Title:   fmt.Sprintf("Post %d of %d", j, i),
			Content: strings.Repeat("Benchmarks measure what the layers cost. ", 5)[:190],
			Tags:    []string{fmt.Sprintf("tag%03d", (j*5)%perfSeed.Tags), fmt.Sprintf("new-%s-%d-%d-a", run, i, j), third},
		})
	}
	b, _ := json.Marshal(map[string]any{
		"name":    fmt.Sprintf("bench-%s-%d", run, i),
		"email":   fmt.Sprintf("bench-%s-%d@example.com", run, i),
		"profile": map[string]string{"bio": "Benchmarked."},
		"posts":   posts,
	})
	return b
}

// fresh puts the database back to the seeded dataset (scenario (c) adds
// users and tags; without this, each round would measure a larger database
// than the last), vacuums and analyzes it, and drops the idle connections of
// both sides, so each measurement starts alike. PostgreSQL caches the plans
// of foreign-key checks per connection; a plan made for a one-page table
// stays in use as the table grows unless an ANALYZE invalidates it, and with
// autovacuum off, as on the machine the numbers come from, nothing else
// does (measured: 2.3 ms per nested create on a new connection, 10 ms on one
// that had served 900 of them).
func (e *perfEnv) fresh(tb testing.TB) {
	tb.Helper()
	for _, q := range []string{
		fmt.Sprintf("DELETE FROM users WHERE id > %d", perfSeed.Users),
		fmt.Sprintf("DELETE FROM tags WHERE id > %d", perfSeed.Tags),
		"VACUUM ANALYZE",
	} {
		if _, err := e.db.SQL.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	e.db.SQL.SetMaxIdleConns(0)
	e.db.SQL.SetMaxIdleConns(server.DefaultConfig().Pool.MaxIdle)
	e.base.db.Reset()
}

// ready prepares a measurement of s against url: the dataset restored
// (fresh), then s.warm requests and an ANALYZE, as autovacuum would run in
// production. Without it, (c) measures a pathology of this machine rather
// than the layers: every connection plans the foreign-key check of
// post_tags.tag_id while tags holds 50 rows in one page, so the plan is a
// sequential scan, and nothing invalidates it as each create adds 15 tags
// (measured: 29,000 scans reading 104 M rows of tags in 1,000 creates, 5–12 ms
// of PostgreSQL CPU per create, on both sides). 200 creates grow tags to
// 3,050 rows; the ANALYZE makes every connection plan again, by index.
func (e *perfEnv) ready(tb testing.TB, url string, s scenario) {
	tb.Helper()
	e.fresh(tb)
	if s.warm == 0 {
		return
	}
	run := shortRun("w")
	for i := range s.warm {
		e.do(tb, url, s, run, i)
	}
	if _, err := e.db.SQL.Exec("ANALYZE"); err != nil {
		tb.Fatal(err)
	}
}

// shortRun names a run uniquely in a few characters (tag names are ≤ 30).
func shortRun(prefix string) string {
	return prefix[:1] + strconv.FormatInt(time.Now().UnixNano()%(36*36*36*36*36), 36)
}

// do sends the i-th request of s to base and returns the body.
func (e *perfEnv) do(tb testing.TB, base string, s scenario, run string, i int) []byte {
	var body io.Reader
	if s.body != nil {
		body = bytes.NewReader(s.body(run, i))
	}
	req, err := http.NewRequest(s.method, base+s.path(i), body)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != s.status {
		tb.Fatalf("%s %s: %d %s %v", s.method, s.path(i), resp.StatusCode, b, err)
	}
	return b
}

// TestBaselineMatchesService checks the baseline answers each scenario with
// the service's bytes (for the create, the same document but for the ids and
// times the database assigns).
func TestBaselineMatchesService(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the benchmark dataset")
	}
	if !blogGraph() {
		t.Skip("the schema is not the blog's four entities: the hand-written baseline answers for those only")
	}
	e := newPerfEnv(t, server.DefaultConfig().Pool)
	for _, s := range scenarios() {
		t.Run(s.name, func(t *testing.T) {
			for i := range 3 {
				got, want := e.do(t, e.service.URL, s, "svc", i), e.do(t, e.baseline.URL, s, "base", i)
				if s.method == "POST" {
					got, want = normalized(t, got, "svc"), normalized(t, want, "base")
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("request %d differs:\nservice:  %.600s\nbaseline: %.600s", i, got, want)
				}
			}
		})
	}
}

// normalized blanks what the database assigns (ids, times) and the run name.
func normalized(t *testing.T, b []byte, run string) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(bytes.ReplaceAll(b, []byte(run), []byte("RUN")), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				switch k {
				case "id", "created_at", "updated_at", "author_id", "user_id":
					x[k] = "·"
				default:
					walk(c)
				}
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

var benchRounds = flag.Int("rounds", 1, "BenchmarkScenarios: rounds, each measuring every scenario on the service then the baseline")

// BenchmarkScenarios runs each scenario against the service and the baseline
// (go test ./server -run '^$' -bench Scenarios -benchmem -rounds 5): ns/op,
// B/op, allocs/op (client and server, same process) and SQL statements per
// op. Rounds interleave the two sides, so that drift in the machine's load
// does not favour one; .ci/benchmedian takes the medians.
func BenchmarkScenarios(b *testing.B) {
	e := newPerfEnv(b, server.DefaultConfig().Pool)
	for round := range *benchRounds {
		for _, s := range scenarios() {
			for _, side := range sideOrder(round) {
				b.Run(s.name+"/"+side, func(b *testing.B) {
					url := e.service.URL
					if side == "baseline" {
						url = e.baseline.URL
					}
					run := shortRun(side)
					e.ready(b, url, s)
					e.counter.reset()
					e.base.stmts.Store(0)
					b.ReportAllocs()
					cpu := readCPU()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						e.do(b, url, s, run, i)
					}
					b.StopTimer()
					self, pg := cpu.perOp(readCPU(), b.N)
					b.ReportMetric(self, "go-cpu-us/op")
					b.ReportMetric(pg, "pg-cpu-us/op")
					stmts := int(e.counter.n.Load())
					if side == "baseline" {
						stmts = int(e.base.stmts.Load())
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "stmts/op")
				})
			}
		}
	}
}

// sideOrder is the order in which round measures the two sides: each goes
// first in every other round, so that whatever favours the first or the
// second measurement of a round (caches, CPU clocks) favours neither side.
func sideOrder(round int) []string {
	if round%2 == 1 {
		return []string{"baseline", "service"}
	}
	return []string{"service", "baseline"}
}

var (
	loadFor   = flag.Duration("load", 0, "run TestLoad for this long per scenario and side (e.g. 10s)")
	loadOnly  = flag.String("only", "", "TestLoad: run only the scenarios whose name contains this")
	loadPools = flag.Bool("pools", true, "TestLoad: also compare pool sizes")
	loadSide  = flag.String("side", "", "TestLoad: load only this side (service or baseline), to profile one")
)

// TestLoad is the load run of `task bench`: 16 concurrent clients over TCP
// for a fixed duration per scenario, service and baseline alternated in
// rounds, reporting requests/s and p50/p99; then the pool sizes for
// scenarios (a) and (c) at 16 clients. Run with -load=10s.
func TestLoad(t *testing.T) {
	if *loadFor == 0 {
		t.Skip("run with -load=DURATION (task bench)")
	}
	const clients, rounds = 16, 4
	e := newPerfEnv(t, server.DefaultConfig().Pool)
	// CPU per request under load, of the Go process (clients, service and
	// baseline) and of the rest of the machine (PostgreSQL, when nothing
	// else runs): what bounds throughput here.
	fmt.Printf("\n%-24s %-9s %10s %9s %9s %7s %8s %8s\n", "scenario", "side", "req/s", "p50", "p99", "ratio", "go µs", "rest µs")
	for _, s := range scenarios() {
		if !strings.Contains(s.name, *loadOnly) {
			continue
		}
		var rps, goCPU, pgCPU [2]float64
		var p50, p99 [2]time.Duration
		for round := range rounds {
			for _, name := range sideOrder(round) {
				if *loadSide != "" && name != *loadSide {
					continue
				}
				side, url := 0, e.service.URL
				if name == "baseline" {
					side, url = 1, e.baseline.URL
				}
				e.ready(t, url, s)
				before := readCPU()
				n, q50, q99 := e.load(t, url, s, shortRun(fmt.Sprint(side)), clients, *loadFor/rounds)
				after, reqs := readCPU(), int(n*(*loadFor/rounds).Seconds())
				self, _ := before.perOp(after, reqs)
				goCPU[side] += self / rounds
				pgCPU[side] += before.othersPerOp(after, reqs) / rounds
				rps[side] += n / rounds
				p50[side] += q50 / rounds
				p99[side] += q99 / rounds
			}
		}
		for side, name := range []string{"service", "baseline"} {
			ratio := ""
			if side == 0 && *loadSide == "" {
				ratio = fmt.Sprintf("%.2f×", rps[0]/rps[1])
			}
			fmt.Printf("%-24s %-9s %10.0f %9s %9s %7s %8.0f %8.0f\n", s.name, name, rps[side], p50[side].Round(time.Microsecond), p99[side].Round(time.Microsecond), ratio, goCPU[side], pgCPU[side])
		}
	}
	if !*loadPools {
		return
	}
	// Pool sizes: a read and a write scenario on the service, each size in
	// every round (so that drift in the machine's load does not favour one),
	// medians over the rounds.
	sizes := []int{4, 8, 16, 32}
	envs := make([]*perfEnv, len(sizes))
	for i, size := range sizes {
		envs[i] = newPerfEnv(t, database.Pool{MaxOpen: size, MaxIdle: size, MaxLifetime: 30 * time.Minute})
	}
	const poolRounds = 3
	for _, s := range []scenario{scenarios()[0], scenarios()[2]} {
		rps := make([][]float64, len(sizes))
		p99 := make([][]time.Duration, len(sizes))
		for range poolRounds {
			for i, pe := range envs {
				pe.ready(t, pe.service.URL, s)
				n, _, q99 := pe.load(t, pe.service.URL, s, shortRun("p"), clients, *loadFor/4)
				rps[i] = append(rps[i], n)
				p99[i] = append(p99[i], q99)
			}
		}
		fmt.Printf("\npool sizes, %s, %d clients, service, medians of %d rounds:\n%-10s %10s %9s\n", s.name, clients, poolRounds, "max open", "req/s", "p99")
		for i, size := range sizes {
			slices.Sort(rps[i])
			slices.Sort(p99[i])
			fmt.Printf("%-10d %10.0f %9s\n", size, rps[i][poolRounds/2], p99[i][poolRounds/2].Round(time.Microsecond))
		}
	}
}

// load runs clients concurrent loops of s against url for d and returns
// requests per second, p50 and p99.
func (e *perfEnv) load(t *testing.T, url string, s scenario, run string, clients int, d time.Duration) (float64, time.Duration, time.Duration) {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				i := int(next.Add(1))
				start := time.Now()
				e.do(t, url, s, run, i)
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	return float64(len(lat)) / d.Seconds(), q(0.50), q(0.99)
}

// TestPostsByTagUsesIndexes checks, with EXPLAIN on PostgreSQL over the
// benchmark dataset, that scenario (d) finds the posts of a tag through the
// indexes on tags.name and post_tags.tag_id rather than by scanning.
func TestPostsByTagUsesIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the benchmark dataset")
	}
	e := newPerfEnv(t, server.DefaultConfig().Pool)
	e.fresh(t)
	e.counter.quiet = false
	e.counter.reset()
	e.do(t, e.service.URL, scenarios()[3], "x", 7)
	stmts, args := e.counter.last()
	if len(stmts) != 1 || !strings.Contains(stmts[0], restkit.TotalColumn) {
		t.Fatalf("got %d statements, want the page counting its total:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	for i, q := range stmts {
		rows, err := e.db.SQL.Query("EXPLAIN "+q, args[i]...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("%s\n%s", q, text)
		if !strings.Contains(text, "post_tags_tag_id") {
			t.Errorf("statement %d does not use the index on post_tags.tag_id:\n%s", i+1, text)
		}
		if strings.Contains(text, "Seq Scan on post_tags") || strings.Contains(text, "Seq Scan on posts") {
			t.Errorf("statement %d scans a large table:\n%s", i+1, text)
		}
	}
}

// blogGraph reports whether the schema is the blog's graph — its tables and
// columns — the one the hand-written baseline (and so the byte comparison)
// is written for.
func blogGraph() bool {
	want := map[string]string{
		"users":     "id created_at updated_at name email",
		"profiles":  "id created_at updated_at bio user_id",
		"posts":     "id created_at updated_at title content author_id",
		"tags":      "id created_at updated_at name",
		"post_tags": "post_id tag_id",
	}
	if len(migrate.Tables) != len(want) {
		return false
	}
	for _, t := range migrate.Tables {
		var cols []string
		for _, c := range t.Columns {
			cols = append(cols, c.Name)
		}
		if strings.Join(cols, " ") != want[t.Name] {
			return false
		}
	}
	return true
}
