package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/openapi"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"entgo.io/ent/dialect"
	"github.com/getkin/kin-openapi/openapi3"
)

// testAPI is a running server over a fresh database, with its typed client.
type testAPI struct {
	*rest.Client
	DB  *database.DB
	URL string
}

// newAPI serves the API over a fresh database at dbURL. Every response is
// checked against the OpenAPI spec; a response the spec does not describe
// fails the test.
func newAPI(t *testing.T, dbURL string) *testAPI {
	t.Helper()
	db := dbtest.Open(t, dbURL)
	return serve(t, db, db.Client, db.Driver)
}

// serve serves the API over client, an ent client of db, and drv, its driver.
func serve(t *testing.T, db *database.DB, client *ent.Client, drv dialect.Driver) *testAPI {
	t.Helper()
	api := serveWith(t, &database.DB{Client: client, Driver: drv, SQL: db.SQL, Dialect: db.Dialect}, server.DefaultConfig())
	api.DB = db
	return api
}

// serveWith serves the API over db configured by cfg.
func serveWith(t *testing.T, db *database.DB, cfg server.Config) *testAPI {
	t.Helper()
	h, err := server.New(context.Background(), db, testLogger(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(checkResponses(t, h))
	t.Cleanup(ts.Close)
	return &testAPI{Client: rest.NewClient(ts.URL, ts.Client()), DB: db, URL: ts.URL}
}

// loadDoc loads the spec.
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	return conformance.Doc(t, openapi.JSON())
}

// checkResponses validates each response of h against the spec.
func checkResponses(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	return conformance.CheckResponses(t, loadDoc(t), h)
}

// do sends a raw request, for what the typed client cannot express.
func (a *testAPI) do(t *testing.T, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	return conformance.Do(t, a.URL, method, path, contentType, body)
}

// count returns the number of rows of table matching the optional where
// clause (test-written SQL, no client input).
func (a *testAPI) count(t *testing.T, table, where string) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := a.DB.SQL.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// counter is a dialect.Driver that counts the SQL statements run through it,
// in or out of transactions.
type counter struct {
	dialect.Driver
	mu    sync.Mutex
	stmts []string
	args  [][]any
	// quiet counts without recording (benchmarks): n holds the count.
	quiet bool
	// batches holds the size of each batch sent in one round trip.
	batches []int
	n       atomic.Int64
}

// newCountingAPI serves the API over a fresh database at dbURL through a
// counter.
func newCountingAPI(t *testing.T, dbURL string) (*testAPI, *counter) {
	t.Helper()
	db := dbtest.Open(t, dbURL)
	c := &counter{Driver: db.Driver}
	return serve(t, db, ent.NewClient(ent.Driver(c)), c), c
}

// SendBatch counts each statement of a batch and sends it as the counted
// driver would: in one round trip on pgx.
func (c *counter) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	for _, q := range queries {
		c.add(q.SQL, q.Args...)
	}
	if b, ok := c.Driver.(restkit.Batcher); ok {
		c.mu.Lock()
		c.batches = append(c.batches, len(queries))
		c.mu.Unlock()
		return b.SendBatch(ctx, queries)
	}
	return restkit.SendEach(ctx, c.Driver, queries)
}

func (c *counter) add(query string, args ...any) {
	c.n.Add(1)
	if c.quiet {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts = append(c.stmts, query)
	c.args = append(c.args, args)
}

// last returns the statements and arguments counted since the last reset.
func (c *counter) last() ([]string, [][]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.stmts), slices.Clone(c.args)
}

// reset forgets the statements counted so far.
func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts, c.args, c.batches = nil, nil, nil
	c.n.Store(0)
}

// count returns the statements counted since the last reset.
func (c *counter) count() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts), slices.Clone(c.stmts)
}

func (c *counter) Exec(ctx context.Context, query string, args, v any) error {
	c.add(query)
	return c.Driver.Exec(ctx, query, args, v)
}

func (c *counter) Query(ctx context.Context, query string, args, v any) error {
	a, _ := args.([]any)
	c.add(query, a...)
	return c.Driver.Query(ctx, query, args, v)
}

func (c *counter) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	c.add("BEGIN")
	return &countingTx{Tx: tx, c: c}, nil
}

type countingTx struct {
	dialect.Tx
	c *counter
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.c.add(query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.c.add(query)
	return t.Tx.Query(ctx, query, args, v)
}

// SendBatch counts each statement of a batch and sends it as the counted
// transaction would: in one round trip on pgx.
func (t *countingTx) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	for _, q := range queries {
		t.c.add(q.SQL, q.Args...)
	}
	if b, ok := t.Tx.(restkit.Batcher); ok {
		t.c.mu.Lock()
		t.c.batches = append(t.c.batches, len(queries))
		t.c.mu.Unlock()
		return b.SendBatch(ctx, queries)
	}
	return restkit.SendEach(ctx, t.Tx, queries)
}

func (t *countingTx) Commit() error {
	t.c.add("COMMIT")
	return t.Tx.Commit()
}

// usersOf, postsOf and tagsOf return the items of a list response.
func usersOf(l *rest.UserList, err error) ([]*rest.User, error) {
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func postsOf(l *rest.PostList, err error) ([]*rest.Post, error) {
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func tagsOf(l *rest.TagList, err error) ([]*rest.Tag, error) {
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// testLogger discards the server's log unless TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}
