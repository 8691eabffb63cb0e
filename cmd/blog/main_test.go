package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`addr=(\S+)`)

// TestServe starts `blog serve` on a free port, checks it logs the address
// and the database and answers, then cancels it (as SIGINT/SIGTERM do) and
// checks it shuts down cleanly. On PostgreSQL it first checks that serve
// refuses a database with pending migrations unless given --migrate; SQLite
// migrates by itself.
func TestServe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		args := []string{"serve", "--addr", "127.0.0.1:0"}
		if strings.HasPrefix(url, "postgres") {
			var stdout, stderr syncBuffer
			code := run(context.Background(), args, env, &stdout, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), "pending migration") || !strings.Contains(stderr.String(), "--migrate") {
				t.Fatalf("serve on an unmigrated PostgreSQL: got status %d, stderr %q; want 1 and a message naming --migrate", code, stderr.String())
			}
			args = append(args, "--migrate")
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr syncBuffer
		done := make(chan int, 1)
		go func() { done <- run(ctx, args, env, &stdout, &stderr) }()

		var addr string
		deadline := time.After(10 * time.Second)
		for addr == "" {
			select {
			case code := <-done:
				t.Fatalf("serve exited with %d; stdout %q, stderr %q", code, stdout.String(), stderr.String())
			case <-deadline:
				t.Fatalf("no address logged; stdout %q, stderr %q", stdout.String(), stderr.String())
			case <-time.After(20 * time.Millisecond):
				if m := listening.FindStringSubmatch(stdout.String()); m != nil {
					addr = m[1]
				}
			}
		}
		wantDB := map[bool]string{true: "database=postgres", false: "database=sqlite3"}[strings.HasPrefix(url, "postgres")]
		if !strings.Contains(stdout.String(), wantDB) || !strings.Contains(stdout.String(), "applied migrations") {
			t.Errorf("log %q does not say %s and that it applied the migrations", stdout.String(), wantDB)
		}
		resp, err := http.Get("http://" + addr + "/users")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"items":[],"total":0}` {
			t.Errorf("GET /users: got %d %s, want 200 and an empty page", resp.StatusCode, body)
		}

		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("got exit status %d, want 0; stderr %q", code, stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop after cancellation")
		}
		if !strings.Contains(stdout.String(), "shutting down") {
			t.Errorf("log %q does not report the shutdown", stdout.String())
		}
	})
}

// TestMigrateCommands runs status, apply and status again: status exits 1
// while migrations are pending and 0 after apply.
func TestMigrateCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := func(string) string { return "" }
		ctx := context.Background()
		var out, errOut syncBuffer
		if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
			// Commands that report never create the database.
			for _, args := range [][]string{{"migrate", "status"}, {"migrate", "lint"}, {"migrate", "apply", "--dry-run"}} {
				code := run(ctx, append(args, "--database-url", url), env, &out, &errOut)
				if _, err := os.Stat(path); code != 1 || !strings.Contains(errOut.String(), "no database at "+path) || err == nil {
					t.Fatalf("%v on a missing SQLite file: exit %d, %q, file created: %v; want 1 saying there is none, no file", args, code, errOut.String(), err == nil)
				}
				errOut = syncBuffer{}
			}
			db, err := database.Open(ctx, url) // an empty database
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
		}
		if code := run(ctx, []string{"migrate", "status", "--database-url", url}, env, &out, &errOut); code != 1 || !strings.Contains(out.String(), "pending") {
			t.Fatalf("status before apply: got %d, %q; want 1 listing pending", code, out.String())
		}
		out, errOut = syncBuffer{}, syncBuffer{}
		if code := run(ctx, []string{"migrate", "apply", "--dry-run", "--database-url", url}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "CREATE TABLE") {
			t.Fatalf("apply --dry-run: got %d, %q; want the SQL", code, out.String())
		}
		out, errOut = syncBuffer{}, syncBuffer{}
		if code := run(ctx, []string{"migrate", "status", "--database-url", url}, env, &out, &errOut); code != 1 {
			t.Fatalf("status after a dry run: got %d, want 1 (nothing applied)", code)
		}
		out, errOut = syncBuffer{}, syncBuffer{}
		if code := run(ctx, []string{"migrate", "apply", "--database-url", url}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "applied") {
			t.Fatalf("apply: got %d, %q, %q", code, out.String(), errOut.String())
		}
		out, errOut = syncBuffer{}, syncBuffer{}
		if code := run(ctx, []string{"migrate", "status", "--database-url", url}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "applied") {
			t.Fatalf("status after apply: got %d, %q; want 0 listing applied", code, out.String())
		}
		out, errOut = syncBuffer{}, syncBuffer{}
		if code := run(ctx, []string{"migrate", "lint", "--all", "--database-url", url}, env, &out, &errOut); code != 0 {
			t.Fatalf("lint --all: got %d, %q, %q", code, out.String(), errOut.String())
		}
	})
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"ErrNoCommand", nil},
		{"ErrUnknownCommand", []string{"fly"}},
		{"ErrBadAddr", []string{"serve", "--addr", "nope"}},
		{"ErrUnknownFlag", []string{"serve", "--colour"}},
		{"ErrExtraArgs", []string{"serve", "extra"}},
		{"ErrMemoryLimitUnit", []string{"serve", "--memory-limit", "48MB"}},
		{"ErrMemoryLimitNegative", []string{"serve", "--memory-limit", "-1"}},
		{"ErrMemoryLimitHuge", []string{"serve", "--memory-limit", "9999999999TiB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
			if code != 2 || stderr.String() == "" {
				t.Errorf("got status %d, stderr %q; want 2 and a message", code, stderr.String())
			}
		})
	}
}

// TestParseBytes: --memory-limit reads sizes as GOMEMLIMIT does.
func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "100": 100, "100B": 100, "2KiB": 2 << 10, "48MiB": 48 << 20, "1GiB": 1 << 30, "3TiB": 3 << 40} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "48MB", "48 MiB", "1.5GiB", "-1", "9999999999TiB", "12iB"} {
		if n, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, n)
		}
	}
}

// TestCLI: every command and migrate subcommand has its own help (exit 0,
// on stdout); an error is printed once, on stderr, without the help, and a
// value that cannot be parsed — flag or environment — names the form
// expected; an empty database URL is refused; version prints the build.
func TestCLI(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	for _, c := range []struct {
		args      []string
		env       map[string]string
		code      int
		stdout    string // a substring of stdout
		stderr    string // a substring of stderr ("" for none at all)
		notStdout string
	}{
		{args: []string{"version"}, stdout: "blog "},
		{args: []string{"--version"}, stdout: " commit "},
		{args: []string{"--help"}, stdout: "blog COMMAND --help"},
		{args: []string{"help", "seed"}, stdout: "--posts-per-user"},
		{args: []string{"serve", "--help"}, stdout: "BLOG_READ_TIMEOUT"},
		{args: []string{"seed", "-h"}, stdout: "--if-empty"},
		{args: []string{"openapi", "--help"}, stdout: "--yaml"},
		{args: []string{"migrate", "--help"}, stdout: "status      list applied"},
		{args: []string{"migrate", "apply", "--help"}, stdout: "--dry-run", notStdout: "--all "},
		{args: []string{"migrate", "lint", "--help"}, stdout: "--all ", notStdout: "--dry-run"},
		{args: []string{"migrate", "diff", "--help"}, stdout: "blog migrate diff [flags] NAME"},
		{args: []string{"db", "copy", "--help"}, stdout: "--from"},
		{args: []string{"db"}, code: 2, stderr: "a db command is required"},
		{args: []string{"db", "copy"}, code: 2, stderr: "blog db copy --from URL --to postgres://"},
		{args: []string{"migrate"}, code: 2, stderr: "a migrate command is required"},
		{args: []string{"migrate", "frob"}, code: 2, stderr: `unknown migrate command "frob"`},
		{args: []string{"serve", "--no-such-flag"}, code: 2, stderr: "flag provided but not defined: -no-such-flag (blog serve --help lists the flags)"},
		{args: []string{"serve", "--read-timeout", "30"}, code: 2, stderr: `--read-timeout "30": want a duration with a unit, such as 30s`},
		{args: []string{"serve"}, env: map[string]string{"BLOG_READ_TIMEOUT": "30"}, code: 2, stderr: `BLOG_READ_TIMEOUT="30": want a duration with a unit`},
		{args: []string{"seed"}, env: map[string]string{"BLOG_USERS": "many"}, code: 2, stderr: `BLOG_USERS="many": want a whole number`},
		{args: []string{"serve", "--database-url", ""}, code: 2, stderr: "the database URL is empty"},
		{args: []string{"migrate", "status", "--database-url="}, code: 2, stderr: "the database URL is empty"},
	} {
		env := noEnv
		if c.env != nil {
			env = func(k string) string { return c.env[k] }
		}
		var out, errOut syncBuffer
		code := run(ctx, c.args, env, &out, &errOut)
		o, e := out.String(), errOut.String()
		if code != c.code || !strings.Contains(o, c.stdout) || c.notStdout != "" && strings.Contains(o, c.notStdout) {
			t.Errorf("blog %q: exit %d, stdout %q; want %d with %q", c.args, code, o, c.code, c.stdout)
		}
		switch {
		case c.stderr == "" && e != "":
			t.Errorf("blog %q: stderr %q, want none", c.args, e)
		case c.stderr != "" && (!strings.Contains(e, c.stderr) || strings.Count(e, "blog:") != 1 || strings.Contains(e, "BLOG_DB_MAX_OPEN")):
			t.Errorf("blog %q: stderr %q; want one error saying %q, without the help", c.args, e, c.stderr)
		}
	}
}

// TestVersionNamesTheCommit builds the binary as a release would (with VCS
// stamping, which GOFLAGS may turn off) and checks that blog version names
// the commit it was built from.
func TestVersionNamesTheCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("no git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "blog")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(head)); !strings.Contains(string(out), "commit "+want) {
		t.Errorf("blog version: %q, want commit %s", out, want)
	}
}

// TestServeExportsTraces: with OTEL_EXPORTER_OTLP_ENDPOINT set (the
// standard OpenTelemetry environment), serve sends its spans over OTLP/HTTP
// to that endpoint — flushed at shutdown at the latest; without it, it
// sends none (tracing is off by default).
func TestServeExportsTraces(t *testing.T) {
	var posts atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	for _, on := range []bool{false, true} {
		if on {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
		}
		url := dbtest.SQLite(t)
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--drain-delay", "0s", "--database-url", url}, func(string) string { return "" }, &stdout, &stderr)
		}()
		var addr string
		for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := listening.FindStringSubmatch(stdout.String()); m != nil {
				addr = m[1]
			}
		}
		if addr == "" {
			t.Fatalf("serve did not start: %s %s", stdout.String(), stderr.String())
		}
		resp, err := http.Get("http://" + addr + "/users")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve: exit %d, %s", code, stderr.String())
		}
		if got := posts.Load() > 0; got != on {
			t.Errorf("OTLP endpoint set %v: spans exported %v", on, got)
		}
	}
}

// TestDBCopyCommand: blog db copy moves a seeded SQLite file into a
// migrated, empty PostgreSQL database and says how many rows; the same copy
// again is refused (the target is no longer empty).
func TestDBCopyCommand(t *testing.T) {
	ctx := context.Background()
	from := dbtest.SQLite(t)
	noEnv := func(string) string { return "" }
	var out, errOut syncBuffer
	if code := run(ctx, []string{"seed", "--database-url", from, "--users", "20", "--posts-per-user", "2", "--tags", "4", "--tags-per-post", "2"}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("seed: %d %s", code, errOut.String())
	}
	to := dbtest.Postgres(t)
	if code := run(ctx, []string{"migrate", "apply", "--database-url", to}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("migrate apply: %d %s", code, errOut.String())
	}
	out = syncBuffer{}
	// users, profiles, posts, tags and post links
	if code := run(ctx, []string{"db", "copy", "--from", from, "--to", to}, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "copied 164 rows") {
		t.Fatalf("db copy: %d, %q %q; want 164 rows copied", code, out.String(), errOut.String())
	}
	errOut = syncBuffer{}
	if code := run(ctx, []string{"db", "copy", "--from", from, "--to", to}, noEnv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not empty") {
		t.Errorf("db copy into a filled database: %d, %q; want 1 saying it is not empty", code, errOut.String())
	}
}
