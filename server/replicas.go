package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database"

	"github.com/go-chi/chi/v5"
)

// Read-your-writes with read replicas: a successful write answers the
// primary's WAL position after its commit, in the WALPositionHeader header
// and the WALPositionCookie cookie; a read that carries either (the header
// wins) is served by a standby that has replayed that position, waiting
// briefly for one, or else by the primary. Browsers and clients with a
// cookie jar read their writes without doing anything; others echo the
// header.
const (
	WALPositionHeader = "WAL-Position"
	WALPositionCookie = "wal_position"
)

// routeReads sends GET and HEAD requests to a standby of replicas that has
// replayed the request's WAL position, if any, and serves them again on the
// primary when a statement failed on the standby (a standby stopping, a
// recovery conflict): the client sees no error. Other requests go to the
// primary, and answer the WAL position when they succeed.
func routeReads(api *restkit.API, replicas *database.Replicas, m *metrics, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(&positionWriter{ResponseWriter: w, r: r, replicas: replicas, log: log}, r)
				return
			}
			after, err := readPosition(r)
			if err != nil {
				api.WriteError(w, r, err)
				return
			}
			ctx, route := replicas.Route(r.Context(), after)
			if route == nil {
				m.reads.WithLabelValues("primary").Inc()
				next.ServeHTTP(w, r)
				return
			}
			retry := freshRouting(r)
			rw := &retryWriter{ResponseWriter: w, route: route, header: w.Header().Clone()}
			next.ServeHTTP(rw, r.WithContext(ctx))
			if !rw.dropped {
				m.reads.WithLabelValues("standby").Inc()
			} else {
				m.reads.WithLabelValues("retry").Inc()
				log.WarnContext(r.Context(), "a read failed on a standby; served by the primary",
					"standby", route.Standby(), "path", r.URL.Path)
				next.ServeHTTP(w, retry)
			}
		})
	}
}

// freshRouting is r with a copy of its chi routing state as it is now:
// routers below advance the state as they route, so serving r again
// needs the state from before.
func freshRouting(r *http.Request) *http.Request {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx.Clone()))
}

// readPosition is the WAL position a read must see: the WAL-Position
// header's (a malformed one is a 400), else the cookie's (a malformed one is
// ignored: the client did not write it), else 0.
func readPosition(r *http.Request) (database.LSN, error) {
	if vs := r.Header.Values(WALPositionHeader); len(vs) > 0 {
		if len(vs) > 1 {
			return 0, restkit.NewError(http.StatusBadRequest, "invalid request",
				restkit.FieldError{In: "header", Field: WALPositionHeader, Message: "expected one WAL position, got several"})
		}
		lsn, err := database.ParseLSN(vs[0])
		if err != nil {
			return 0, restkit.NewError(http.StatusBadRequest, "invalid request",
				restkit.FieldError{In: "header", Field: WALPositionHeader, Message: err.Error()})
		}
		return lsn, nil
	}
	if c, err := r.Cookie(WALPositionCookie); err == nil {
		if lsn, err := database.ParseLSN(c.Value); err == nil {
			return lsn, nil
		}
	}
	return 0, nil
}

// retryWriter passes a read's response through, unless it is a server error
// after a statement failed on the standby: then it drops it (headers
// included, kept apart until written) so that the primary can answer.
type retryWriter struct {
	http.ResponseWriter
	route   *database.Route
	header  http.Header
	wrote   bool
	dropped bool
}

func (w *retryWriter) Header() http.Header { return w.header }

func (w *retryWriter) WriteHeader(code int) {
	if w.wrote || w.dropped {
		return
	}
	if code >= 500 && w.route.Failed() {
		w.dropped = true
		return
	}
	w.wrote = true
	dst := w.ResponseWriter.Header()
	clear(dst)
	for k, v := range w.header {
		dst[k] = v
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryWriter) Write(b []byte) (int, error) {
	if !w.wrote && !w.dropped {
		w.WriteHeader(http.StatusOK)
	}
	if w.dropped {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *retryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// positionWriter adds the primary's WAL position to a write's successful
// response, read when the response starts: after the handler committed.
type positionWriter struct {
	http.ResponseWriter
	r        *http.Request
	replicas *database.Replicas
	log      *slog.Logger
	wrote    bool
}

func (w *positionWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code < 400 && w.r.Context().Err() == nil {
		// A client gone mid-query would cancel it, and the cancel request
		// is what old pgbouncers die on (README): the query, one function
		// call, runs to its end.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(w.r.Context()), time.Second)
		lsn, err := w.replicas.Position(ctx)
		cancel()
		if err != nil {
			// The write committed; without its position the client's
			// next read may go to a standby that has not replayed it.
			w.log.WarnContext(w.r.Context(), "a write's WAL position could not be read; its response has none",
				"path", w.r.URL.Path, "err", err)
		} else {
			pos := lsn.String()
			w.Header().Set(WALPositionHeader, pos)
			// The position matters for MaxLag at most: by then every
			// standby still serving reads has replayed it.
			http.SetCookie(w, &http.Cookie{
				Name: WALPositionCookie, Value: pos, Path: "/",
				MaxAge: max(1, int(w.replicas.MaxLag().Seconds()+0.999)), HttpOnly: true, SameSite: http.SameSiteLaxMode,
			})
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *positionWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *positionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
