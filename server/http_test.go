package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database/dbtest"
)

// rawDo sends a request with headers h and returns the response and its
// body as sent (no transparent decompression).
func rawDo(t *testing.T, method, url string, h map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// specPaths returns, for every path of the spec, a URL path with its
// parameters filled (an {id} with the id of the first row of the path's
// collection, or 1 when it has none; others with "x") and the methods the
// spec declares on it.
func specPaths(t *testing.T, base string) map[string][]string {
	t.Helper()
	firstID := map[string]string{}
	out := map[string][]string{}
	for path, item := range loadDoc(t).Paths.Map() {
		collection := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
		if _, ok := firstID[collection]; !ok {
			_, body := rawDo(t, "GET", base+"/"+collection+"?itemsPerPage=1", nil)
			var page struct{ Items []map[string]any }
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatalf("GET /%s: %v %s", collection, err, body)
			}
			firstID[collection] = "1" // no row: the routes answer 404, HEAD as GET does
			if len(page.Items) > 0 {
				b, _ := json.Marshal(page.Items[0]["id"])
				firstID[collection] = strings.Trim(string(b), `"`)
			}
		}
		filled := path
		for strings.Contains(filled, "{") {
			i, j := strings.Index(filled, "{"), strings.Index(filled, "}")
			v := "x"
			if filled[i:j+1] == "{id}" {
				v = firstID[collection]
			}
			filled = filled[:i] + v + filled[j+1:]
		}
		for m := range item.Operations() {
			out[filled] = append(out[filled], m)
		}
	}
	return out
}

// allowOf is the Allow header a path with the spec's methods must carry:
// those, HEAD wherever GET is, and OPTIONS, in the server's order.
func allowOf(specMethods []string) string {
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		if slices.Contains(specMethods, m) || m == "HEAD" && slices.Contains(specMethods, "GET") {
			allow = append(allow, m)
		}
	}
	return strings.Join(append(allow, "OPTIONS"), ", ")
}

// TestHTTPSemantics checks, for every path of the spec, what RFC 9110 asks:
// OPTIONS answers 204 with an Allow header listing the spec's methods (and
// HEAD and OPTIONS); a method the path lacks answers 405 with the same
// Allow; HEAD answers as GET does, without a body. A path no route has
// answers OPTIONS with 404.
func TestHTTPSemantics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		if _, err := api.CreateUser(ctx, rest.UserCreate{Name: "a", Profile: &rest.UserProfileCreate{Bio: "b"},
			Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"go"}}}}); err != nil {
			t.Fatal(err)
		}
		for path, ms := range specPaths(t, api.URL) {
			want := allowOf(ms)
			resp, body := rawDo(t, "OPTIONS", api.URL+path, nil)
			if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Allow") != want || len(body) != 0 {
				t.Errorf("OPTIONS %s: %d, Allow %q, %d bytes; want 204, Allow %q, no body", path, resp.StatusCode, resp.Header.Get("Allow"), len(body), want)
			}
			for _, m := range []string{"PUT", "PATCH", "DELETE", "POST", "GET"} {
				if slices.Contains(ms, m) {
					continue
				}
				resp, _ := rawDo(t, m, api.URL+path, nil)
				if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != want {
					t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", m, path, resp.StatusCode, resp.Header.Get("Allow"), want)
				}
				break
			}
			if !slices.Contains(ms, "GET") {
				continue
			}
			get, _ := rawDo(t, "GET", api.URL+path, nil)
			head, body := rawDo(t, "HEAD", api.URL+path, nil)
			if head.StatusCode != get.StatusCode || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") || len(body) != 0 {
				t.Errorf("HEAD %s: %d %q, %d bytes; want GET's %d %q and no body", path, head.StatusCode, head.Header.Get("Content-Type"), len(body), get.StatusCode, get.Header.Get("Content-Type"))
			}
		}
		for _, path := range []string{"/healthz", "/openapi.json"} {
			if resp, body := rawDo(t, "HEAD", api.URL+path, nil); resp.StatusCode != http.StatusOK || len(body) != 0 {
				t.Errorf("HEAD %s: %d, %d bytes; want 200, no body", path, resp.StatusCode, len(body))
			}
		}
		if resp, _ := rawDo(t, "OPTIONS", api.URL+"/no-such-route", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("OPTIONS /no-such-route: %d, want 404", resp.StatusCode)
		}
	})
}

// TestCompression: a client that accepts gzip or zstd gets responses of 1
// KiB and more compressed, with Vary: Accept-Encoding, that decode to the
// bytes an uncompressed response has, gzip at its fastest level; small
// responses and clients that accept neither get them as they are.
func TestCompression(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		plain, want := rawDo(t, "GET", api.URL+"/openapi.json", nil)
		if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(want, openapi.JSON()) {
			t.Fatalf("GET /openapi.json without Accept-Encoding: Content-Encoding %q, %d bytes; want the spec as it is", plain.Header.Get("Content-Encoding"), len(want))
		}
		for _, coding := range []string{"gzip", "zstd"} {
			resp, body := rawDo(t, "GET", api.URL+"/openapi.json", map[string]string{"Accept-Encoding": coding})
			got, err := conformance.Decoded(resp.Header.Get("Content-Encoding"), body)
			if resp.Header.Get("Content-Encoding") != coding || err != nil || !bytes.Equal(got, want) || !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
				t.Errorf("GET /openapi.json accepting %s: Content-Encoding %q, Vary %q, %d bytes (%v); want %s decoding to the spec", coding, resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"), len(body), err, coding)
			}
			if len(body)*4 > len(want) {
				t.Errorf("%s: %d bytes of %d; want at least 4× smaller", coding, len(body), len(want))
			}
			// RFC 1952's XFL byte: 4 says the compressor used its fastest
			// algorithm, the level the server chose for CPU over bytes.
			if coding == "gzip" && (len(body) < 10 || body[8] != 4) {
				t.Errorf("gzip header %x; want XFL 4 (fastest level)", body[:min(len(body), 10)])
			}
		}
		resp, body := rawDo(t, "GET", api.URL+"/healthz", map[string]string{"Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "" || !json.Valid(body) {
			t.Errorf("GET /healthz accepting gzip: Content-Encoding %q; want a small response as it is", resp.Header.Get("Content-Encoding"))
		}
	})
}

// TestCORS: with origins configured, a preflight from one of them is
// answered with the methods and headers the API takes, a request from one
// gets Access-Control-Allow-Origin and the headers a page may read; another
// origin gets no CORS headers (the browser refuses). Without origins,
// nothing is allowed.
func TestCORS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		const app = "https://app.example.com"
		db := dbtest.Open(t, dbURL)
		cfg := server.DefaultConfig()
		cfg.CORSOrigins = []string{app}
		withCORS := serveWith(t, db, cfg)
		without := serveWith(t, db, server.DefaultConfig())
		preflight := map[string]string{"Origin": app, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "content-type, if-match"}

		resp, _ := rawDo(t, "OPTIONS", withCORS.URL+"/users/1", preflight)
		if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != app ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") ||
			!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "if-match") {
			t.Errorf("preflight from %s: %d %v; want it allowed", app, resp.StatusCode, resp.Header)
		}
		resp, _ = rawDo(t, "GET", withCORS.URL+"/users", map[string]string{"Origin": app})
		expose := resp.Header.Get("Access-Control-Expose-Headers")
		if resp.Header.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("GET from %s: Access-Control-Allow-Origin %q", app, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		for _, h := range server.ExposedHeaders {
			if !strings.Contains(strings.ToLower(expose), strings.ToLower(h)) {
				t.Errorf("GET from %s: Access-Control-Expose-Headers %q lacks %s", app, expose, h)
			}
		}
		for _, tc := range []struct {
			name, url, origin string
		}{
			{"another origin", withCORS.URL, "https://evil.example.com"},
			{"no origins configured", without.URL, app},
		} {
			h := map[string]string{"Origin": tc.origin, "Access-Control-Request-Method": "DELETE"}
			resp, _ := rawDo(t, "OPTIONS", tc.url+"/users/1", h)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%s: preflight answered Access-Control-Allow-Origin %q", tc.name, got)
			}
		}
	})
}
