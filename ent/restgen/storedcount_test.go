package restgen

import (
	"strings"
	"testing"

	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
)

// TestStoredCountRules: a count the database keeps (annotation.CountOf) is
// a required, immutable int with a default, of an edge to many or of a
// one-to-one edge whose key the other table holds; anything
// else is refused at generation, naming the rule. An accepted one leaves
// the spec (entoas skips it): responses carry it as the edge's count.
func TestStoredCountRules(t *testing.T) {
	owner := &gen.Type{Name: "User", Edges: []*gen.Edge{
		{Name: "posts"},
		{Name: "profile", Unique: true, Rel: gen.Relation{Type: gen.O2O}},
		{Name: "manager", Unique: true, Rel: gen.Relation{Type: gen.M2O}, Inverse: "reports"},
		{Name: "account", Unique: true, Rel: gen.Relation{Type: gen.O2O}, Inverse: "owner"},
	}}
	count := func(edit func(f *gen.Field)) *gen.Field {
		f := &gen.Field{Name: "posts_count", Type: &field.TypeInfo{Type: field.TypeInt}, Default: true, Immutable: true,
			Annotations: gen.Annotations{annotation.Name: annotation.CountOf("posts")}}
		if edit != nil {
			edit(f)
		}
		return f
	}
	for _, tc := range []struct {
		name string
		f    *gen.Field
		want string // in the error; "" for accepted
	}{
		{"accepted", count(nil), ""},
		{"string", count(func(f *gen.Field) { f.Type = &field.TypeInfo{Type: field.TypeString} }), "int or int64"},
		{"optional", count(func(f *gen.Field) { f.Optional = true }), "Immutable()"},
		{"no default", count(func(f *gen.Field) { f.Default = false }), "Default(0)"},
		{"mutable", count(func(f *gen.Field) { f.Immutable = false }), "Immutable()"},
		{"one to one, key in the other table", count(func(f *gen.Field) { f.Annotations[annotation.Name] = annotation.CountOf("profile") }), ""},
		{"many to one", count(func(f *gen.Field) { f.Annotations[annotation.Name] = annotation.CountOf("manager") }), `no edge "manager" to many`},
		{"one to one, key in this table", count(func(f *gen.Field) { f.Annotations[annotation.Name] = annotation.CountOf("account") }), `no edge "account" to many`},
		{"no such edge", count(func(f *gen.Field) { f.Annotations[annotation.Name] = annotation.CountOf("likes") }), `no edge "likes"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := hideStoredCount(owner, tc.f)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			case tc.want == "":
				ant, err := entoas.FieldAnnotation(tc.f)
				if err != nil || !ant.Skip {
					t.Errorf("the count is in the spec (entoas annotation %+v, %v)", ant, err)
				}
			}
		})
	}
}
