package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi"

	"entgo.io/ent/schema/field"
	"github.com/getkin/kin-openapi/openapi3"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSpecIsValidOpenAPI3 checks the committed spec with kin-openapi's validator.
func TestSpecIsValidOpenAPI3(t *testing.T) {
	doc := loadSpec(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("got OpenAPI version %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestSpecMatchesSchema checks that the string bounds the spec publishes for
// create bodies are the column sizes ent derives from the schema's MaxLen.
func TestSpecMatchesSchema(t *testing.T) {
	doc := loadSpec(t)
	checked := 0
	for _, table := range migrate.Tables {
		item := doc.Paths.Value("/" + table.Name)
		if item == nil || item.Post == nil {
			continue // the join table has no route
		}
		body := item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
		if len(body.OneOf) > 0 {
			body = body.OneOf[0].Value // one item, or an array of them
		}
		for _, c := range table.Columns {
			if c.Type != field.TypeString || c.Size == 0 || c.Size >= 1<<31-1 {
				continue
			}
			prop := body.Properties[c.Name]
			if prop == nil {
				t.Errorf("%s.%s: not in the create body", table.Name, c.Name)
				continue
			}
			if prop.Value.MaxLength == nil || *prop.Value.MaxLength != uint64(c.Size) {
				t.Errorf("%s.%s: spec maxLength %v, want the column size %d", table.Name, c.Name, prop.Value.MaxLength, c.Size)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("checked %d bounded string columns, want the 5 of the schema", checked)
	}
}

// TestSpecShape checks, in every committed spec (the blog's and the
// corpus graphs'), what generators and linters rely on: a server; each
// operation's default response is the Problem; every request body is a
// named component schema with a description; no $ref has siblings
// (OpenAPI 3.0 ignores them); security is optional (the default server is
// open); problems are application/problem+json.
func TestSpecShape(t *testing.T) {
	files, err := filepath.Glob("../ent/restgen/corpus/*/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range append(files, "openapi.json") {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var raw any
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			var walk func(v any, at string)
			walk = func(v any, at string) {
				switch v := v.(type) {
				case map[string]any:
					if _, ok := v["$ref"]; ok && len(v) > 1 {
						t.Errorf("%s: $ref with siblings %v", at, slices.Sorted(maps.Keys(v)))
					}
					for k, c := range v {
						walk(c, at+"/"+k)
					}
				case []any:
					for i, c := range v {
						walk(c, fmt.Sprintf("%s/%d", at, i))
					}
				}
			}
			walk(raw, "#")
			doc, err := openapi3.NewLoader().LoadFromData(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Servers) == 0 {
				t.Error("no servers")
			}
			if p := doc.Components.Responses["Problem"]; p == nil || p.Value.Content.Get("application/problem+json") == nil {
				t.Error("no Problem response as application/problem+json")
			}
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					if d := op.Responses.Default(); d == nil || d.Ref != "#/components/responses/Problem" {
						t.Errorf("%s %s: default response is not the Problem", method, path)
					}
					if op.Security == nil || !slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }) {
						t.Errorf("%s %s: security %v does not allow no token", method, path, op.Security)
					}
					if rb := op.RequestBody; rb != nil {
						media := rb.Value.Content.Get("application/json")
						named := media != nil && (media.Schema.Ref != "" || len(media.Schema.Value.OneOf) > 0 &&
							!slices.ContainsFunc(media.Schema.Value.OneOf, func(s *openapi3.SchemaRef) bool { return s.Ref == "" }))
						if rb.Value.Description == "" || !named {
							t.Errorf("%s %s: request body without a description or a named schema", method, path)
						}
					}
				}
			}
		})
	}
}
