package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// replicaSet is a private primary with one streaming standby, the blog
// migrated on it, and a server routing reads to the standby.
type replicaSet struct {
	primary, standby *dbtest.Cluster
	standbySQL       *sql.DB
	replicas         *database.Replicas
	url              string // the server's
}

func newReplicaSet(t *testing.T, ro database.ReplicaOptions) *replicaSet {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters")
	}
	ctx := context.Background()
	rs := &replicaSet{primary: dbtest.NewCluster(t)}
	admin := dbtest.Connect(t, rs.primary.URL("postgres"))
	if _, err := admin.SQL.ExecContext(ctx, "CREATE DATABASE blog"); err != nil {
		t.Fatal(err)
	}
	db := dbtest.Open(t, rs.primary.URL("blog"))
	rs.standby = rs.primary.Standby(t)
	rs.standbySQL = dbtest.Connect(t, rs.standby.URL("blog")).SQL
	var err error
	rs.replicas, err = database.OpenReplicas(ctx, db, []string{rs.standby.URL("blog")}, ro)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.replicas.Close() })
	cfg := server.DefaultConfig()
	cfg.Replicas = rs.replicas
	rs.url = serveWith(t, db, cfg).URL
	rs.waitState(t, "ok")
	return rs
}

// waitState waits for /readyz to report the standby in state.
func (rs *replicaSet) waitState(t *testing.T, state string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var ready struct {
			Replicas []database.StandbyStatus `json:"replicas"`
		}
		resp, err := http.Get(rs.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&ready)
		resp.Body.Close()
		if err != nil || len(ready.Replicas) != 1 {
			t.Fatalf("/readyz: %v %+v", err, ready)
		}
		if last = ready.Replicas[0].State; last == state {
			return
		}
	}
	t.Fatalf("the standby stayed %q, not %q", last, state)
}

// reads is the blog_read_requests_total count of server from /metrics.
func (rs *replicaSet) reads(t *testing.T, server string) int {
	t.Helper()
	resp, err := http.Get(rs.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var n int
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, `blog_read_requests_total{server="`+server+`"} `); ok {
			fmt.Sscan(v, &n)
		}
	}
	return n
}

// getAt reads path with the header hdr (none when empty) through client.
func getAt(t *testing.T, client *http.Client, url, path, walPosition string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+path, nil)
	if walPosition != "" {
		req.Header.Set(server.WALPositionHeader, walPosition)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// createAt posts a user through client and returns its path and the
// response's WAL position.
func createAt(t *testing.T, client *http.Client, url, name string) (path, position string) {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"email":"%s@example.com","profile":{"bio":"b"},"posts":[{"title":"t","content":"c","tags":["replica"]}]}`, name, name)
	resp, err := client.Post(url+"/users", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("creating %s: %d %s", name, resp.StatusCode, b)
	}
	return resp.Header.Get("Location"), resp.Header.Get(server.WALPositionHeader)
}

// TestReadReplicas: reads go to a streaming standby; a write answers its
// WAL position (header and cookie), and a read carrying it sees the write
// even while the standby's replay is paused (pg_wal_replay_pause) — served
// by the primary after a brief wait — while a read without it is served by
// the stale standby. Once replay resumes, reads after the write go to the
// standby again. A malformed position is a 400.
func TestReadReplicas(t *testing.T) {
	rs := newReplicaSet(t, database.ReplicaOptions{MaxLag: time.Minute, Wait: 150 * time.Millisecond, Interval: 20 * time.Millisecond})
	plain := &http.Client{Timeout: 10 * time.Second}

	path, pos := createAt(t, plain, rs.url, "ada")
	if _, err := database.ParseLSN(pos); err != nil {
		t.Fatalf("a write's %s: %v", server.WALPositionHeader, err)
	}
	standbyReads := rs.reads(t, "standby")
	if code, body := getAt(t, plain, rs.url, path+"?include=posts.tags", pos); code != http.StatusOK || !strings.Contains(body, `"replica"`) {
		t.Fatalf("read after the write: %d %s", code, body)
	}
	if n := rs.reads(t, "standby"); n != standbyReads+1 {
		t.Fatalf("the read after the write was not served by the standby that replayed it (standby reads %d → %d)", standbyReads, n)
	}

	// Pause replay: the standby stops seeing writes.
	if _, err := rs.standbySQL.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Timeout: 10 * time.Second, Jar: jar}
	path, pos = createAt(t, browser, rs.url, "grace")
	if code, _ := getAt(t, plain, rs.url, path, ""); code != http.StatusNotFound {
		t.Fatalf("a read without the position while replay is paused: %d, want 404 from the stale standby", code)
	}
	primaryReads := rs.reads(t, "primary")
	start := time.Now()
	if code, body := getAt(t, plain, rs.url, path+"?include=profile,posts", pos); code != http.StatusOK || !strings.Contains(body, `"grace"`) {
		t.Fatalf("a read with the write's position while replay is paused: %d %s", code, body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the read after the write took %s waiting for the paused standby", took)
	}
	if code, body := getAt(t, browser, rs.url, path, ""); code != http.StatusOK || !strings.Contains(body, `"grace"`) {
		t.Fatalf("a read with the cookie of the write while replay is paused: %d %s", code, body)
	}
	if n := rs.reads(t, "primary"); n != primaryReads+2 {
		t.Fatalf("reads after the write while replay is paused: %d served by the primary, want 2", n-primaryReads)
	}

	if _, err := rs.standbySQL.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	standbyReads = rs.reads(t, "standby")
	if code, _ := getAt(t, browser, rs.url, path, ""); code != http.StatusOK {
		t.Fatalf("a read with the cookie after replay resumed: %d", code)
	}
	if n := rs.reads(t, "standby"); n != standbyReads+1 {
		t.Fatal("after replay resumed, the read after the write was not served by the standby")
	}

	for _, bad := range []string{"nope", "0/", "/1", "123456789/0", "0/G"} {
		if code, body := getAt(t, plain, rs.url, path, bad); code != http.StatusBadRequest || !strings.Contains(body, server.WALPositionHeader) {
			t.Errorf("%s: %q: %d %s, want a 400 naming the header", server.WALPositionHeader, bad, code, body)
		}
	}
}

// TestReplicaLagAndOutage: a standby behind by more than the lag bound, or
// down, serves no reads — they go to the primary and succeed — and /readyz
// says so while the server stays ready; stopping the standby under a
// concurrent read load fails no request; once it is back it serves again.
func TestReplicaLagAndOutage(t *testing.T) {
	rs := newReplicaSet(t, database.ReplicaOptions{MaxLag: 300 * time.Millisecond, Interval: 20 * time.Millisecond})
	plain := &http.Client{Timeout: 10 * time.Second}
	path, _ := createAt(t, plain, rs.url, "lin")

	// Lagging: replay paused while the primary moves on.
	if _, err := rs.standbySQL.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	fresh, _ := createAt(t, plain, rs.url, "hopper")
	rs.waitState(t, "lagging")
	if code, _ := getAt(t, plain, rs.url, fresh, ""); code != http.StatusOK {
		t.Fatalf("a read while the only standby lags: %d, want 200 from the primary", code)
	}
	if _, err := rs.standbySQL.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	rs.waitState(t, "ok")

	// Down, under load.
	var errs, oks atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := plain.Get(rs.url + path + "?include=posts.tags")
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, resp.Status)
				} else {
					oks.Add(1)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	rs.standby.PgCtl("stop", "-m", "fast")
	rs.waitState(t, "down")
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d of %d reads failed while the standby stopped; first: %v", errs.Load(), errs.Load()+oks.Load(), firstErr.Load())
	}
	t.Logf("%d reads, 0 failed, %d retried on the primary", oks.Load(), rs.reads(t, "retry"))
	resp, err := plain.Get(rs.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz with the standby down: %d, want 200 (reads go to the primary)", resp.StatusCode)
	}

	rs.standby.PgCtl("start")
	rs.waitState(t, "ok")
	standbyReads := rs.reads(t, "standby")
	if code, _ := getAt(t, plain, rs.url, path, ""); code != http.StatusOK || rs.reads(t, "standby") != standbyReads+1 {
		t.Fatalf("after the standby came back: %d, standby reads %d → %d", code, standbyReads, rs.reads(t, "standby"))
	}
}

// TestReplicaConfig: replica URLs need a PostgreSQL primary and postgres://
// URLs.
func TestReplicaConfig(t *testing.T) {
	for _, c := range []struct {
		db, replica string
	}{
		{"sqlite:blog.db", "postgres://127.0.0.1/blog"},
		{"postgres://127.0.0.1/blog", "sqlite:replica.db"},
		{"postgres://127.0.0.1/blog", "mysql://127.0.0.1/blog"},
	} {
		cfg := server.DefaultConfig()
		cfg.DatabaseURL, cfg.ReplicaURLs = c.db, []string{c.replica}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "replica") {
			t.Errorf("database %s with replica %s: %v, want an error about replicas", c.db, c.replica, err)
		}
	}
}

// TestWALPositionInSpec checks that the spec documents the server's
// read-your-writes header (restgen's Headers in ent/entc.go, which must
// name it as the server does): a parameter of every read and a header of
// every successful write's answer; and that a read sending a malformed one
// is a 400 naming it, whether or not the server has replicas.
func TestWALPositionInSpec(t *testing.T) {
	reads, writes := 0, 0
	for path, item := range loadDoc(t).Paths.Map() {
		for method, op := range item.Operations() {
			if method == http.MethodGet {
				reads++
				if op.Parameters.GetByInAndName("header", server.WALPositionHeader) == nil {
					t.Errorf("GET %s: no %s parameter", path, server.WALPositionHeader)
				}
				continue
			}
			for code, r := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				writes++
				if r.Value == nil || r.Value.Headers[server.WALPositionHeader] == nil {
					t.Errorf("%s %s %s: no %s header", method, path, code, server.WALPositionHeader)
				}
			}
		}
	}
	if reads == 0 || writes == 0 {
		t.Fatalf("the spec has %d reads and %d successful write answers", reads, writes)
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		for _, v := range []string{"nope", "0/16B3748/1", strings.Repeat("1", 40)} {
			resp, body := sendH(t, http.MethodGet, api.URL+"/users", "", map[string]string{server.WALPositionHeader: v})
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, server.WALPositionHeader) {
				t.Errorf("GET /users with %s: %q: got %d %s, want 400 naming the header", server.WALPositionHeader, v, resp.StatusCode, body)
			}
		}
		resp, body := sendH(t, http.MethodGet, api.URL+"/users", "", map[string]string{server.WALPositionHeader: "0/16B3748"})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /users with a WAL position: got %d %s, want 200", resp.StatusCode, body)
		}
	})
}
