// Package server serves the blog REST API over HTTP: a chi router with the
// generated routes of openapi/rest, the spec at /openapi.json, request IDs,
// request logs and panic recovery.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"blog/ent"
	"blog/openapi"
	"blog/openapi/rest"
	"blog/openapi/restkit"
	"blog/server/database"

	"entgo.io/ent/dialect"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// DefaultMaxBodyBytes bounds request bodies unless configured otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Config configures Run.
type Config struct {
	// Addr is the TCP address to listen on (":8080").
	Addr string
	// DatabaseURL selects the database; "" means database.DefaultURL.
	DatabaseURL string
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// Migrate applies pending migrations at start-up on PostgreSQL (SQLite
	// always does); without it a PostgreSQL database that is not at the
	// latest revision stops the start.
	Migrate bool
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("max body bytes %d is negative", c.MaxBodyBytes))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %s is negative", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// Run opens the database, brings it to the latest migration, and serves the API on cfg.Addr
// until ctx is done; then it stops accepting connections and waits for
// in-flight requests before returning.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrateAtStart(ctx, db, cfg.Migrate, log); err != nil {
		return err
	}
	h, err := New(ctx, db.Client, log, cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = database.DefaultURL
	}
	log.Info("serving blog API", "addr", ln.Addr().String(), "database", db.Dialect, "url", database.Redact(url))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := cfg.ShutdownTimeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	log.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// migrateAtStart brings the database to the latest revision: SQLite (an
// embedded, single-user file) always; PostgreSQL only when migrate is set,
// and otherwise it refuses to start.
func migrateAtStart(ctx context.Context, db *database.DB, migrate bool, log *slog.Logger) error {
	dir, err := db.Migrations()
	if err != nil {
		return err
	}
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
		return err
	}
	log.Info("applied migrations", "count", len(applied), "versions", applied)
	return nil
}

// New returns the HTTP handler of the API over client. maxBody bounds request
// bodies (0 means DefaultMaxBodyBytes).
func New(ctx context.Context, client *ent.Client, log *slog.Logger, maxBody int64) (http.Handler, error) {
	if maxBody == 0 {
		maxBody = DefaultMaxBodyBytes
	}
	api, err := restkit.New(ctx, restkit.Config{Spec: openapi.JSON(), Logger: log, MaxBodyBytes: maxBody})
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, echoRequestID, logRequests(log), recoverer(api))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, r, restkit.NewError(http.StatusNotFound, "no route "+r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, r, restkit.NewError(http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path))
	})
	// GET /openapi.json
	r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.JSON())
	})
	rest.Routes(r, client, api)
	return r, nil
}

// echoRequestID returns the request ID (generated, or the client's
// X-Request-Id) in the X-Request-Id response header.
func echoRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(middleware.RequestIDHeader, middleware.GetReqID(r.Context()))
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line per request: method, route pattern, status,
// duration and request ID.
func logRequests(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			log.InfoContext(r.Context(), "request",
				"method", r.Method,
				"route", chi.RouteContext(r.Context()).RoutePattern(),
				"status", ww.Status(),
				"duration", time.Since(start),
				"request_id", middleware.GetReqID(r.Context()))
		})
	}
}

// recoverer turns a panic into a logged 500 with a JSON body and no stack.
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
