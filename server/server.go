// Package server serves the blog REST API over HTTP: a chi router with the
// generated routes of openapi/rest, the spec at /openapi.json, interactive
// docs at /docs, health and readiness probes, Prometheus metrics, request
// IDs, structured request logs, optional bearer-token auth, request
// deadlines and panic recovery.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/openapi"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/docs"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"
)

// Config configures the server. DefaultConfig holds the defaults.
type Config struct {
	// Addr is the TCP address to listen on ("127.0.0.1:8080": this machine
	// only; ":8080" for every interface, as in a container).
	Addr string
	// DatabaseURL selects the database; "" means database.DefaultURL.
	DatabaseURL string
	// Migrate applies pending migrations at start-up on PostgreSQL (SQLite
	// always does); without it a PostgreSQL database that is not at the
	// latest revision stops the start.
	Migrate bool
	// Pool sizes the database connection pool (and each replica's).
	Pool database.Pool
	// ReplicaURLs are PostgreSQL streaming standbys of the primary at
	// DatabaseURL: reads (GET, HEAD) go to one that is up and within
	// Replica.MaxLag, reads after a write to one that has replayed it
	// (routeReads), everything else to the primary.
	ReplicaURLs []string
	// Replica tunes the routing of reads; zero values are the defaults.
	Replica database.ReplicaOptions
	// Replicas are the opened ReplicaURLs: Run opens them; nil is none.
	Replicas *database.Replicas
	// SQLLog logs every SQL statement.
	SQLLog bool
	// HTTP server timeouts.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// RequestTimeout bounds the database work of one request; past it the
	// request fails with 503.
	RequestTimeout time.Duration
	// DrainDelay is how long, after SIGTERM, the server keeps accepting
	// requests while /readyz answers 503 (and responses ask clients to
	// close their connections), so that load balancers stop sending before
	// the listener closes; then it waits for in-flight requests.
	DrainDelay time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// Draining, when set, reports that the server is shutting down: /readyz
	// answers 503. Run sets it.
	Draining func() bool
	// Tracer, when set, traces each request (a server span continuing an
	// incoming traceparent) and — when the database was opened with
	// database.WithTracer — its SQL statements. Run sets it from the
	// OpenTelemetry environment (OTEL_EXPORTER_OTLP_ENDPOINT…); nil is off.
	Tracer trace.TracerProvider
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// APITokens, when not empty, are the bearer tokens mutating routes require.
	APITokens []string
	// ReadAuth requires a token on reads too.
	ReadAuth bool
	// CORSOrigins are the origins whose web pages may call the API ("*":
	// any); none leaves cross-origin requests to the browser's same-origin
	// policy.
	CORSOrigins []string
}

// DefaultConfig returns the defaults of every setting.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		Pool:              database.Pool{MaxOpen: 16, MaxIdle: 16, MaxLifetime: 30 * time.Minute},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		RequestTimeout:    15 * time.Second,
		DrainDelay:        2 * time.Second,
		ShutdownTimeout:   20 * time.Second,
		MaxBodyBytes:      1 << 20,
	}
}

// Validate reports everything that is wrong with c.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr %q: %v", c.Addr, err)
	}
	if c.Pool.MaxOpen < 0 || c.Pool.MaxIdle < 0 || c.Pool.MaxLifetime < 0 {
		bad("pool settings must not be negative")
	}
	if c.Pool.MaxOpen > 0 && c.Pool.MaxIdle > c.Pool.MaxOpen {
		bad("db max idle (%d) exceeds db max open (%d)", c.Pool.MaxIdle, c.Pool.MaxOpen)
	}
	for name, d := range map[string]time.Duration{
		"read header timeout": c.ReadHeaderTimeout, "read timeout": c.ReadTimeout, "write timeout": c.WriteTimeout,
		"idle timeout": c.IdleTimeout, "request timeout": c.RequestTimeout, "shutdown timeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			bad("%s must be positive, got %s", name, d)
		}
	}
	if c.DrainDelay < 0 {
		bad("drain delay must not be negative, got %s", c.DrainDelay)
	}
	if c.MaxBodyBytes <= 0 {
		bad("max body bytes must be positive, got %d", c.MaxBodyBytes)
	}
	for _, t := range c.APITokens {
		if len(t) < 16 {
			bad("API tokens must be at least 16 characters")
			break
		}
	}
	for _, u := range c.ReplicaURLs {
		if dia, err := database.DialectOf(u); err != nil || dia != dialect.Postgres {
			bad("replica URL %s: expected a postgres:// URL of a streaming standby", database.Redact(u))
		}
	}
	if len(c.ReplicaURLs) > 0 {
		if dia, _ := database.DialectOf(c.DatabaseURL); dia != dialect.Postgres {
			bad("read replicas need a PostgreSQL database URL (the primary), not %s", dia)
		}
	}
	if c.Replica.MaxLag < 0 || c.Replica.Wait < 0 {
		bad("replica max lag and wait must not be negative")
	}
	if c.ReadAuth && len(c.APITokens) == 0 {
		bad("read auth needs API tokens")
	}
	for _, o := range c.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run opens the database, brings it to the latest migration, and serves the
// API on cfg.Addr until ctx is done; then it drains: for cfg.DrainDelay it
// keeps serving while /readyz answers 503, then it stops accepting
// connections and waits for in-flight requests (up to cfg.ShutdownTimeout)
// before returning.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	var draining atomic.Bool
	cfg.Draining = draining.Load
	tp, shutdownTracing, err := tracerFromEnv(ctx)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("flushing the last spans", "error", err)
		}
	}()
	opts := []database.Option{database.WithPool(cfg.Pool)}
	if tp != nil {
		cfg.Tracer = tp
		opts = append(opts, database.WithTracer(tp))
		log.Info("tracing requests and SQL statements to the OTLP endpoint of the OTEL_* environment")
	}
	if cfg.SQLLog {
		opts = append(opts, database.WithSQLLog(log))
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, opts...)
	if err != nil {
		return err
	}
	defer db.Close()
	dir, err := db.Migrations()
	if err != nil {
		return err
	}
	if err := migrateAtStart(ctx, db, dir, cfg.Migrate, log); err != nil {
		return err
	}
	if len(cfg.ReplicaURLs) > 0 {
		replicas, err := database.OpenReplicas(ctx, db, cfg.ReplicaURLs, cfg.Replica, opts...)
		if err != nil {
			return err
		}
		defer replicas.Close()
		cfg.Replicas = replicas
		for _, st := range replicas.Status() {
			log.Info("read replica", "url", st.URL, "state", st.State)
		}
	}
	h, err := New(ctx, db, log, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = database.DefaultURL
	}
	log.Info("serving blog API", "addr", ln.Addr().String(), "database", db.Dialect, "url", database.Redact(url),
		"docs", "/docs", "auth", len(cfg.APITokens) > 0)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(jsonProtocolErrors(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	log.Info("draining: /readyz answers 503 before the listener closes", "delay", cfg.DrainDelay)
	select {
	case <-time.After(cfg.DrainDelay):
	case err := <-errc:
		return err
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// migrateAtStart brings the database to the latest revision of dir: SQLite
// (an embedded, single-user file) always; PostgreSQL only when migrate is
// set, and otherwise it refuses to start. It never applies a migration lint
// flags as destructive or data-dependent to a database that has some
// applied already: that takes `blog migrate apply` with the matching flag.
func migrateAtStart(ctx context.Context, db *database.DB, dir atlasmigrate.Dir, migrate bool, log *slog.Logger) error {
	st, err := db.MigrationStatus(ctx, dir)
	if err != nil {
		return err
	}
	if len(st.Pending) == 0 {
		return nil
	}
	if db.Dialect != dialect.SQLite && !migrate {
		return fmt.Errorf("the database has %d pending migration(s), from %s; run `blog migrate apply` or start with --migrate",
			len(st.Pending), st.Pending[0].Name())
	}
	applied, err := db.Migrate(ctx, dir, database.ApplyOptions{})
	if err != nil {
		return fmt.Errorf("not starting: %w", err)
	}
	log.Info("applied migrations", "count", len(applied), "versions", applied)
	return nil
}

// New returns the HTTP handler of the API over db, configured by cfg (its
// HTTP timeouts and address are Run's).
func New(ctx context.Context, db *database.DB, log *slog.Logger, cfg Config) (http.Handler, error) {
	api, err := restkit.New(ctx, restkit.Config{
		Spec: openapi.JSON(), Logger: log, MaxBodyBytes: cfg.MaxBodyBytes, Classify: rest.ClassifyError,
	})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL, "blog"),
	)
	client, drv := db.Client, db.Driver
	if cfg.Replicas != nil {
		drv = cfg.Replicas.Driver()
		client = ent.NewClient(ent.Driver(drv))
	}
	m := newMetrics(reg)

	gz, err := compress()
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(newRequestIDs().handler, observe(m, log), recoverer(api), gz)
	if cfg.Tracer != nil {
		r.Use(nameSpans)
	}
	if len(cfg.CORSOrigins) > 0 {
		r.Use(corsFor(cfg.CORSOrigins))
	}
	table := new(routeTable) // filled once every route is registered
	r.Use(answerOptions(api, table), headAsGet)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, r, restkit.NewError(http.StatusNotFound, "no route "+r.URL.Path))
	}
	r.NotFound(notFound)
	r.MethodNotAllowed(methodNotAllowed(api, table))
	// GET /healthz: the process is up.
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		restkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// GET /readyz: the database answers and is at the latest migration.
	r.Get("/readyz", readyz(db, cfg.Replicas, cfg.Draining))
	// GET /metrics
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	// GET /openapi.json
	r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.JSON())
	})
	// GET /docs
	docs.Routes(r, notFound)
	r.Group(func(r chi.Router) {
		r.Use(requireToken(api, cfg.APITokens, cfg.ReadAuth), deadline(cfg.RequestTimeout))
		if cfg.Replicas != nil {
			r.Use(routeReads(api, cfg.Replicas, m, log))
		}
		rest.Routes(r, client, drv, api)
	})
	if *table, err = newRouteTable(r); err != nil {
		return nil, err
	}
	if cfg.Tracer != nil {
		return traceRequests(cfg.Tracer, r), nil
	}
	return r, nil
}

// readyz answers 200 when the database answers and has no pending
// migration, and 503 otherwise or while the server drains. It lists each
// read replica's state; one that is down or lagging does not make the
// server unready (reads go to the primary instead).
func readyz(db *database.DB, replicas *database.Replicas, draining func() bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]any{"database": "ok", "migrations": "ok"}
		if replicas != nil {
			status["replicas"] = replicas.Status()
		}
		code := http.StatusOK
		if draining != nil && draining() {
			status["server"], code = "shutting down", http.StatusServiceUnavailable
		} else if err := db.SQL.PingContext(ctx); err != nil {
			status["database"], status["migrations"] = "unreachable", "unknown"
			code = http.StatusServiceUnavailable
		} else if dir, err := db.Migrations(); err != nil {
			status["migrations"], code = "unknown", http.StatusServiceUnavailable
		} else if st, err := db.MigrationStatus(ctx, dir); err != nil || len(st.Pending) > 0 {
			status["migrations"], code = "pending", http.StatusServiceUnavailable
		}
		status["status"] = map[bool]string{true: "ready", false: "not ready"}[code == http.StatusOK]
		restkit.WriteJSON(w, code, status)
	}
}

// deadline bounds the work of each request: database calls past it fail,
// and the error funnel answers 503.
func deadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// MaxRequestIDLength bounds a client's X-Request-Id.
const MaxRequestIDLength = 128

// requestIDs gives every request an ID, in its context (chi's
// middleware.GetReqID reads it) and in the X-Request-Id response header:
// the client's X-Request-Id when it is one value of 1 to
// MaxRequestIDLength printable ASCII characters, so that the ID echoed and
// logged is bounded and cannot forge log lines; otherwise a new one, this
// server's random prefix and a sequence number.
type requestIDs struct {
	prefix string
	seq    atomic.Uint64
}

func newRequestIDs() *requestIDs {
	return &requestIDs{prefix: rand.Text()[:12] + "-"}
}

func (ids *requestIDs) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		if vs := r.Header.Values(middleware.RequestIDHeader); validRequestID(vs) {
			id = vs[0]
		} else {
			id = ids.prefix + strconv.FormatUint(ids.seq.Add(1), 10)
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

func validRequestID(vs []string) bool {
	if len(vs) != 1 || len(vs[0]) == 0 || len(vs[0]) > MaxRequestIDLength {
		return false
	}
	for i := 0; i < len(vs[0]); i++ {
		if c := vs[0][i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// observe wraps the response writer once for the request's metrics and
// its log line: it counts and times each request under its route pattern
// (not its path, so ids do not explode the label space), and, at info
// level, logs one line: method, path, route pattern, status, bytes of the
// body written, duration in milliseconds, the remote address and the
// request ID (and the trace, when there is one).
func observe(m *metrics, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			elapsed := time.Since(start)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			route := routePattern(r)
			m.record(r.Method, route, status, elapsed)
			if !log.Enabled(r.Context(), slog.LevelInfo) {
				return
			}
			attrs := append(make([]any, 0, 20),
				"method", r.Method,
				"path", r.URL.Path,
				"route", route,
				"status", status,
				"bytes", ww.BytesWritten(),
				"duration_ms", float64(elapsed.Microseconds())/1000,
				"remote", r.RemoteAddr,
				"request_id", middleware.GetReqID(r.Context()))
			if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
				attrs = append(attrs, "trace_id", sc.TraceID().String(), "span_id", sc.SpanID().String())
			}
			log.InfoContext(r.Context(), "request", attrs...)
		})
	}
}

// routePattern is the chi route of r ("/users/{id}"), or "unmatched".
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

// recoverer turns a panic into a logged 500 with a JSON body carrying the
// request ID and no stack trace.
func recoverer(api *restkit.API) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					api.WriteError(w, r, fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
