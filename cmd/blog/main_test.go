package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"blog/server/database/dbtest"
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
// checks it shuts down cleanly.
func TestServe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr syncBuffer
		env := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		done := make(chan int)
		go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env, &stdout, &stderr) }()

		var addr string
		for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if m := listening.FindStringSubmatch(stdout.String()); m != nil {
				addr = m[1]
			}
		}
		if addr == "" {
			t.Fatalf("no address logged; stdout %q, stderr %q", stdout.String(), stderr.String())
		}
		wantDB := map[bool]string{true: "database=postgres", false: "database=sqlite3"}[strings.HasPrefix(url, "postgres")]
		if !strings.Contains(stdout.String(), wantDB) {
			t.Errorf("log %q does not say %s", stdout.String(), wantDB)
		}
		resp, err := http.Get("http://" + addr + "/users")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
			t.Errorf("GET /users: got %d %s, want 200 []", resp.StatusCode, body)
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
