package openapi_test

import (
	"context"
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
