package restgen

import (
	"strings"

	"github.com/stoewer/go-strcase"
)

// ClientFilter is one method of the typed filter builder the Go client has
// for an entity: Method(v Type) sets the query parameter Param.
type ClientFilter struct {
	// Method is the builder's method: NameContains, PostsCountGte, HasPosts.
	Method string
	// Param is the filter's query parameter: name.contains.
	Param string
	// Type is the Go type of the value.
	Type string
	// List is set for the in operator: the method takes ...Type.
	List bool
}

// ClientFilters are the filters of e's lists the spec publishes, as the
// typed builder's methods: each field's operators (id included), the count
// filters of its counted edges, and has_EDGE. Edge-path filters
// (posts.tags.name.eq) stay untyped: ListParams.Filter takes them.
func (e *Entity) ClientFilters() []ClientFilter {
	var out []ClientFilter
	method := func(goName, op string) string { return goName + strcase.UpperCamelCase(op) }
	for _, f := range append([]*Field{e.ID}, e.Filterable()...) {
		for _, op := range fieldOps(f) {
			cf := ClientFilter{Method: method(f.Go, op), Param: f.Name + "." + op, Type: f.Type, List: op == "in"}
			if op == "is_null" {
				cf.Type = "bool"
			}
			out = append(out, cf)
		}
	}
	for _, c := range e.Counted() {
		for _, op := range []string{"eq", "neq", "gt", "gte", "lt", "lte"} {
			out = append(out, ClientFilter{Method: method(strcase.UpperCamelCase(c.CountName()), op), Param: c.CountName() + "." + op, Type: "int"})
		}
	}
	for _, edge := range e.Edges {
		out = append(out, ClientFilter{Method: "Has" + strcase.UpperCamelCase(edge.Name), Param: "has_" + edge.Name, Type: "bool"})
	}
	return dedupMethods(out)
}

// dedupMethods drops a filter whose method name an earlier one took (a
// field named like another's operator form), so the builder compiles.
func dedupMethods(fs []ClientFilter) []ClientFilter {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		if key := strings.ToLower(f.Method); !seen[key] {
			seen[key] = true
			out = append(out, f)
		}
	}
	return out
}
