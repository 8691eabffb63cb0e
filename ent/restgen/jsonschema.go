package restgen

import (
	"fmt"
	"reflect"
	"strings"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
	"github.com/ogen-go/ogen"
)

// jsonSchemas is an entc extension that runs before entoas and gives each
// JSON field whose Go type entoas cannot describe (maps, structs, slices of
// them) a schema, unless the field has its own (entoas.Schema): an object
// whose values have the map's value type when that is a basic one, an
// object for a struct, an array for a slice. The REST layer reads and writes
// such values as encoding/json does.
type jsonSchemas struct{ entc.DefaultExtension }

// Hooks describes the JSON fields before the generators that follow run.
func (jsonSchemas) Hooks() []gen.Hook {
	return []gen.Hook{func(next gen.Generator) gen.Generator {
		return gen.GenerateFunc(func(g *gen.Graph) error {
			for _, n := range g.Nodes {
				for _, f := range n.Fields {
					if err := describeJSON(f); err != nil {
						return fmt.Errorf("field %s.%s: %w", n.Name, f.Name, err)
					}
					if err := hideStoredCount(n, f); err != nil {
						return fmt.Errorf("field %s.%s: %w", n.Name, f.Name, err)
					}
				}
			}
			return next.Generate(g)
		})
	}}
}

// describeJSON sets the schema of the JSON field f when entoas has none.
func describeJSON(f *gen.Field) error {
	if f.Type.Type != field.TypeJSON {
		return nil
	}
	if _, err := entoas.OgenSchema(f); err == nil {
		return nil
	}
	ant, err := entoas.FieldAnnotation(f)
	if err != nil {
		return err
	}
	ant.Schema = jsonValueSchema(f.Type).
		SetDescription(fmt.Sprintf("A JSON value (Go type %s).", f.Type))
	if f.Annotations == nil {
		f.Annotations = make(gen.Annotations)
	}
	f.Annotations[ant.Name()] = ant
	return nil
}

// hideStoredCount keeps a stored count (annotation.CountOf) out of the
// entity's schema: the database writes it, and responses carry it as the
// edge's count, when asked for (a one-to-one edge's, 0 or 1, only answers
// has_EDGE). It checks the field can hold the count.
func hideStoredCount(n *gen.Type, f *gen.Field) error {
	a, err := restAnnotation(f.Annotations)
	if err != nil || a.Counts == "" {
		return err
	}
	switch {
	case f.Type.Type != field.TypeInt && f.Type.Type != field.TypeInt64:
		return fmt.Errorf("a count (annotation.CountOf) is an int or int64 field, not %s", f.Type)
	case f.Optional || f.Nillable || !f.Default || !f.Immutable:
		return fmt.Errorf("a count (annotation.CountOf) is required, Default(0) and Immutable(): only the database writes it")
	}
	ed := edgeByName(n, a.Counts)
	if ed == nil || ed.Unique && (ed.Rel.Type != gen.O2O || ed.IsInverse()) {
		return fmt.Errorf("annotation.CountOf(%q): %s has no edge %q to many, nor one to one whose key the other table holds",
			a.Counts, n.Name, a.Counts)
	}
	ant, err := entoas.FieldAnnotation(f)
	if err != nil {
		return err
	}
	ant.Skip = true
	f.Annotations[ant.Name()] = ant
	return nil
}

// jsonValueSchema is the schema of a JSON value of Go type t.
func jsonValueSchema(t *field.TypeInfo) *ogen.Schema {
	ident := t.String()
	if value, ok := strings.CutPrefix(ident, "map[string]"); ok {
		s := ogen.NewSchema().SetType("object")
		if v := basicSchema(value); v != nil {
			s.AdditionalProperties = &ogen.AdditionalProperties{Schema: *v}
		}
		return s
	}
	if item, ok := strings.CutPrefix(ident, "[]"); ok {
		s := ogen.NewSchema().SetType("array")
		if v := basicSchema(item); v != nil {
			return v.AsArray()
		}
		return s
	}
	if t.RType != nil && t.RType.Kind == reflect.Struct {
		return ogen.NewSchema().SetType("object")
	}
	return ogen.NewSchema()
}

// basicSchema is the schema of a basic Go type, or nil for others.
func basicSchema(ident string) *ogen.Schema {
	switch ident {
	case "string":
		return ogen.String()
	case "bool":
		return ogen.Bool()
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return ogen.Int64()
	case "float32", "float64":
		return ogen.Double()
	}
	return nil
}
