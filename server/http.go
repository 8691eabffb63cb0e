package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/entblog/blog/openapi/restkit"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/cors"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// methods are the methods a route may answer, in the order Allow lists them.
var methods = [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// routeTable answers which methods the router serves on a path. chi's
// Match cannot (in v5.5.0 a method a mounted router lacks still matches:
// the mount's pattern leaks into the answer), so the table is a flat chi
// router holding every route chi.Walk finds, without mounts.
type routeTable struct{ flat *chi.Mux }

// newRouteTable walks routes, which must be complete.
func newRouteTable(routes chi.Routes) (routeTable, error) {
	flat := chi.NewRouter()
	noop := func(http.ResponseWriter, *http.Request) {}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		flat.MethodFunc(method, route, noop)
		return nil
	})
	return routeTable{flat}, err
}

// allowed returns the methods served on path (HEAD wherever GET is, and
// OPTIONS, which every route answers), or nil when no route has it.
func (t routeTable) allowed(path string) []string {
	var out []string
	for _, m := range methods {
		get := m
		if m == http.MethodHead {
			get = http.MethodGet
		}
		if t.flat.Match(chi.NewRouteContext(), get, path) {
			out = append(out, m)
		}
	}
	if out != nil {
		out = append(out, http.MethodOptions)
	}
	return out
}

// headAsGet routes a HEAD request to the GET handler of its path: the
// server writes the headers and drops the body (RFC 9110 9.3.2). (chi's
// GetHead looks the route up with Match, which mounted routers defeat.)
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodNotAllowed answers 405 with the Allow header RFC 9110 requires,
// through the API's error funnel.
func methodNotAllowed(api *restkit.API, routes *routeTable) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allow := routes.allowed(routePath(r))
		w.Header().Set("Allow", strings.Join(allow, ", "))
		api.WriteError(w, r, restkit.NewError(http.StatusMethodNotAllowed,
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))))
	}
}

// answerOptions answers an OPTIONS request (one that is not a CORS
// preflight: the CORS handler answers those first) with 204 and the Allow
// header of its path, or 404 when no route has it.
func answerOptions(api *restkit.API, routes *routeTable) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodOptions {
				next.ServeHTTP(w, r)
				return
			}
			allow := routes.allowed(routePath(r))
			if allow == nil {
				api.WriteError(w, r, restkit.NewError(http.StatusNotFound, "no route "+r.URL.Path))
				return
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			w.WriteHeader(http.StatusNoContent)
		})
	}
}

// compress compresses responses of 1 KiB and more with gzip or zstd, as the
// client's Accept-Encoding prefers (klauspost/compress's gzhttp), adding
// Vary: Accept-Encoding. An ETag of a compressed response gets the suffix
// "-gzip" or "-zstd" (a strong validator names one representation, RFC 9110
// 8.8.3); ETag comparisons ignore it (restkit.ETagMatch). gzip runs at its
// fastest level (nginx's default): on a 1.08 MB page it takes 3.1 ms and
// writes 264 KB where gzhttp's default (level 5) takes 5.1 ms for 229 KB —
// the largest Go cost of such a response.
func compress() (func(http.Handler) http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.EnableZstd(true), gzhttp.SuffixETag("-gzip"))
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler { return wrap(next) }, nil
}

// ExposedHeaders are the response headers a browser on another origin may
// read (CORS): the validators, where a create put its resource, which count
// a list applied, the request ID, and a write's WAL position.
var ExposedHeaders = []string{"ETag", "Location", "Preference-Applied", "X-Request-Id", "Retry-After", WALPositionHeader}

// corsFor returns the CORS handler for origins (go-chi/cors): preflights
// answered with the API's methods and the request headers it reads, for
// ten minutes; no credentials (tokens travel in Authorization, which a
// preflight allows). "*" allows any origin.
func corsFor(origins []string) func(http.Handler) http.Handler {
	return cors.Handler(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   append(methods[:], http.MethodOptions),
		AllowedHeaders:   []string{"Accept", "Authorization", "Content-Type", "If-Match", "If-None-Match", "Prefer", "X-Request-Id", WALPositionHeader},
		ExposedHeaders:   ExposedHeaders,
		AllowCredentials: false,
		MaxAge:           600,
	})
}

// checkOrigin reports what is wrong with a CORS origin: "*", or
// scheme://host[:port] with no path.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("CORS origin %q: expected * or scheme://host[:port], such as https://app.example.com", o)
	}
	return nil
}

// routePath is the path chi routes r by.
func routePath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}
