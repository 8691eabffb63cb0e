package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// TestRoutesMatchSpec checks that the router serves exactly the operations of
// the spec, plus the spec itself.
func TestRoutesMatchSpec(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLite(t))
	h, err := server.New(context.Background(), db, slog.New(slog.DiscardHandler), server.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var routed []string
	err = chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route != "/" {
			route = strings.TrimSuffix(route, "/")
		}
		switch {
		case route == "/healthz", route == "/readyz", route == "/metrics", strings.HasPrefix(route, "/docs"):
			return nil // operations, not API resources
		}
		routed = append(routed, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /openapi.json"}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want = append(want, method+" "+path)
		}
	}
	slices.Sort(routed)
	slices.Sort(want)
	if !slices.Equal(routed, want) {
		t.Errorf("routes:\n%s\nwant (from the spec):\n%s", strings.Join(routed, "\n"), strings.Join(want, "\n"))
	}
	// Every entity of the graph (a table with its own id; join tables have
	// none) has its five CRUD operations.
	for _, table := range migrate.Tables {
		if len(table.PrimaryKey) != 1 || table.PrimaryKey[0].Name != "id" {
			continue
		}
		for _, op := range []string{"POST /", "GET /", "GET /{id}", "PATCH /{id}", "DELETE /{id}"} {
			method, suffix, _ := strings.Cut(op, " /")
			path := "/" + table.Name + strings.TrimSuffix("/"+suffix, "/")
			if !slices.Contains(want, method+" "+path) {
				t.Errorf("the spec lacks %s %s", method, path)
			}
		}
	}
}

// TestServesSpec checks GET /openapi.json returns the committed spec.
func TestServesSpec(t *testing.T) {
	api := newAPI(t, dbtest.SQLite(t))
	resp, err := http.Get(api.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || string(body) != string(openapi.JSON()) {
		t.Errorf("got %d %q (%d bytes), want 200 application/json with the spec", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}
