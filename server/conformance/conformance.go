// Package conformance is the HTTP suite every generated API must pass,
// whatever its graph: it derives each request from the API's OpenAPI spec and
// the ent tables behind it (so a new entity, field or edge needs no test
// edit) and checks what the generator promises. The blog's server tests run
// it, and so does each graph of the generator's corpus.
package conformance

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"

	"entgo.io/ent/dialect/sql/schema"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"
)

// API is a generated API under test.
type API struct {
	// Spec is its OpenAPI document.
	Spec []byte
	// Tables are the ent tables behind it (the generated migrate.Tables).
	Tables []*schema.Table
	// Serve returns its handler over a fresh, migrated database at dbURL.
	Serve func(t *testing.T, dbURL string) http.Handler
}

// Run runs the suite on SQLite and PostgreSQL, for every entity the spec
// serves: create a row from its required properties (creating the rows its
// foreign keys need), read it back, update it, find it in the list, filter
// the list by every filter parameter (an eq filter on a field finds the
// row), sort by every field both ways, include every edge, read every edge
// route, nest children whose references point nowhere or whose unique
// values are taken, delete it; then check every foreign key's ON DELETE
// action. Every response is checked against the spec.
func Run(t *testing.T, api API) {
	doc := Doc(t, api.Spec)
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		ts := httptest.NewServer(CheckResponses(t, doc, api.Serve(t, dbURL)))
		t.Cleanup(ts.Close)
		c := &suite{url: ts.URL, tables: api.Tables, doc: doc, shared: map[string]any{}}
		var paths []string
		for path, item := range c.doc.Paths.Map() {
			if item.Post != nil && strings.Count(path, "/") == 1 {
				paths = append(paths, path)
			}
		}
		slices.Sort(paths)
		if len(paths) == 0 {
			t.Fatal("the spec serves no entity")
		}
		for _, path := range paths {
			t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { c.entity(t, path) })
		}
		// Again once every entity has rows: an entity's has_EDGE checked
		// before its edge's targets existed split nothing (an account's
		// wallet is created with the wallets, after the accounts).
		t.Run("Has", func(t *testing.T) {
			for _, path := range paths {
				t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) { c.has(t, path) })
			}
		})
		t.Run("OnDelete", c.onDelete)
	})
}

// Handler serves the routes of a generated REST package (its Routes, bound
// to its ent client) with the runtime configured from spec and classify, as
// a minimal server would: unknown routes and methods answer the runtime's
// errors.
func Handler(t testing.TB, spec []byte, classify func(error) *restkit.Error, routes func(chi.Router, *restkit.API)) http.Handler {
	t.Helper()
	api, err := restkit.New(context.Background(), restkit.Config{
		Spec:         spec,
		Logger:       slog.New(slog.NewTextHandler(logWriter{t}, nil)),
		MaxBodyBytes: 1 << 20,
		Classify:     classify,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, r, restkit.NewError(http.StatusNotFound, "no route "+r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, r, restkit.NewError(http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path))
	})
	routes(r, api)
	return r
}

// logWriter sends the server's log (the causes of 500s) to the test's.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Do sends a request with body (of contentType, when not empty) to the
// server at baseURL and returns its response, with the body read.
func Do(t testing.TB, baseURL, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return DoRequest(t, req)
}

// DoRequest sends req (for headers Do does not set) and returns its
// response, with the body read.
func DoRequest(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
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

// Doc loads an OpenAPI document.
func Doc(t testing.TB, spec []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// CheckResponses validates each response of h against doc: a response the
// spec does not describe fails the test.
func CheckResponses(t *testing.T, doc *openapi3.T, h http.Handler) http.Handler {
	t.Helper()
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
	body, err := Decoded(rec.Header().Get("Content-Encoding"), rec.Body.Bytes())
	if err != nil {
		t.Errorf("%s %s: response %d: %v", r.Method, r.URL, rec.Code, err)
		return
	}
	err = openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("%s %s: response %d does not match the spec: %v\n%s", r.Method, r.URL, rec.Code, err, body)
	}
}

// Decoded returns body decoded from its content coding: gzip, zstd or none.
func Decoded(coding string, body []byte) ([]byte, error) {
	switch coding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("zstd body: %w", err)
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
}

// onDelete deletes, for every foreign key a create body sets, a row that
// another row refers to, and checks what the key's ON DELETE action says:
// CASCADE deletes the referring row, SET NULL clears its key, NO ACTION and
// RESTRICT refuse with a 409 and keep both rows.
func (c *suite) onDelete(t *testing.T) {
	checked := 0
	for _, table := range c.tables {
		path := "/" + strings.ReplaceAll(table.Name, "_", "-")
		item := c.doc.Paths.Value(path)
		if item == nil || item.Post == nil {
			continue
		}
		props := BodySchema(item.Post).Properties
		for _, fk := range table.ForeignKeys {
			col := fk.Columns[0].Name
			if len(fk.Columns) != 1 || props[col] == nil {
				continue
			}
			ref := "/" + strings.ReplaceAll(fk.RefTable.Name, "_", "-")
			t.Run(table.Name+"."+col, func(t *testing.T) {
				parent := c.create(t, ref)
				child := c.createWith(t, path, map[string]any{col: parent})
				// The foreign key acts when the row goes: a soft delete
				// (a DELETE taking hard) only marks it.
				del := itemPath(ref, parent)
				if op := c.doc.Paths.Value(ref + "/{id}").Delete; op != nil && op.Parameters.GetByInAndName("query", "hard") != nil {
					del += "?hard=true"
				}
				code, _ := c.call(t, "DELETE", del, nil, nil)
				var row map[string]any
				childCode, _ := c.call(t, "GET", itemPath(path, child), nil, &row)
				switch fk.OnDelete {
				case schema.Cascade:
					if code != http.StatusNoContent || childCode != http.StatusNotFound {
						t.Errorf("CASCADE: deleting %s %d got %d, then the %s row %d; want 204 and 404", ref, parent, code, path, childCode)
					}
				case schema.SetNull:
					if code != http.StatusNoContent || childCode != http.StatusOK || row[col] != nil {
						t.Errorf("SET NULL: deleting %s %d got %d, then %s %v; want 204 and no %s", ref, parent, code, col, row[col], col)
					}
				default:
					if code != http.StatusConflict || childCode != http.StatusOK {
						t.Errorf("%s: deleting %s %d got %d (the %s row: %d); want 409 and both rows kept", fk.OnDelete, ref, parent, code, path, childCode)
					}
				}
			})
			checked++
		}
	}
	if checked == 0 {
		t.Error("no foreign key checked")
	}
}

// suite holds the state of one run.
type suite struct {
	url    string
	tables []*schema.Table
	doc    *openapi3.T
	// shared are rows created for foreign keys that may be shared, by path.
	shared map[string]any
	n      int
}

// call sends a request and decodes a JSON answer into out (when not nil).
func (c *suite) call(t *testing.T, method, path string, body any, out any) (int, http.Header) {
	t.Helper()
	var text, contentType string
	if raw, ok := body.(rawJSON); ok {
		text, contentType = string(raw), "application/json"
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		text, contentType = string(b), "application/json"
	}
	resp, b := Do(t, c.url, method, path, contentType, text)
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil && len(b) > 0 {
		// Numbers stay json.Number, so that 64-bit ids survive.
		dec := json.NewDecoder(strings.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, resp.Header
}

// bulkCreate creates two rows of the collection path with one POST of an
// array (the bodies create would send) and reads each back; an array whose
// second item lacks a required property creates nothing and names "1.".
func (c *suite) bulkCreate(t *testing.T, path string) {
	one, two := c.body(t, path), c.body(t, path)
	var made []map[string]any
	if code, _ := c.call(t, "POST", path, []any{one, two}, &made); code != http.StatusCreated || len(made) != 2 {
		t.Fatalf("POST %s with an array of 2: %d %v, want 201 and 2 rows", path, code, made)
	}
	for _, row := range made {
		if code, _ := c.call(t, "GET", itemPath(path, row["id"]), nil, nil); code != http.StatusOK {
			t.Errorf("GET %s: %d after the bulk create", itemPath(path, row["id"]), code)
		}
	}
	required := BodySchema(c.doc.Paths.Value(path).Post).Required
	if len(required) == 0 {
		return
	}
	bad := c.body(t, path)
	delete(bad, required[0])
	before := c.total(t, path)
	var problem restkit.Error
	if code, _ := c.call(t, "POST", path, []any{c.body(t, path), bad}, &problem); code != http.StatusBadRequest || problem.Field("1."+required[0]) == nil {
		t.Errorf("POST %s with item 1 lacking %s: %d %+v, want 400 naming 1.%s", path, required[0], code, problem, required[0])
	}
	if after := c.total(t, path); after != before {
		t.Errorf("a refused bulk create left %d rows at %s (had %d)", after, path, before)
	}
}

// total is the exact total of the list at path (a collection, with query
// parameters or not).
func (c *suite) total(t *testing.T, path string) int {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest("GET", c.url+path+sep+"itemsPerPage=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Prefer", "count=exact")
	resp, body := DoRequest(t, req)
	var page struct {
		Total *int `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != http.StatusOK || page.Total == nil {
		t.Fatalf("GET %s with Prefer: count=exact: %d %s", path, resp.StatusCode, body)
	}
	return *page.Total
}

// softDelete checks a collection that deletes softly (it has a restore
// route): a DELETE hides the row from reads, updates and lists — which show
// it with deleted=include or deleted=only — while the row stays; restore
// shows it again; DELETE with hard=true removes it.
func (c *suite) softDelete(t *testing.T, path string) {
	id := c.create(t, path)
	item := itemPath(path, id)
	all := path + "?deleted=include"
	before := c.total(t, all)
	if code, _ := c.call(t, "DELETE", item, nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE %s: %d", item, code)
	}
	if n := c.total(t, all); n != before {
		t.Errorf("a soft delete left %d rows at %s, had %d", n, all, before)
	}
	for _, req := range []struct{ method, path string }{{"GET", item}, {"PATCH", item}, {"DELETE", item}} {
		var body any
		if req.method == "PATCH" {
			body = map[string]any{}
		}
		if code, _ := c.call(t, req.method, req.path, body, nil); code != http.StatusNotFound {
			t.Errorf("%s %s after a soft delete: %d, want 404", req.method, req.path, code)
		}
	}
	listed := func(mode string) bool {
		var page struct {
			Items []map[string]any `json:"items"`
		}
		q := path + "?id.eq=" + url.QueryEscape(fmt.Sprint(id))
		if mode != "" {
			q += "&deleted=" + mode
		}
		if code, _ := c.call(t, "GET", q, nil, &page); code != http.StatusOK {
			t.Fatalf("GET %s: %d", q, code)
		}
		return containsID(page.Items, id)
	}
	if listed("") || !listed("include") || !listed("only") {
		t.Errorf("GET %s after a soft delete: listed by default %v, with deleted=include %v, deleted=only %v; want false, true, true",
			path, listed(""), listed("include"), listed("only"))
	}
	var row map[string]any
	if code, _ := c.call(t, "POST", item+"/restore", nil, &row); code != http.StatusOK || !sameID(row["id"], id) {
		t.Errorf("POST %s/restore: %d %v, want 200 and the row", item, code, row)
	}
	if code, _ := c.call(t, "GET", item, nil, nil); code != http.StatusOK || !listed("") || listed("only") {
		t.Errorf("GET %s after restore: %d; want 200, listed again", item, code)
	}
	if code, _ := c.call(t, "DELETE", item+"?hard=true", nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE %s?hard=true: %d, want 204", item, code)
	}
	if n := c.total(t, all); n != before-1 {
		t.Errorf("a hard delete left %d rows at %s, want %d", n, all, before-1)
	}
	if code, _ := c.call(t, "POST", item+"/restore", nil, nil); code != http.StatusNotFound {
		t.Errorf("POST %s/restore after a hard delete: %d, want 404", item, code)
	}
}

// tableOf is the table behind a collection path ("/blog-posts": blog_posts).
func (c *suite) tableOf(path string) *schema.Table {
	name := strings.ReplaceAll(strings.TrimPrefix(path, "/"), "-", "_")
	for _, t := range c.tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// create creates a row at the collection path from the required properties
// of its create body and returns its id.
func (c *suite) create(t *testing.T, path string) any {
	t.Helper()
	return c.createWith(t, path, nil)
}

// createWith creates a row at the collection path from the required
// properties of its create body and the properties of set.
func (c *suite) createWith(t *testing.T, path string, set map[string]any) any {
	t.Helper()
	op := c.doc.Paths.Value(path).Post
	s := BodySchema(op)
	body := map[string]any{}
	for _, name := range s.Required {
		if _, ok := set[name]; !ok {
			body[name] = c.value(t, path, name, s.Properties[name].Value)
		}
	}
	for name, v := range set {
		body[name] = v
	}
	var got map[string]any
	code, header := c.call(t, "POST", path, body, &got)
	if code != http.StatusCreated {
		t.Fatalf("POST %s %v: got %d %v, want 201", path, body, code, got)
	}
	id := got["id"]
	if id == nil || header.Get("Location") != itemPath(path, id) {
		t.Fatalf("POST %s: got id %v and Location %q", path, id, header.Get("Location"))
	}
	return id
}

// value is a valid value of the property name of a create body at path.
// BodySchema is the schema of op's JSON body; of a body that is one item
// or an array of them (a create, oneOf), the item's.
func BodySchema(op *openapi3.Operation) *openapi3.Schema {
	s := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, branch := range s.OneOf {
		if !branch.Value.Type.Is(openapi3.TypeArray) {
			return branch.Value
		}
	}
	return s
}

func (c *suite) value(t *testing.T, path, name string, s *openapi3.Schema) any {
	t.Helper()
	c.n++
	if table := c.tableOf(path); table != nil {
		for _, fk := range table.ForeignKeys {
			if len(fk.Columns) == 1 && fk.Columns[0].Name == name {
				ref := "/" + strings.ReplaceAll(fk.RefTable.Name, "_", "-")
				if fk.Columns[0].Unique || inUniqueIndex(table, name) {
					return c.create(t, ref) // one row per referencing row
				}
				if c.shared[ref] == nil {
					c.shared[ref] = c.create(t, ref)
				}
				return c.shared[ref]
			}
		}
	}
	switch {
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Type.Is("string") && s.Format == "uuid":
		return uuid.NewString()
	case s.Type.Is("string") && s.Format == "byte":
		return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "v%d", c.n))
	case s.Type.Is("string") && s.Format == "email":
		return fmt.Sprintf("u%d@example.com", c.n)
	case s.Type.Is("string") && s.Format == "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	case s.Type.Is("string"):
		v := fmt.Sprintf("v%d", c.n)
		if s.MinLength > uint64(len(v)) {
			v += strings.Repeat("x", int(s.MinLength)-len(v))
		}
		return v
	case s.Type.Is("integer"):
		// 1, the value ent's bounds (Positive, Range(1, 5)…) admit most,
		// which the spec may not state; distinct for unique columns.
		v := 1.0
		if c.unique(path, name) {
			v = float64(c.n)
		}
		if s.Max != nil && v > *s.Max {
			v = *s.Max
		}
		if s.Min != nil && v < *s.Min {
			v = *s.Min
		}
		return int64(v)
	case s.Type.Is("number"):
		return 1.5
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		if s.Items == nil || s.Items.Value == nil || s.Items.Ref != "" {
			return []any{}
		}
		return []any{c.value(t, "", name, s.Items.Value)}
	case s.Type.Is("object"):
		if ap := s.AdditionalProperties.Schema; ap != nil && ap.Value != nil {
			return map[string]any{"k": c.value(t, "", name, ap.Value)}
		}
		return map[string]any{"k": "v"}
	case s.Type == nil || len(s.Type.Slice()) == 0:
		return map[string]any{"any": []any{1.5, "v", true}}
	}
	t.Fatalf("POST %s: no value for property %s of type %v", path, name, s.Type)
	return nil
}

// roundTrip creates a row at path with every property of its create body
// that is a value (not a nested row or a list of links) and reads it back:
// each must come back as it was sent — JSON objects and arrays, bytes,
// UUIDs, times, enums, nullable values.
func (c *suite) roundTrip(t *testing.T, path string) {
	create := BodySchema(c.doc.Paths.Value(path).Post)
	read := c.doc.Paths.Value(path + "/{id}").Get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
	body := map[string]any{}
	for name, p := range create.Properties {
		r := read.Properties[name]
		if r == nil || isRow(p) || isRow(r) {
			continue
		}
		body[name] = c.value(t, path, name, p.Value)
	}
	// A value the schema's validators refuse, and the spec does not say
	// (ent's validators are functions), is left out.
	var created map[string]any
	for {
		code, _ := c.call(t, "POST", path, body, &created)
		if code == http.StatusCreated {
			break
		}
		var field string
		if errs, _ := created["errors"].([]any); len(errs) > 0 {
			e, _ := errs[0].(map[string]any)
			field, _ = e["field"].(string)
		}
		if code != http.StatusBadRequest || body[field] == nil {
			t.Fatalf("POST %s %v: got %d %v, want 201", path, body, code, created)
		}
		t.Logf("POST %s: %s %v refused by a validator the spec does not state", path, field, body[field])
		delete(body, field)
		created = nil
	}
	id := created["id"]
	var row map[string]any
	if code, _ := c.call(t, "GET", itemPath(path, id), nil, &row); code != http.StatusOK {
		t.Fatalf("GET %s: %d", itemPath(path, id), code)
	}
	for name, sent := range body {
		if !sameValue(sent, row[name], read.Properties[name].Value) {
			t.Errorf("%s: sent %s %#v, read back %#v", path, name, sent, row[name])
		}
	}
}

// errors sends what a client gets wrong and checks each answer is the 4xx
// the spec gives, naming what is wrong: an id no row has (404 on read,
// update and delete), an id of the wrong form (400 naming the path's id),
// a create body without its required properties (400 naming each), a
// property of the wrong type, an unknown property, a body that is not JSON
// or not JSON at all (415), and every filter parameter with a value of
// another type (400, never a 500).
func (c *suite) errors(t *testing.T, path string) {
	type errorBody struct {
		Errors []struct{ In, Field string } `json:"errors"`
	}
	idSchema := c.doc.Paths.Value(path+"/{id}").Get.Parameters.GetByInAndName("path", "id").Schema.Value
	var absent, malformed string
	switch {
	case idSchema.Type.Is("integer"):
		absent, malformed = "2147483647", "abc"
	case idSchema.Format == "uuid":
		absent, malformed = uuid.NewString(), "not-a-uuid"
	default:
		absent = "absent-" + uuid.NewString()
	}
	for _, method := range []string{"GET", "PATCH", "DELETE"} {
		var body any
		if method == "PATCH" {
			body = map[string]any{}
		}
		if code, _ := c.call(t, method, path+"/"+absent, body, nil); code != http.StatusNotFound {
			t.Errorf("%s %s/%s: got %d, want 404", method, path, absent, code)
		}
		if malformed == "" {
			continue
		}
		var e errorBody
		if code, _ := c.call(t, method, path+"/"+malformed, body, &e); code != http.StatusBadRequest || len(e.Errors) == 0 || e.Errors[0].Field != "id" {
			t.Errorf("%s %s/%s: got %d %+v, want 400 naming the id", method, path, malformed, code, e)
		}
	}
	create := BodySchema(c.doc.Paths.Value(path).Post)
	var e errorBody
	code, _ := c.call(t, "POST", path, map[string]any{}, &e)
	switch {
	case len(create.Required) == 0 && code != http.StatusCreated:
		t.Errorf("POST %s {}: got %d, want 201 (nothing is required)", path, code)
	case len(create.Required) > 0 && (code != http.StatusBadRequest || len(e.Errors) != len(create.Required)):
		t.Errorf("POST %s {}: got %d %+v, want 400 naming each of %v", path, code, e, create.Required)
	}
	body := c.body(t, path)
	body["no_such_property"] = 1
	if code, _ := c.call(t, "POST", path, body, nil); code != http.StatusBadRequest {
		t.Errorf("POST %s with an unknown property: got %d, want 400", path, code)
	}
	for name, p := range create.Properties {
		body := c.body(t, path)
		if p.Value == nil || p.Value.Type == nil || len(p.Value.Type.Slice()) == 0 {
			continue
		}
		body[name] = map[string]any{"wrong": "type"}
		if p.Value.Type.Is("object") {
			body[name] = "a string"
		}
		e = errorBody{}
		if code, _ := c.call(t, "POST", path, body, &e); code != http.StatusBadRequest || len(e.Errors) == 0 || !strings.HasPrefix(e.Errors[0].Field, name) {
			t.Errorf("POST %s with %s of the wrong type: got %d %+v, want 400 naming it", path, name, code, e)
		}
	}
	if code, _ := c.call(t, "POST", path, rawJSON(`{"a":`), nil); code != http.StatusBadRequest {
		t.Errorf("POST %s with truncated JSON: got %d, want 400", path, code)
	}
	for _, p := range c.doc.Paths.Value(path).Get.Parameters {
		name := p.Value.Name
		if p.Value.In != "query" || strings.HasSuffix(name, ".is_null") || name == "include" {
			continue
		}
		s := p.Value.Schema.Value
		if s.Type.Is("array") {
			s = s.Items.Value
		}
		var bad string
		switch {
		case s.Type.Is("integer"), s.Type.Is("number"), s.Type.Is("boolean"), s.Format == "date-time", s.Format == "uuid", len(s.Enum) > 0:
			bad = "{not-this}"
		default:
			continue
		}
		q := url.Values{name: {bad}}
		if code, _ := c.call(t, "GET", path+"?"+q.Encode(), nil, nil); code != http.StatusBadRequest {
			t.Errorf("GET %s?%s: got %d, want 400", path, q.Encode(), code)
		}
	}
}

// rawJSON is a request body sent as it is, valid JSON or not.
type rawJSON string

// cursorWalk creates rows at path until there are at least five, then walks
// the list two rows a page from cursor to cursor, sorted by id descending
// and by each edge's count (a cursor then carries the count): every row
// comes exactly once, and the walk ends.
func (c *suite) cursorWalk(t *testing.T, path string) {
	var page struct {
		Items      []map[string]any `json:"items"`
		Total      int              `json:"total"`
		NextCursor string           `json:"next_cursor"`
	}
	c.call(t, "GET", path+"?itemsPerPage=1", nil, &page)
	for n := page.Total; n < 5; n++ {
		c.create(t, path)
	}
	sorts := []string{"-id"}
	for _, edge := range c.edges(path) {
		sorts = append(sorts, "-"+edge+"_count")
	}
	for _, sort := range sorts {
		seen := map[string]bool{}
		q := url.Values{"itemsPerPage": {"2"}, "sort": {sort}}
		var total, pages int
		for {
			page.NextCursor = ""
			page.Items = nil
			code, _ := c.call(t, "GET", path+"?"+q.Encode(), nil, &page)
			if code == http.StatusBadRequest && sort != "-id" && pages == 0 {
				break // a unique edge: no count to sort by
			}
			if code != http.StatusOK {
				t.Fatalf("GET %s?%s: got %d, want 200", path, q.Encode(), code)
			}
			total = page.Total
			for _, it := range page.Items {
				id := fmt.Sprint(it["id"])
				if seen[id] {
					t.Fatalf("GET %s?%s: row %s again", path, q.Encode(), id)
				}
				seen[id] = true
			}
			if pages++; page.NextCursor == "" || pages > total {
				break
			}
			q.Set("cursor", page.NextCursor)
		}
		if pages > 0 && len(seen) != total {
			t.Errorf("walking %s two rows a page sorted by %s: %d rows in %d pages, want all %d", path, sort, len(seen), pages, total)
		}
	}
}

// has checks each has_EDGE filter of the list at path against the rows
// themselves: has_EDGE=true and has_EDGE=false split the rows in two (no row
// in both, none in neither), and a row's EDGE, read through include, is
// empty exactly when the row is in the false half.
func (c *suite) has(t *testing.T, path string) {
	all := c.ids(t, path, "")
	if all == nil {
		return // rows without an id (an edge schema's)
	}
	for _, p := range c.doc.Paths.Value(path).Get.Parameters {
		edge, ok := strings.CutPrefix(p.Value.Name, "has_")
		if p.Value.In != "query" || !ok {
			continue
		}
		with, without := c.ids(t, path, p.Value.Name+"=true"), c.ids(t, path, p.Value.Name+"=false")
		for id := range all {
			if with[id] == without[id] {
				t.Errorf("GET %s?%s: row %s is in %d of the true and false lists, want 1", path, p.Value.Name, id, btoi(with[id])+btoi(without[id]))
				continue
			}
			var row map[string]any
			item := itemPath(path, id) + "?include=" + edge
			if code, _ := c.call(t, "GET", item, nil, &row); code != http.StatusOK {
				continue // not includable: the lists' split is all to check
			}
			got := row[edge]
			if rows, many := got.([]any); many {
				got = len(rows) > 0
			} else {
				got = got != nil
			}
			if got != with[id] {
				t.Errorf("GET %s: row %s has %s %v, but %s=%v lists it", item, id, edge, row[edge], p.Value.Name, with[id])
			}
		}
		if len(with)+len(without) != len(all) {
			t.Errorf("GET %s?%s: %d true + %d false rows, want the %d rows", path, p.Value.Name, len(with), len(without), len(all))
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ids are the ids of the rows the list at path lists with the query q,
// walking its pages by cursor; nil for rows without an id.
func (c *suite) ids(t *testing.T, path, q string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	next := path + "?itemsPerPage=50"
	if q != "" {
		next += "&" + q
	}
	for range 100 {
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		if code, _ := c.call(t, "GET", next, nil, &page); code != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200", next, code)
		}
		for _, it := range page.Items {
			id, ok := it["id"]
			if !ok {
				return nil
			}
			ids[fmt.Sprint(id)] = true
		}
		if page.NextCursor == "" {
			return ids
		}
		next = path + "?itemsPerPage=50&cursor=" + url.QueryEscape(page.NextCursor)
		if q != "" {
			next += "&" + q
		}
	}
	t.Fatalf("GET %s?%s: more than 100 pages", path, q)
	return nil
}

// links creates a row at path with each list of links of its create body
// holding one target — a new key for keyed links, else the id of a new row —
// and one nested child of each nested list with its own lists of links set
// alike, then reads every link back through include.
func (c *suite) links(t *testing.T, path string) {
	body := c.body(t, path)
	var includes []string
	for _, l := range c.linkLists(path) {
		body[l.name] = []any{c.linkValue(t, path, l)}
		includes = append(includes, l.name)
	}
	for _, n := range c.nestedLists(path) {
		child := c.nestedChild(t, n, "", nil)
		delete(child, "")
		for _, l := range c.linkLists(n.target) {
			child[l.name] = []any{c.linkValue(t, n.target, l)}
			includes = append(includes, n.edge+"."+l.name)
		}
		body[n.edge] = []any{child}
	}
	if len(includes) == 0 {
		return
	}
	id := c.createWith(t, path, body)
	for _, inc := range includes {
		var row map[string]any
		item := itemPath(path, id) + "?include=" + inc
		if code, _ := c.call(t, "GET", item, nil, &row); code != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", item, code)
			continue
		}
		edge, link, nested := strings.Cut(inc, ".")
		got := row[edge]
		if nested {
			children, _ := row[edge].([]any)
			if len(children) != 1 {
				t.Errorf("GET %s: %d %s, want the 1 created", item, len(children), edge)
				continue
			}
			got = children[0].(map[string]any)[link]
		}
		// At least the one linked (an association object nested in the
		// same body may link one more).
		if rows, _ := got.([]any); len(rows) == 0 {
			t.Errorf("GET %s: %s is %v, want the one linked", item, inc, got)
		}
	}
}

// linkList is a list of links a create body sets: ids or keys of rows of
// the collection at target.
type linkList struct {
	name, target string
	item         *openapi3.Schema
	// key is the name of the target's natural key when the list holds keys.
	key string
}

// linkLists are the lists of links of the create body at path: arrays of
// values whose property, in the read response, is an array of rows.
func (c *suite) linkLists(path string) []linkList {
	create := BodySchema(c.doc.Paths.Value(path).Post)
	read := c.doc.Paths.Value(path + "/{id}").Get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
	var out []linkList
	for name, p := range create.Properties {
		r := read.Properties[name]
		if p.Value == nil || !p.Value.Type.Is("array") || p.Value.Items == nil || p.Value.Items.Ref != "" ||
			r == nil || r.Value.Items == nil || r.Value.Items.Ref == "" {
			continue
		}
		l := linkList{name: name, target: c.pathOf(r.Value.Items.Ref), item: p.Value.Items.Value}
		// A keyed link has a route removing one target by its key.
		for sub, it := range c.doc.Paths.Map() {
			if rest, ok := strings.CutPrefix(sub, path+"/{id}/"+name+"/{"); ok && it.Delete != nil {
				l.key = strings.TrimSuffix(rest, "}")
			}
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b linkList) int { return strings.Compare(a.name, b.name) })
	return out
}

// linkValue is one value of the link list l of a body at path.
func (c *suite) linkValue(t *testing.T, path string, l linkList) any {
	t.Helper()
	if l.key != "" {
		return c.value(t, l.target, l.key, l.item)
	}
	return c.create(t, l.target)
}

// isRow reports whether the property s holds rows of another entity.
func isRow(s *openapi3.SchemaRef) bool {
	return s.Ref != "" || (s.Value != nil && s.Value.Items != nil && s.Value.Items.Ref != "")
}

// sameValue reports whether a value read back is the one sent: the same
// instant for times, the same JSON otherwise.
func sameValue(sent, got any, s *openapi3.Schema) bool {
	if s != nil && s.Format == "date-time" {
		a, errA := time.Parse(time.RFC3339Nano, fmt.Sprint(sent))
		b, errB := time.Parse(time.RFC3339Nano, fmt.Sprint(got))
		return errA == nil && errB == nil && a.Equal(b)
	}
	if s != nil && s.Type.Is("object") && len(s.Properties) == 0 && s.AdditionalProperties.Schema == nil {
		// A free-form object (a Go struct's JSON): its fields are the
		// struct's, not the ones sent.
		_, ok := got.(map[string]any)
		return ok
	}
	a, errA := json.Marshal(sent)
	b, errB := json.Marshal(got)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// inUniqueIndex reports whether the column name is part of a unique index
// of table (an edge schema's (note_id, label_id)).
func inUniqueIndex(table *schema.Table, name string) bool {
	for _, idx := range table.Indexes {
		if !idx.Unique {
			continue
		}
		for _, col := range idx.Columns {
			if col.Name == name {
				return true
			}
		}
	}
	return false
}

// unique reports whether the column name of the table at path is unique.
func (c *suite) unique(path, name string) bool {
	if table := c.tableOf(path); table != nil {
		for _, col := range table.Columns {
			if col.Name == name {
				return col.Unique
			}
		}
	}
	return false
}

// missing is a value of a reference of schema s that no row has.
func missing(s *openapi3.Schema) any {
	switch {
	case s.Type.Is("integer"):
		return 2147483647
	case s.Format == "uuid":
		return uuid.NewString()
	}
	return "missing-" + uuid.NewString()
}

// entity runs the checks of one collection path.
func (c *suite) entity(t *testing.T, path string) {
	id := c.create(t, path)
	item := itemPath(path, id)
	var row map[string]any
	if code, _ := c.call(t, "GET", item, nil, &row); code != http.StatusOK || !sameID(row["id"], id) {
		t.Fatalf("GET %s: %d %v", item, code, row)
	}
	if code, _ := c.call(t, "PATCH", item, map[string]any{}, &row); code != http.StatusOK || !sameID(row["id"], id) {
		t.Errorf("PATCH %s {}: got %d %v, want 200 and the row", item, code, row)
	}
	list := c.doc.Paths.Value(path).Get
	var page struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	// The largest page the spec allows (the new row is among the first).
	per := "100"
	if p := list.Parameters.GetByInAndName("query", "itemsPerPage"); p != nil && p.Schema.Value.Max != nil {
		per = strconv.FormatFloat(*p.Schema.Value.Max, 'f', -1, 64)
	}
	if code, _ := c.call(t, "GET", path+"?itemsPerPage="+per, nil, &page); code != http.StatusOK || !containsID(page.Items, id) {
		t.Errorf("GET %s: %d, the new row not in the first page", path, code)
	}
	t.Run("Errors", func(t *testing.T) { c.errors(t, path) })
	t.Run("BulkCreate", func(t *testing.T) { c.bulkCreate(t, path) })
	if c.doc.Paths.Value(path+"/{id}/restore") != nil {
		t.Run("SoftDelete", func(t *testing.T) { c.softDelete(t, path) })
	}
	t.Run("RoundTrip", func(t *testing.T) { c.roundTrip(t, path) })
	t.Run("Links", func(t *testing.T) { c.links(t, path) })
	t.Run("Has", func(t *testing.T) { c.has(t, path) })
	t.Run("Filters", func(t *testing.T) {
		checked := 0
		for _, p := range list.Parameters {
			name := p.Value.Name
			field, op, ok := cut(name)
			if p.Value.In != "query" || !ok {
				continue
			}
			q := url.Values{name: {filterValue(p.Value.Schema.Value, row[field], op)}}
			var got struct {
				Items []map[string]any `json:"items"`
			}
			code, _ := c.call(t, "GET", path+"?"+q.Encode(), nil, &got)
			if code != http.StatusOK {
				t.Errorf("GET %s?%s: got %d, want 200", path, q.Encode(), code)
				continue
			}
			checked++
			// An optional field that is not nillable reads NULL as its zero
			// value (ent's rule): only a set value must be found.
			if v, ok := row[field]; op == "eq" && ok && !zero(v) && !strings.Contains(field, ".") && !containsID(got.Items, id) {
				t.Errorf("GET %s?%s: the row with %s %v is not found", path, q.Encode(), field, v)
			}
		}
		if checked == 0 {
			t.Errorf("%s has no filter", path)
		}
	})
	t.Run("Sort", func(t *testing.T) {
		for _, p := range list.Parameters {
			field, op, ok := cut(p.Value.Name)
			if !ok || op != "eq" || strings.Contains(field, ".") {
				continue
			}
			for _, sort := range []string{field, "-" + field} {
				if code, _ := c.call(t, "GET", path+"?sort="+sort, nil, nil); code != http.StatusOK {
					t.Errorf("GET %s?sort=%s: got %d, want 200", path, sort, code)
				}
			}
		}
	})
	t.Run("CursorWalk", func(t *testing.T) { c.cursorWalk(t, path) })
	t.Run("Count", func(t *testing.T) {
		p := list.Parameters.GetByInAndName("query", "count")
		if p == nil {
			return
		}
		for _, edge := range c.edges(path) {
			var got struct {
				Items []map[string]any `json:"items"`
			}
			if code, _ := c.call(t, "GET", path+"?count="+edge, nil, &got); code == http.StatusBadRequest {
				continue // a unique edge: nothing to count
			} else if code != http.StatusOK {
				t.Errorf("GET %s?count=%s: got %d, want 200", path, edge, code)
				continue
			}
			for i, it := range got.Items {
				n, ok := it[edge+"_count"].(json.Number)
				if !ok {
					t.Errorf("GET %s?count=%s: an item without %s_count: %v", path, edge, edge, it)
					break
				}
				if i >= 5 {
					continue
				}
				// The count is the number of rows the edge leads to, as
				// including it shows them (up to the include cap),
				// whether computed or kept by the database.
				var row map[string]any
				item := itemPath(path, it["id"]) + "?include=" + edge
				if code, _ := c.call(t, "GET", item, nil, &row); code != http.StatusOK {
					t.Errorf("GET %s: got %d, want 200", item, code)
					continue
				}
				included, _ := row[edge].([]any)
				if want, err := n.Int64(); err != nil || int64(len(included)) != want && len(included) < maxIncluded {
					t.Errorf("GET %s?count=%s: %s_count %s, but GET %s holds %d", path, edge, edge, n, item, len(included))
				}
			}
		}
	})
	t.Run("Include", func(t *testing.T) {
		for _, edge := range c.edges(path) {
			var got map[string]any
			if code, _ := c.call(t, "GET", item+"?include="+edge, nil, &got); code != http.StatusOK {
				t.Errorf("GET %s?include=%s: got %d, want 200", item, edge, code)
			}
			if code, _ := c.call(t, "GET", path+"?include="+edge, nil, nil); code != http.StatusOK {
				t.Errorf("GET %s?include=%s: got %d, want 200", path, edge, code)
			}
		}
	})
	t.Run("EdgeRoutes", func(t *testing.T) {
		for p, it := range c.doc.Paths.Map() {
			rest, ok := strings.CutPrefix(p, path+"/{id}/")
			if !ok || strings.Contains(rest, "/") || it.Get == nil {
				continue
			}
			if code, _ := c.call(t, "GET", item+"/"+rest, nil, nil); code != http.StatusOK && code != http.StatusNotFound {
				t.Errorf("GET %s/%s: got %d, want 200 or 404", item, rest, code)
			}
		}
	})
	t.Run("NestedReferences", func(t *testing.T) { c.nestedReferences(t, path) })
	t.Run("NestedUnique", func(t *testing.T) { c.nestedUnique(t, path) })
	if code, _ := c.call(t, "DELETE", item, nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE %s: got %d, want 204", item, code)
	}
	if code, _ := c.call(t, "GET", item, nil, nil); code != http.StatusNotFound {
		t.Errorf("GET %s after DELETE: got %d, want 404", item, code)
	}
}

// nestedReferences creates a row at path with, in each list of nested
// children, one child whose foreign key to another row (not its parent)
// points nowhere: the answer is a 400 naming that child's field.
func (c *suite) nestedReferences(t *testing.T, path string) {
	for _, n := range c.nestedLists(path) {
		for _, fk := range n.table.ForeignKeys {
			name := fk.Columns[0].Name
			if n.item.Properties[name] == nil {
				continue // the parent's key, set by the server
			}
			child := c.nestedChild(t, n, name, missing(n.item.Properties[name].Value))
			body := c.body(t, path)
			edge := n.edge
			body[edge] = []any{child}
			var e struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			code, _ := c.call(t, "POST", path, body, &e)
			want := edge + ".0." + name
			t.Logf("POST %s with %s pointing nowhere", path, want)
			if code != http.StatusBadRequest || len(e.Errors) == 0 || e.Errors[0].Field != want {
				t.Errorf("POST %s with %s pointing nowhere: got %d %+v, want 400 naming %s", path, want, code, e, want)
			}
		}
	}
}

// nestedUnique creates a row at path with, in each list of nested children,
// a child whose unique field holds a value another row has, then two
// children with the same new value: each is a 409 naming the item's field.
func (c *suite) nestedUnique(t *testing.T, path string) {
	for _, n := range c.nestedLists(path) {
		edge := n.edge
		for _, col := range n.table.Columns {
			p := n.item.Properties[col.Name]
			if !col.Unique || p == nil || len(p.Value.Enum) > 0 || !p.Value.Type.Is("string") && !p.Value.Type.Is("integer") {
				continue
			}
			taken := c.value(t, n.target, col.Name, p.Value)
			c.createWith(t, n.target, map[string]any{col.Name: taken})
			fresh := c.value(t, n.target, col.Name, p.Value)
			for _, tc := range []struct {
				items []any
				want  string
			}{
				{[]any{c.nestedChild(t, n, col.Name, taken)}, edge + ".0." + col.Name},
				{[]any{c.nestedChild(t, n, col.Name, fresh), c.nestedChild(t, n, col.Name, fresh)}, edge + ".1." + col.Name},
			} {
				body := c.body(t, path)
				body[edge] = tc.items
				var e struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				code, _ := c.call(t, "POST", path, body, &e)
				t.Logf("POST %s with %s taken", path, tc.want)
				if code != http.StatusConflict || len(e.Errors) == 0 || e.Errors[0].Field != tc.want {
					t.Errorf("POST %s with %s taken: got %d %+v, want 409 naming it", path, tc.want, code, e)
				}
			}
		}
	}
}

// nestedList is a list of children a create body may nest.
type nestedList struct {
	edge   string           // the body property: "posts"
	target string           // the children's collection path: "/posts"
	table  *schema.Table    // their table
	item   *openapi3.Schema // the schema of one child
}

// nestedLists are the nested lists of the create body at path.
func (c *suite) nestedLists(path string) []nestedList {
	create := BodySchema(c.doc.Paths.Value(path).Post)
	read := c.doc.Paths.Value(path + "/{id}").Get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
	var out []nestedList
	for edge, prop := range create.Properties {
		nested := prop.Value
		if !nested.Type.Is("array") || nested.Items == nil || nested.Items.Ref == "" || read.Properties[edge] == nil {
			continue
		}
		target := c.pathOf(read.Properties[edge].Value.Items.Ref)
		if table := c.tableOf(target); table != nil {
			out = append(out, nestedList{edge: edge, target: target, table: table, item: nested.Items.Value})
		}
	}
	slices.SortFunc(out, func(a, b nestedList) int { return strings.Compare(a.edge, b.edge) })
	return out
}

// nestedChild is a child of n with its required properties and name set to v.
func (c *suite) nestedChild(t *testing.T, n nestedList, name string, v any) map[string]any {
	t.Helper()
	m := map[string]any{}
	for _, req := range n.item.Required {
		m[req] = c.value(t, n.target, req, n.item.Properties[req].Value)
	}
	m[name] = v
	return m
}

// body is a create body of path with its required properties.
func (c *suite) body(t *testing.T, path string) map[string]any {
	t.Helper()
	create := BodySchema(c.doc.Paths.Value(path).Post)
	body := map[string]any{}
	for _, req := range create.Required {
		body[req] = c.value(t, path, req, create.Properties[req].Value)
	}
	return body
}

// pathOf is the collection path whose rows the response schema ref is.
func (c *suite) pathOf(ref string) string {
	for path, item := range c.doc.Paths.Map() {
		if strings.Count(path, "/") != 2 || !strings.HasSuffix(path, "/{id}") || item.Get == nil {
			continue
		}
		if r := item.Get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema; r != nil && r.Ref == ref {
			return strings.TrimSuffix(path, "/{id}")
		}
	}
	return ""
}

// edges are the edges of the entity at path: the properties of its response
// schema that are other entities.
func (c *suite) edges(path string) []string {
	get := c.doc.Paths.Value(path + "/{id}").Get
	s := get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
	var edges []string
	for name, p := range s.Properties {
		if p.Ref != "" || (p.Value.Items != nil && p.Value.Items.Ref != "") {
			edges = append(edges, name)
		}
	}
	slices.Sort(edges)
	return edges
}

// cut splits a filter parameter "posts.tags.name.eq" into its path and
// operator; it reports false for other parameters.
func cut(name string) (field, op string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// filterValue is a value of a filter parameter of schema s: the row's own
// value of the field when it has one, else one of the parameter's type.
func filterValue(s *openapi3.Schema, own any, op string) string {
	if s.Type.Is("array") {
		s = s.Items.Value
	}
	switch {
	case op == "is_null" || s.Type.Is("boolean"):
		if b, ok := own.(bool); ok {
			return fmt.Sprint(b)
		}
		return "false"
	case !zero(own) && op != "contains" && op != "prefix":
		switch own.(type) {
		case map[string]any, []any:
		default:
			return fmt.Sprint(own)
		}
	}
	switch {
	case s.Type.Is("integer"):
		return "1"
	case s.Type.Is("number"):
		return "1.5"
	case s.Format == "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	case s.Format == "uuid":
		return uuid.NewString()
	case len(s.Enum) > 0:
		return fmt.Sprint(s.Enum[0])
	}
	return "v"
}

// zero reports whether a decoded JSON value is absent or a zero value.
func zero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case bool:
		return !v
	}
	return false
}

// containsID reports whether one of items has the id.
func containsID(items []map[string]any, id any) bool {
	for _, it := range items {
		if sameID(it["id"], id) {
			return true
		}
	}
	return false
}

// sameID reports whether two decoded ids are the same.
func sameID(a, b any) bool { return a != nil && fmt.Sprint(a) == fmt.Sprint(b) }

// maxIncluded is the include cap per parent (restgen.MaxIncluded): a count
// above it is not compared with the included rows.
const maxIncluded = 100

// itemPath is the path of the row id of the collection at path.
func itemPath(path string, id any) string { return path + "/" + url.PathEscape(fmt.Sprint(id)) }
