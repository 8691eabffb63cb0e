package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxErrorBody bounds every error response.
const maxErrorBody = 64 << 10

// operation is one operation of the spec, with its path filled in.
type operation struct {
	method, path string
	op           *openapi3.Operation
}

// operations lists every operation of the spec, path parameters set to 1
// (the checks below run before any row is read).
func operations(t *testing.T) []operation {
	t.Helper()
	doc := loadDoc(t)
	var ops []operation
	for path, item := range doc.Paths.Map() {
		filled := path
		for _, p := range append(slices.Clone(item.Parameters), collectParams(item)...) {
			if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
				filled = strings.ReplaceAll(filled, "{"+p.Value.Name+"}", "1")
			}
		}
		for method, op := range item.Operations() {
			ops = append(ops, operation{method: method, path: filled, op: op})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return ops
}

func collectParams(item *openapi3.PathItem) openapi3.Parameters {
	var ps openapi3.Parameters
	for _, op := range item.Operations() {
		ps = append(ps, op.Parameters...)
	}
	return ps
}

// send sends a raw request and checks what every answer to a client mistake
// must be: not a 5xx, JSON in the one error shape, at most maxErrorBody bytes.
func send(t *testing.T, api *testAPI, method, path, contentType, body string) (int, *restkit.Error) {
	t.Helper()
	resp, b := api.do(t, method, path, contentType, body)
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: got %d, want a 4xx: %s", method, abbreviate(path), resp.StatusCode, abbreviate(b))
	}
	if resp.StatusCode < 400 {
		return resp.StatusCode, nil
	}
	if len(b) > maxErrorBody {
		t.Fatalf("%s %s: error body of %d bytes, more than %d", method, abbreviate(path), len(b), maxErrorBody)
	}
	var e restkit.Error
	if err := json.Unmarshal([]byte(b), &e); err != nil || e.Status != resp.StatusCode || resp.Header.Get("Content-Type") != restkit.ProblemContentType {
		t.Fatalf("%s %s: got %d %s, want the error shape", method, abbreviate(path), resp.StatusCode, b)
	}
	return resp.StatusCode, &e
}

func abbreviate(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// TestHostileInput sends, to every operation of the spec, what a careless or
// hostile client sends: NUL and invalid UTF-8 in every string body property,
// query parameter and path parameter, too many and repeated parameters, huge
// and deep bodies. Each must get a 4xx naming the problem, never a 5xx, and
// no error body over 64 KB.
func TestHostileInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ops := operations(t)
		t.Run("NULInBodyStrings", func(t *testing.T) {
			checked := 0
			for _, o := range ops {
				for name, prop := range bodyProperties(o.op) {
					if !prop.Value.Type.Is("string") && !prop.Value.Type.Is("array") {
						continue
					}
					value := `"a\u0000b"`
					field := name
					if prop.Value.Type.Is("array") {
						value, field = `["a\u0000b"]`, name+".0"
					}
					code, e := send(t, api, o.method, o.path, "application/json", fmt.Sprintf(`{%q:%s}`, name, value))
					if code != http.StatusBadRequest || e.Field(field) == nil || !strings.Contains(e.Field(field).Message, "NUL") {
						t.Errorf("%s %s with a NUL in %s: got %d %v, want 400 naming %s", o.method, o.path, name, code, e, field)
					}
					checked++
				}
			}
			if checked < 10 {
				t.Errorf("checked %d string properties; the spec has more", checked)
			}
		})
		t.Run("InvalidUTF8Body", func(t *testing.T) {
			for _, o := range ops {
				if o.op.RequestBody == nil {
					continue
				}
				for _, body := range []string{"{\"name\":\"a\xffb\"}", `{"name":"a\ud800b"}`, `{"name":"\udc00"}`} {
					code, e := send(t, api, o.method, o.path, "application/json", body)
					if code != http.StatusBadRequest || !strings.Contains(e.Error(), "UTF") && !strings.Contains(e.Error(), "surrogate") {
						t.Errorf("%s %s with %q: got %d %v, want 400 about UTF-8", o.method, o.path, body, code, e)
					}
				}
			}
		})
		t.Run("NULAndInvalidUTF8InQuery", func(t *testing.T) {
			for _, o := range ops {
				for _, p := range o.op.Parameters {
					if p.Value.In != openapi3.ParameterInQuery {
						continue
					}
					for _, bad := range []string{"a%00b", "a%FFb"} {
						code, e := send(t, api, o.method, o.path+"?"+url.QueryEscape(p.Value.Name)+"="+bad, "", "")
						if code != http.StatusBadRequest || e.Field(p.Value.Name) == nil {
							t.Fatalf("%s %s?%s=%s: got %d %v, want 400 naming it", o.method, o.path, p.Value.Name, bad, code, e)
						}
					}
				}
			}
		})
		t.Run("NULInPath", func(t *testing.T) {
			code, e := send(t, api, "DELETE", "/posts/1/tags/a%00b", "", "")
			if code != http.StatusBadRequest || e.Field("name") == nil {
				t.Errorf("got %d %v, want 400 naming name", code, e)
			}
		})
		t.Run("TooManyParameters", func(t *testing.T) {
			for _, o := range ops {
				for _, n := range []int{restkit.MaxQueryParams + 1, 10_000} {
					q := strings.Repeat("id.eq=1&", n-1) + "id.eq=1"
					code, e := send(t, api, o.method, o.path+"?"+q, "application/json", "{}")
					if code != http.StatusBadRequest || !strings.Contains(e.Error(), fmt.Sprintf("at most %d", restkit.MaxQueryParams)) {
						t.Errorf("%s %s with %d parameters: got %d %v, want 400 naming the limit", o.method, o.path, n, code, e)
					}
				}
			}
		})
		t.Run("RepeatedSingleValuedParameter", func(t *testing.T) {
			checked := 0
			for _, o := range ops {
				for _, p := range o.op.Parameters {
					name := p.Value.Name
					if p.Value.In != openapi3.ParameterInQuery || strings.Contains(name, ".") || strings.HasPrefix(name, "has_") {
						continue // filters apply once per repeat
					}
					code, e := send(t, api, o.method, o.path+"?"+name+"=1&"+name+"=2", "", "")
					if code != http.StatusBadRequest || e.Field(name) == nil {
						t.Errorf("%s %s with %s twice: got %d %v, want 400 naming it", o.method, o.path, name, code, e)
					}
					checked++
				}
			}
			if checked < 20 {
				t.Errorf("checked %d parameters; the spec has more", checked)
			}
		})
		t.Run("HugeAndDeepBodies", func(t *testing.T) {
			huge := "[" + strings.TrimSuffix(strings.Repeat("{},", 100_000), ",") + "]"
			deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
			for _, o := range ops {
				if o.op.RequestBody == nil {
					continue
				}
				for name := range bodyProperties(o.op) {
					for _, value := range []string{huge, deep} {
						code, e := send(t, api, o.method, o.path, "application/json", fmt.Sprintf(`{%q:%s}`, name, value))
						if code != http.StatusBadRequest || len(e.Errors) > restkit.MaxFieldErrors {
							t.Errorf("%s %s with a huge or deep %s: got %d with %d field errors, want 400 with at most %d",
								o.method, o.path, name, code, len(e.Errors), restkit.MaxFieldErrors)
						}
					}
				}
			}
			// Under the item bound, the validator's own errors are capped.
			body := `{"name":"x","posts":[` + strings.TrimSuffix(strings.Repeat(`{"title":5},`, 900), ",") + `]}`
			code, e := send(t, api, "POST", "/users", "application/json", body)
			if code != http.StatusBadRequest || len(e.Errors) != restkit.MaxFieldErrors || !strings.Contains(e.Detail, "the first") {
				t.Errorf("900 bad posts: got %d with %d field errors (%s), want 400 listing the first %d", code, len(e.Errors), e.Detail, restkit.MaxFieldErrors)
			}
		})
		t.Run("ChunkedBodyOverTheLimit", func(t *testing.T) {
			// No Content-Length: the limit is found while reading.
			body := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`))
			req, err := http.NewRequest("POST", api.URL+"/tags", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("got %d, want 413", resp.StatusCode)
			}
		})
		t.Run("TrailingData", func(t *testing.T) {
			u, err := api.CreateUser(context.Background(), rest.UserCreate{Name: "trail"})
			if err != nil {
				t.Fatal(err)
			}
			for _, method := range []string{"POST", "PATCH"} {
				path := "/users"
				if method == "PATCH" {
					path = fmt.Sprintf("/users/%d", u.ID)
				}
				code, _ := send(t, api, method, path, "application/json", `{"name":"ok"} {"name":"again"}`)
				if code != http.StatusBadRequest {
					t.Errorf("%s with data after the JSON value: got %d, want 400", method, code)
				}
			}
			if got, err := api.ReadUser(context.Background(), u.ID); err != nil || got.Name != "trail" {
				t.Errorf("got %v, %v; want the user unchanged", got, err)
			}
		})
	})
}

// bodyProperties returns the top-level properties of the JSON request body
// of op.
func bodyProperties(op *openapi3.Operation) openapi3.Schemas {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	return mt.Schema.Value.Properties
}

// TestInputDefects covers the defects outside testing found in how input is
// read: each answered wrongly before its fix.
func TestInputDefects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		var ids []int
		for _, name := range []string{"ann", "bob", "cid"} {
			u, err := api.CreateUser(ctx, rest.UserCreate{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		t.Run("UnopenedOrGroup", func(t *testing.T) {
			code, e := send(t, api, "GET", "/users?or="+url.QueryEscape("name.eq.ann)"), "", "")
			if code != http.StatusBadRequest || e.Field("or") == nil {
				t.Errorf("got %d %v, want 400 naming or", code, e)
			}
		})
		t.Run("RepeatedInIsOneList", func(t *testing.T) {
			l, err := usersOf(api.ListUser(ctx, restkit.ListParams{Filter: url.Values{"id.in": {fmt.Sprint(ids[0]), fmt.Sprint(ids[2])}}}))
			if err != nil {
				t.Fatal(err)
			}
			if len(l) != 2 || l[0].ID != ids[0] || l[1].ID != ids[2] {
				t.Errorf("id.in given twice: got %d users, want users %d and %d", len(l), ids[0], ids[2])
			}
		})
		t.Run("PercentInTagName", func(t *testing.T) {
			p, err := api.CreatePost(ctx, rest.PostCreate{Title: "sale", Content: "c", AuthorID: ids[0], Tags: []string{"50%off", "a/b?c#d"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"50%off", "a/b?c#d"} {
				if code, e := send(t, api, "DELETE", fmt.Sprintf("/posts/%d/tags/%s", p.ID, url.PathEscape(name)), "", ""); code != http.StatusNoContent {
					t.Errorf("unlinking %q: got %d %v, want 204", name, code, e)
				}
			}
		})
		t.Run("LengthsCountCharacters", func(t *testing.T) {
			name := strings.Repeat("é", 30) // 60 bytes, 30 characters: the spec's maxLength
			if _, err := api.CreateTag(ctx, rest.TagCreate{Name: name}); err != nil {
				t.Errorf("a 30-character tag name: %v", err)
			}
			code, e := send(t, api, "POST", "/tags", "application/json", fmt.Sprintf(`{"name":%q}`, strings.Repeat("é", 31)))
			if code != http.StatusBadRequest || e.Field("name") == nil {
				t.Errorf("a 31-character tag name: got %d %v, want 400 naming name", code, e)
			}
		})
		t.Run("EmailAsDeclared", func(t *testing.T) {
			for _, bad := range []string{"a,b@x.io", "a..b@x.io", "a<b>@x.io", ".a@x.io", "a@x", "a@-x.io", "a b@x.io"} {
				code, e := send(t, api, "POST", "/users", "application/json", fmt.Sprintf(`{"name":"e","email":%q}`, bad))
				if code != http.StatusBadRequest || e.Field("email") == nil {
					t.Errorf("email %q: got %d %v, want 400 naming email", bad, code, e)
				}
			}
			for _, good := range []string{"a.b+tag@mail.example.org", "o'neil@x.io", "x_y-z@a-b.co"} {
				if _, err := api.CreateUser(ctx, rest.UserCreate{Name: "e", Email: ptr(good)}); err != nil {
					t.Errorf("email %q: %v", good, err)
				}
			}
		})
		t.Run("MissingDocsAssetIsJSON404", func(t *testing.T) {
			for _, path := range []string{"/docs/assets/nope.js", "/docs/assets/"} {
				if code, e := send(t, api, "GET", path, "", ""); code != http.StatusNotFound || e == nil {
					t.Errorf("GET %s: got %d %v, want a JSON 404", path, code, e)
				}
			}
		})
		t.Run("RequestIDIsBounded", func(t *testing.T) {
			for _, tc := range []struct {
				sent string
				kept bool
			}{
				{"client-id-42", true},
				{strings.Repeat("x", 5000), false},
				{"two words", false},
			} {
				req, _ := http.NewRequest("GET", api.URL+"/healthz", nil)
				req.Header.Set("X-Request-Id", tc.sent)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got := resp.Header.Get("X-Request-Id")
				if (got == tc.sent) != tc.kept || got == "" || len(got) > 128 {
					t.Errorf("sent %q: got %q, want it kept=%v and at most 128 characters", abbreviate(tc.sent), abbreviate(got), tc.kept)
				}
			}
		})
	})
}

// TestIncludeRowBudget: includes whose per-parent caps multiply across
// levels stop at restkit.MaxIncludedRows rows with a 400 naming include,
// while a smaller page of the same include is served.
func TestIncludeRowBudget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		seed := database.SeedConfig{Users: 200, PostsPerUser: 10, Tags: 50, TagsPerPost: 5, Seed: 3, Batch: 1000}
		if err := api.DB.Seed(context.Background(), seed, nil); err != nil {
			t.Fatal(err)
		}
		code, e := send(t, api, "GET", "/users?itemsPerPage=100&include=posts.tags.posts", "", "")
		if code != http.StatusBadRequest || e.Field("include") == nil || !strings.Contains(e.Field("include").Message, fmt.Sprint(restkit.MaxIncludedRows)) {
			t.Errorf("got %d %v, want 400 naming include and the limit", code, e)
		}
		if code, e := send(t, api, "GET", "/users?itemsPerPage=5&include=posts.tags.posts", "", ""); code != http.StatusOK {
			t.Errorf("a page of 5: got %d %v, want 200", code, e)
		}
	})
}
