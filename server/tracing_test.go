package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTracing: with a tracer, a request under an incoming W3C traceparent
// gets a server span in that trace, parented by the caller's span and named
// by its route, whose children are the request's SQL statements (the
// batch of a read with include, the statements of a create's transaction);
// the request's log line carries the trace id.
func TestTracing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		dbtest.Open(t, dbURL) // migrated
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		db, err := database.Open(context.Background(), dbURL, database.WithTracer(tp))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cfg := server.DefaultConfig()
		cfg.Tracer = tp
		var logs bytes.Buffer
		h, err := server.New(context.Background(), db, slog.New(slog.NewJSONHandler(&logs, nil)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		if _, err := rest.NewClient(ts.URL, ts.Client()).CreateUser(context.Background(), rest.UserCreate{Name: "ada",
			Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"go"}}}}); err != nil {
			t.Fatal(err)
		}

		const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		req, _ := http.NewRequest("GET", ts.URL+"/users/1?include=profile,posts.tags", nil)
		req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d", resp.StatusCode)
		}

		var server sdktrace.ReadOnlySpan
		children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
		for _, s := range rec.Ended() {
			children[s.Parent().SpanID()] = append(children[s.Parent().SpanID()], s)
			if s.SpanKind() == trace.SpanKindServer && s.SpanContext().TraceID().String() == traceID {
				server = s
			}
		}
		if server == nil {
			t.Fatalf("no server span in the incoming trace %s among %d spans", traceID, len(rec.Ended()))
		}
		if server.Parent().SpanID().String() != parentID || !server.Parent().IsRemote() || server.Name() != "GET /users/{id}" {
			t.Errorf("server span %q, parent %s (remote %v); want GET /users/{id} under %s", server.Name(), server.Parent().SpanID(), server.Parent().IsRemote(), parentID)
		}
		var sql []string
		for _, c := range children[server.SpanContext().SpanID()] {
			for _, a := range c.Attributes() {
				if a.Key == "db.query.text" {
					sql = append(sql, c.Name()+": "+a.Value.AsString())
				}
			}
		}
		// The user row, profile and posts in one round trip, then the tags.
		if len(sql) < 2 || !strings.Contains(strings.Join(sql, "\n"), "post_tags") {
			t.Errorf("SQL children of the request span: %q; want its statements, the tags' among them", sql)
		}
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "request" && l["trace_id"] == traceID {
				found = true
			}
		}
		if !found {
			t.Errorf("no request log line carries trace_id %s:\n%s", traceID, logs.String())
		}
	})
}
