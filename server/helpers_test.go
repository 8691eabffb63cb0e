package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"blog/openapi"
	"blog/openapi/rest"
	"blog/server"
	"blog/server/database"
	"blog/server/database/dbtest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
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
	h, err := server.New(context.Background(), db.Client, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(checkResponses(t, h))
	t.Cleanup(ts.Close)
	return &testAPI{Client: rest.NewClient(ts.URL, ts.Client()), DB: db, URL: ts.URL}
}

// checkResponses validates each response of h against the spec.
func checkResponses(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, routeErr := router.FindRoute(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if routeErr == nil {
			checkResponse(t, r, route, params, rec)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func checkResponse(t *testing.T, r *http.Request, route *routers.Route, params map[string]string, rec *httptest.ResponseRecorder) {
	t.Helper()
	err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("%s %s: response %d does not match the spec: %v\n%s", r.Method, r.URL, rec.Code, err, rec.Body.String())
	}
}

// do sends a raw request, for what the typed client cannot express.
func (a *testAPI) do(t *testing.T, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
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
