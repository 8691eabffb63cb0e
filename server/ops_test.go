package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/go-chi/chi/v5"
)

// opsServer serves db with cfg and logs into the returned buffer.
func opsServer(t *testing.T, db *database.DB, cfg server.Config) (*httptest.Server, *syncLog) {
	t.Helper()
	logs := &syncLog{}
	h, err := server.New(context.Background(), db, slog.New(slog.NewJSONHandler(logs, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A route that panics, to see the recoverer at work.
	h.(chi.Router).Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom at 0xdeadbeef") })
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, logs
}

// syncLog is a concurrency-safe log buffer.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// get sends a GET to url with the header name, value pairs given.
func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	h := make(map[string]string)
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return sendH(t, http.MethodGet, url, "", h)
}

func TestHealthAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Run("Ready", func(t *testing.T) {
			ts, _ := opsServer(t, dbtest.Open(t, dbURL), server.DefaultConfig())
			if resp, body := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
				t.Errorf("/healthz: %d %s", resp.StatusCode, body)
			}
			if resp, body := get(t, ts.URL+"/readyz"); resp.StatusCode != 200 || !strings.Contains(body, `"ready"`) {
				t.Errorf("/readyz: %d %s", resp.StatusCode, body)
			}
		})
		t.Run("PendingMigrations", func(t *testing.T) {
			var fresh string
			if strings.HasPrefix(dbURL, "postgres") {
				fresh = dbtest.Postgres(t)
			} else {
				fresh = dbtest.SQLite(t)
			}
			db, err := database.Open(context.Background(), fresh)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ts, _ := opsServer(t, db, server.DefaultConfig())
			if resp, body := get(t, ts.URL+"/readyz"); resp.StatusCode != 503 || !strings.Contains(body, `"pending"`) {
				t.Errorf("/readyz before migrating: %d %s, want 503 pending", resp.StatusCode, body)
			}
		})
		t.Run("DatabaseGone", func(t *testing.T) {
			db := dbtest.Open(t, dbURL)
			ts, _ := opsServer(t, db, server.DefaultConfig())
			db.SQL.Close()
			if resp, body := get(t, ts.URL+"/readyz"); resp.StatusCode != 503 || !strings.Contains(body, `"unreachable"`) {
				t.Errorf("/readyz with the pool closed: %d %s, want 503 unreachable", resp.StatusCode, body)
			}
			resp, body := get(t, ts.URL+"/users")
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"request_id"`) {
				t.Errorf("GET /users with the pool closed: %d %s, want 503 with Retry-After", resp.StatusCode, body)
			}
			if resp, _ := get(t, ts.URL+"/healthz"); resp.StatusCode != 200 {
				t.Errorf("/healthz follows the database: %d", resp.StatusCode)
			}
		})
	})
}

func TestMetricsAndRequestLogs(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	ts, logs := opsServer(t, db, server.DefaultConfig())
	get(t, ts.URL+"/users")
	get(t, ts.URL+"/users/12345")
	get(t, ts.URL+"/users/12345", "X-Request-Id", "client-chosen-id")
	_, body := get(t, ts.URL+"/metrics")
	for _, want := range []string{
		`blog_http_requests_total{method="GET",route="/users",status="200"} 1`,
		`blog_http_requests_total{method="GET",route="/users/{id}",status="404"} 2`,
		`blog_http_request_duration_seconds_bucket{method="GET",route="/users/{id}",status="404",le="+Inf"} 2`,
		`go_sql_max_open_connections{db_name="blog"}`,
		`go_sql_in_use_connections{db_name="blog"}`,
		`go_sql_wait_duration_seconds_total{db_name="blog"}`,
		`blog_http_requests_in_flight 1`, // the /metrics request itself
		fmt.Sprintf(`blog_build_info{commit=%q,goversion=%q,version=%q} 1`, server.BuildInfo().Commit, runtime.Version(), server.BuildInfo().Version),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		if rec["request_id"] == "client-chosen-id" {
			found = true
			ms, _ := rec["duration_ms"].(float64)
			if rec["method"] != "GET" || rec["path"] != "/users/12345" || rec["route"] != "/users/{id}" || rec["status"] != float64(404) ||
				ms <= 0 || ms > 10_000 || rec["bytes"].(float64) <= 0 || !strings.HasPrefix(rec["remote"].(string), "127.0.0.1:") {
				t.Errorf("request log %v lacks method, path, route, status, bytes, duration_ms or remote", rec)
			}
		}
	}
	if !found {
		t.Errorf("no request log carries the client's X-Request-Id:\n%s", logs)
	}
	resp, body := get(t, ts.URL+"/users/12345", "X-Request-Id", "echo-me")
	if resp.Header.Get("X-Request-Id") != "echo-me" || !strings.Contains(body, `"request_id":"echo-me"`) {
		t.Errorf("got header %q and body %s, want the request ID echoed in both", resp.Header.Get("X-Request-Id"), body)
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	ts, logs := opsServer(t, db, server.DefaultConfig())
	resp, body := get(t, ts.URL+"/boom", "X-Request-Id", "panic-1")
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != restkit.ProblemContentType ||
		!strings.Contains(body, `"request_id":"panic-1"`) {
		t.Errorf("got %d %s, want a problem details 500 with the request ID", resp.StatusCode, body)
	}
	for _, leak := range []string{"kaboom", "goroutine", ".go:", "deadbeef"} {
		if strings.Contains(body, leak) {
			t.Errorf("the 500 body leaks %q: %s", leak, body)
		}
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Error("the panic is not logged")
	}
}

func TestWriteAuth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		db := dbtest.Open(t, dbURL)
		cfg := server.DefaultConfig()
		cfg.APITokens = []string{"first-token-0123456789", "second-token-0123456789"}
		ts, _ := opsServer(t, db, cfg)
		post := func(token string) int {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/tags", strings.NewReader(`{"name":"t`+token[:0]+`"}`))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			return resp.StatusCode
		}
		for _, tc := range []struct {
			name, token string
			want        int
		}{
			{"ErrNoToken", "", 401},
			{"ErrWrongToken", "first-token-012345678X", 401},
			{"ErrPrefixOfToken", "first-token", 401},
			{"SecondToken", "second-token-0123456789", 201},
		} {
			if got := post(tc.token); got != tc.want {
				t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
			}
		}
		if resp, body := get(t, ts.URL+"/tags"); resp.StatusCode != 200 {
			t.Errorf("reads are open by default: %d %s", resp.StatusCode, body)
		}
		if n := dbCount(t, db, "tags"); n != 1 {
			t.Errorf("got %d tags, want only the authorized one", n)
		}

		cfg.ReadAuth = true
		ts2, _ := opsServer(t, db, cfg)
		if resp, _ := get(t, ts2.URL+"/tags"); resp.StatusCode != 401 {
			t.Errorf("read with BLOG_READ_AUTH and no token: %d, want 401", resp.StatusCode)
		}
		if resp, _ := get(t, ts2.URL+"/tags", "Authorization", "Bearer first-token-0123456789"); resp.StatusCode != 200 {
			t.Errorf("read with a token: %d, want 200", resp.StatusCode)
		}
		for _, open := range []string{"/healthz", "/openapi.json", "/docs"} {
			if resp, _ := get(t, ts2.URL+open); resp.StatusCode != 200 {
				t.Errorf("%s needs no token: got %d", open, resp.StatusCode)
			}
		}
	})
}

func TestConfiguredBodyLimit(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	cfg := server.DefaultConfig()
	cfg.MaxBodyBytes = 64
	ts, _ := opsServer(t, db, cfg)
	c := rest.NewClient(ts.URL, nil)
	if _, err := c.CreateTag(context.Background(), rest.TagCreate{Name: "short"}); err != nil {
		t.Fatalf("a small body: %v", err)
	}
	_, err := c.CreateUser(context.Background(), rest.UserCreate{Name: strings.Repeat("n", 50), Email: ptr(strings.Repeat("e", 60) + "@x.io")})
	apiError(t, err, http.StatusRequestEntityTooLarge)
}

func dbCount(t *testing.T, db *database.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
