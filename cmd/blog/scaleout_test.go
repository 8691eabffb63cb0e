package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"
)

var scaleOut = flag.Duration("scaleout", 2*time.Second,
	"TestScaleOut: how long each measured configuration runs (task scaleout runs 10s)")

// TestScaleOut is the scale-out harness, on real processes: a private
// PostgreSQL primary, a streaming standby made by pg_basebackup -R,
// pgbouncer (transaction pooling) in front of the primary, and haproxy in
// front of 1 to 3 `blog serve` instances that send reads to the standby.
// A mixed load — nested creates, tag updates, reads of one's own writes
// carrying their WAL position, list pages — runs through haproxy in each
// configuration (1, 2, 3 instances; with and without the standby): no
// request fails, every read after a write sees it, the standby serves
// reads (its own statistics count them), and stopping the standby mid-load
// fails no request. It skips where haproxy, pgbouncer or PostgreSQL's
// server binaries are not installed, unless CI=true (.ci/run installs them).
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters, pgbouncer, haproxy and three servers")
	}
	haproxy := lookBin(t, "haproxy")
	primary := dbtest.NewCluster(t)
	admin := dbtest.Connect(t, primary.URL("postgres"))
	if _, err := admin.SQL.Exec("CREATE DATABASE blog"); err != nil {
		t.Fatal(err)
	}
	// Migrations go to the primary itself: their advisory lock is a
	// session's, which transaction pooling does not keep.
	migrate := exec.Command(os.Args[0], "migrate", "apply", "--database-url", primary.URL("blog"))
	migrate.Env = append(os.Environ(), "BLOG_TEST_MAIN=1")
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate apply: %v\n%s", err, out)
	}
	standby := primary.Standby(t)
	standbyStats := dbtest.Connect(t, standby.URL("blog")).SQL
	bouncer := dbtest.PgBouncer(t, 8, primary.URL("blog")) + "&default_query_exec_mode=exec"

	type result struct {
		instances int
		standby   bool
		*load
	}
	var results []result
	for _, withStandby := range []bool{false, true} {
		for n := 1; n <= 3; n++ {
			var replicas []string
			if withStandby {
				replicas = []string{"--replica-urls", standby.URL("blog")}
			}
			f := startFleet(t, haproxy, n, bouncer, replicas)
			var before int64
			if err := standbyStats.QueryRow("SELECT xact_commit FROM pg_stat_database WHERE datname = 'blog'").Scan(&before); err != nil {
				t.Fatal(err)
			}
			l := runLoad(t, f, 16, *scaleOut, nil)
			f.stop()
			results = append(results, result{n, withStandby, l})
			t.Logf("%d instance(s), standby %-5v: %6.0f req/s, %d requests, %d reads after writes, %d reads by the standby",
				n, withStandby, l.rate(), l.ok, l.rywChecks, l.standbyReads)
			if l.failed > 0 || l.rywMisses > 0 {
				t.Fatalf("%d instance(s), standby %v: %d of %d requests failed (first: %s), %d reads missed their write",
					n, withStandby, l.failed, l.ok+l.failed, l.firstError, l.rywMisses)
			}
			if withStandby && l.standbyReads == 0 {
				t.Fatalf("%d instance(s) with the standby: no read served by it", n)
			}
			if withStandby {
				// The standby's statistics see those reads too (flushed within a second or so).
				waitFor(t, 5*time.Second, "the standby's pg_stat_database to count the reads", func() bool {
					var after int64
					_ = standbyStats.QueryRow("SELECT xact_commit FROM pg_stat_database WHERE datname = 'blog'").Scan(&after)
					return after-before >= l.standbyReads/2
				})
			}
		}
	}

	// Stopping the standby under load fails no request.
	f := startFleet(t, haproxy, 2, bouncer, []string{"--replica-urls", standby.URL("blog")})
	defer f.stop()
	l := runLoad(t, f, 16, max(*scaleOut, 2*time.Second), func() { standby.PgCtl("stop", "-m", "fast") })
	t.Logf("standby stopped mid-load: %d requests, %d failed, %d reads after writes, %d missed", l.ok+l.failed, l.failed, l.rywChecks, l.rywMisses)
	if l.failed > 0 || l.rywMisses > 0 {
		t.Fatalf("stopping the standby mid-load: %d of %d requests failed (first: %s), %d reads missed their write",
			l.failed, l.ok+l.failed, l.firstError, l.rywMisses)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "| instances | standby | req/s | reads by the standby |\n|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&table, "| %d | %v | %.0f | %.0f%% |\n", r.instances, map[bool]string{true: "yes", false: "no"}[r.standby], r.rate(),
			100*float64(r.standbyReads)/float64(max(1, r.reads)))
	}
	t.Logf("mixed load through haproxy, 16 clients, %s per configuration:\n%s", *scaleOut, table.String())
}

// lookBin finds a Debian package's program, skipping (failing under CI)
// where it is not installed.
func lookBin(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/sbin/" + name; fileExists(p) {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (.ci/run installs it)", name)
	}
	t.Skipf("%s is not installed (apt-get install %s)", name, name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// fleet is instances of blog serve behind haproxy.
type fleet struct {
	front string   // haproxy's base URL
	addrs []string // the instances'
	stop  func()
}

// startFleet starts n instances of blog serve on dbURL with extra flags and
// haproxy in front of them (round robin, health-checked on /readyz).
func startFleet(t *testing.T, haproxy string, n int, dbURL string, extra []string) *fleet {
	t.Helper()
	var procs []*served
	var addrs []string
	var servers strings.Builder
	for i := range n {
		s := startServe(t, append([]string{"--database-url", dbURL, "--db-max-open", "8", "--db-max-idle", "8", "--drain-delay", "0s"}, extra...)...)
		procs = append(procs, s)
		addrs = append(addrs, s.addr)
		fmt.Fprintf(&servers, "    server blog%d %s check\n", i, s.addr)
	}
	port := dbtest.FreePort(t)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend api
    bind 127.0.0.1:%d
    default_backend blog
backend blog
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
%s`, port, servers.String())
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(haproxy, "-f", conf, "-db")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	front := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, 10*time.Second, "haproxy to answer", func() bool {
		resp, err := http.Get(front + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	var once sync.Once
	return &fleet{front: front, addrs: addrs, stop: func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			for _, p := range procs {
				_ = p.cmd.Process.Signal(os.Interrupt)
				_ = p.wait()
			}
		})
	}}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// load is what a runLoad saw.
type load struct {
	took                 time.Duration
	ok, failed           int64
	reads                int64 // GETs
	rywChecks, rywMisses int64
	standbyReads         int64 // the instances' blog_read_requests_total{server="standby"}
	firstError           string
	firstErrorOnce       sync.Once
}

func (l *load) rate() float64 { return float64(l.ok) / l.took.Seconds() }

// runLoad runs clients concurrent clients against base for d: each loops
// over a nested create (then reads the user back with the write's WAL
// position), a tag update of its latest post (then reads the post's tags
// with the position), and three list pages or reads by id (with its latest
// position, as a session would). Halfway through it calls midway, if set.
func runLoad(t *testing.T, f *fleet, clients int, d time.Duration, midway func()) *load {
	t.Helper()
	l := &load{}
	base := f.front
	standbyBefore := standbyReads(t, f.addrs)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	fail := func(what string) {
		atomic.AddInt64(&l.failed, 1)
		l.firstErrorOnce.Do(func() { l.firstError = what })
	}
	do := func(method, path, body, pos string) (int, http.Header, string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if pos != "" {
			req.Header.Set(server.WALPositionHeader, pos)
		}
		resp, err := hc.Do(req)
		if err != nil {
			fail(method + " " + path + ": " + err.Error())
			return 0, nil, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			fail(fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, b))
		} else {
			atomic.AddInt64(&l.ok, 1)
			if method == http.MethodGet {
				atomic.AddInt64(&l.reads, 1)
			}
		}
		return resp.StatusCode, resp.Header, string(b)
	}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			var pos, userPath string
			var postID int64
			for i := 0; time.Now().Before(deadline); i++ {
				switch i % 5 {
				case 0: // nested create, then read it back
					name := fmt.Sprintf("c%d-%d-%d", c, i, rng.IntN(1e9))
					body := fmt.Sprintf(`{"name":%q,"profile":{"bio":"b"},"posts":[{"title":"t","content":"c","tags":["t%d","t%d"]}]}`,
						name, rng.IntN(20), rng.IntN(20))
					code, h, out := do(http.MethodPost, "/users", body, "")
					if code != http.StatusCreated {
						continue
					}
					var u struct{ Posts []struct{ ID int64 } }
					_ = json.Unmarshal([]byte(out), &u)
					if len(u.Posts) == 1 {
						postID = u.Posts[0].ID
					}
					pos, userPath = h.Get(server.WALPositionHeader), h.Get("Location")
					code, _, out = do(http.MethodGet, userPath+"?include=profile,posts.tags", "", pos)
					atomic.AddInt64(&l.rywChecks, 1)
					if code == http.StatusOK && !strings.Contains(out, name) {
						atomic.AddInt64(&l.rywMisses, 1)
					}
				case 1: // replace a post's tags, then read them back
					if postID == 0 {
						continue
					}
					tag := fmt.Sprintf("u%d", rng.IntN(1e6))
					code, h, _ := do(http.MethodPut, fmt.Sprintf("/posts/%d/tags", postID), fmt.Sprintf(`{"names":[%q]}`, tag), "")
					if code != http.StatusOK {
						continue
					}
					pos = h.Get(server.WALPositionHeader)
					code, _, out := do(http.MethodGet, fmt.Sprintf("/posts/%d?include=tags", postID), "", pos)
					atomic.AddInt64(&l.rywChecks, 1)
					if code == http.StatusOK && !strings.Contains(out, `"`+tag+`"`) {
						atomic.AddInt64(&l.rywMisses, 1)
					}
				case 2, 3:
					do(http.MethodGet, "/users?include=posts.tags&itemsPerPage=20&sort=-id", "", pos)
				default:
					if userPath != "" {
						do(http.MethodGet, userPath+"?include=profile,posts.tags", "", pos)
					}
				}
			}
		})
	}
	if midway != nil {
		time.Sleep(d / 2)
		midway()
	}
	wg.Wait()
	l.took = time.Since(start)
	l.standbyReads = standbyReads(t, f.addrs) - standbyBefore
	return l
}

// standbyReads sums blog_read_requests_total{server="standby"} over the
// instances at addrs.
func standbyReads(t *testing.T, addrs []string) int64 {
	t.Helper()
	var sum int64
	for _, addr := range addrs {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, `blog_read_requests_total{server="standby"} `); ok {
				f, _ := strconv.ParseFloat(v, 64)
				sum += int64(f)
			}
		}
	}
	return sum
}
