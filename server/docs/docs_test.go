package docs_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium binary, or skips (fails with
// CI=true) when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found; .ci/run installs the Debian packages chromium and chromium-driver")
	}
	t.Skip("no Chromium found; install chromium (apt-get install chromium chromium-driver) to run the docs test")
	return ""
}

func TestDocsPageIsSelfContained(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	h, err := server.New(context.Background(), db, slog.New(slog.DiscardHandler), server.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(page), "http://") || strings.Contains(string(page), "https://") || strings.Contains(string(page), "//cdn") {
		t.Errorf("the docs page refers to another origin:\n%s", page)
	}
	for _, asset := range regexp.MustCompile(`(?:href|src)="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		r, err := http.Get(ts.URL + asset[1])
		if err != nil || r.StatusCode != 200 {
			t.Errorf("asset %s: %v %v", asset[1], err, r.StatusCode)
		}
		r.Body.Close()
	}
}

// TestDocsTryItOut drives the docs page in headless Chromium: the operations
// render, and "Try it out" on GET /users calls the server and shows its 200.
func TestDocsTryItOut(t *testing.T) {
	browser := chromium(t)
	db := dbtest.Open(t, dbtest.SQLite(t))
	h, err := server.New(context.Background(), db, slog.New(slog.DiscardHandler), server.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var apiCalls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/users" {
			apiCalls.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()
	if _, err := rest.NewClient(ts.URL, nil).CreateUser(context.Background(), rest.UserCreate{Name: "docs-reader"}); err != nil {
		t.Fatal(err)
	}
	before := apiCalls.Load()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	const op = `#operations-User-listUser`
	step := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	step("opening /docs", chromedp.Navigate(ts.URL+"/docs"))
	step("waiting for the operations", chromedp.WaitVisible(chromedp.CSS(`.opblock`)))
	operations, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.opblock').length`))
	if err != nil {
		t.Fatal(err)
	}
	step("expanding GET /users", chromedp.Click(chromedp.CSS(op+` .opblock-summary`)))
	step("waiting for Try it out", chromedp.WaitVisible(chromedp.CSS(op+` .try-out__btn`)))
	step("clicking Try it out", chromedp.Click(chromedp.CSS(op+` .try-out__btn`)))
	step("waiting for Execute", chromedp.WaitVisible(chromedp.CSS(op+` .execute`)))
	step("clicking Execute", chromedp.Click(chromedp.CSS(op+` .execute`)))
	step("waiting for the response", chromedp.WaitVisible(chromedp.CSS(op+` .live-responses-table .response-col_status`)))
	status := text(op + ` .live-responses-table tbody .response-col_status`)
	body := text(op + ` .live-responses-table .microlight`)
	if operations < 30 {
		t.Errorf("the page rendered %d operations, want every one of the spec", operations)
	}
	if !strings.Contains(status, "200") || !strings.Contains(body, "docs-reader") {
		t.Errorf("try it out: got status %q and body %q, want 200 with the user", status, body)
	}
	if apiCalls.Load() <= before {
		t.Error("the page did not call GET /users on the server")
	}
}
