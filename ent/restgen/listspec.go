package restgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/entblog/blog/openapi/restkit"
	"github.com/ogen-go/ogen"
)

// maxTextParam bounds the length of a text filter value in the spec; the
// other limits it publishes are the list engine's own (restkit.MaxInValues,
// restkit.MaxSortKeys).
const maxTextParam = 200

// listParameters adds to the spec's components the list parameters of e:
// one filter per field and operator, edge filters, sort, q, count, or and
// cursor. It returns the references a list of e takes.
func listParameters(spec *ogen.Spec, e *Entity) []*ogen.Parameter {
	var refs []*ogen.Parameter
	add := func(p *ogen.Parameter) {
		key := e.Name + "." + p.Name
		spec.AddParameter(key, p.InQuery())
		refs = append(refs, ogen.NewParameter().SetRef("#/components/parameters/"+key))
	}
	add(ogen.NewParameter().
		SetName("cursor").
		SetDescription("Continue after the page that returned this next_cursor (keyset pagination; not combined with page).").
		SetSchema(ogen.String().SetMaxLength(ptr(uint64(1000)))))
	sortable := []string{"id"}
	for _, f := range e.Filterable() {
		sortable = append(sortable, f.Name)
	}
	for _, c := range e.Counted() {
		sortable = append(sortable, c.CountName())
	}
	add(ogen.NewParameter().
		SetName("sort").
		SetDescription(fmt.Sprintf("Comma-separated fields to sort by, descending with a leading -, at most %d; id always breaks ties; NULLs come last. Fields: %s.",
			restkit.MaxSortKeys, strings.Join(sortable, ", "))).
		SetSchema(ogen.String().SetPattern(fmt.Sprintf(`^-?[A-Za-z0-9_]+(,-?[A-Za-z0-9_]+){0,%d}$`, restkit.MaxSortKeys-1))))
	var text []string
	for _, f := range e.Filterable() {
		if f.Kind() == "KindString" {
			text = append(text, f.Name)
		}
	}
	if len(text) > 0 {
		add(ogen.NewParameter().
			SetName("q").
			SetDescription(fmt.Sprintf("Search: rows where %s contains the text, ignoring case.", strings.Join(text, " or "))).
			SetSchema(ogen.String().SetMinLength(ptr(uint64(1))).SetMaxLength(ptr(uint64(100)))))
	}
	if len(e.Counted()) > 0 {
		add(countParameter(e))
	}
	add(ogen.NewParameter().
		SetName("or").
		SetDescription("Any of the conditions: or=(name.eq.alice,email.contains.example). A condition is a filter parameter name, a dot and its value; " +
			"quote a value holding a comma or parenthesis in double quotes; separate in values with |. It is ANDed with the other filters.").
		SetSchema(ogen.String().SetMaxLength(ptr(uint64(1000)))))
	for _, f := range append([]*Field{e.ID}, e.Filterable()...) {
		for _, op := range fieldOps(f) {
			add(filterParameter(f.Name, op, f, ""))
		}
	}
	for _, c := range e.Counted() {
		f := &Field{Name: c.CountName(), Type: "int"}
		for _, op := range []string{"eq", "neq", "gt", "gte", "lt", "lte"} {
			add(filterParameter(c.CountName(), op, f, fmt.Sprintf(" (the number of %s, as GROUP BY … HAVING would count them)", c.Name)))
		}
	}
	for _, edge := range e.Edges {
		add(ogen.NewParameter().
			SetName("has_" + edge.Name).
			SetDescription(fmt.Sprintf("true: only %ss that have %s; false: only those without.", e.Label, article(edge))).
			SetSchema(ogen.Bool()))
	}
	for _, p := range e.EdgePaths() {
		for _, f := range p.Target.Filterable() {
			if f.Kind() != "KindString" {
				continue
			}
			for _, op := range []string{"eq", "in", "contains", "prefix"} {
				add(filterParameter(p.Path+"."+f.Name, op, f,
					fmt.Sprintf(" (on the %s reached through %s: %ss having at least one that matches)", p.Target.Label, p.Path, e.Label)))
			}
		}
	}
	return refs
}

// countParameter is the count parameter of e's reads and lists.
func countParameter(e *Entity) *ogen.Parameter {
	var names []string
	for _, c := range e.Counted() {
		names = append(names, c.Name)
	}
	return ogen.NewParameter().
		SetName("count").
		SetDescription(fmt.Sprintf("Comma-separated list edges whose number of rows to add to each %s as EDGE_count: %s.", e.Label, strings.Join(names, ", "))).
		SetSchema(ogen.String().SetPattern(`^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$`).SetMaxLength(ptr(uint64(maxTextParam))))
}

func article(edge *Edge) string {
	if edge.Unique {
		return "a " + edge.Name
	}
	return edge.Name
}

// fieldOps are the operators of a field, as restkit implements them.
func fieldOps(f *Field) []string {
	rf := restkit.Field{Kind: f.kind(), Column: f.Name, Nullable: f.Nillable}
	return rf.Ops()
}

// filterParameter is the query parameter PATH.OP.
func filterParameter(path, op string, f *Field, where string) *ogen.Parameter {
	value := kindSchema(f)
	if f.Enum && (op == "eq" || op == "neq" || op == "in") {
		// Typed for generated clients: one of the enum's values.
		var values []json.RawMessage
		for _, v := range f.Values {
			raw, _ := json.Marshal(v) // a string always marshals
			values = append(values, raw)
		}
		value = ogen.String().SetEnum(values)
	}
	desc := map[string]string{
		"eq": "equals", "neq": "differs from", "in": "is one of (comma-separated, at most 100)",
		"gt": "is greater than", "gte": "is at least", "lt": "is less than", "lte": "is at most",
		"contains": "contains, ignoring case,", "prefix": "starts with, ignoring case,",
		"before": "is before", "after": "is after", "is_null": "is null (true) or set (false)",
	}[op]
	p := ogen.NewParameter().
		SetName(path + "." + op).
		SetDescription(fmt.Sprintf("%s %s the value%s.", path, desc, where))
	switch op {
	case "in":
		p.SetSchema(value.AsArray().SetMaxItems(ptr(uint64(restkit.MaxInValues)))).SetStyle("form").SetExplode(false)
	case "is_null":
		p.SetSchema(ogen.Bool())
	default:
		p.SetSchema(value)
	}
	return p
}

// kindSchema is the schema of a filter value of f.
func kindSchema(f *Field) *ogen.Schema {
	switch f.Kind() {
	case "KindInt":
		return ogen.Int64()
	case "KindFloat":
		return ogen.Double()
	case "KindBool":
		return ogen.Bool()
	case "KindTime":
		return ogen.DateTime()
	case "KindUUID":
		return ogen.UUID()
	}
	return ogen.String().SetMaxLength(ptr(uint64(maxTextParam)))
}

// listSchema adds the list envelope schema of e and returns its reference.
func listSchema(spec *ogen.Spec, e *Entity) *ogen.Schema {
	spec.AddSchema(e.Name+"List", ogen.NewSchema().
		SetDescription(fmt.Sprintf("A page of %ss.", e.Label)).
		AddRequiredProperties(
			spec.RefSchema(e.Name).Schema.AsArray().SetDescription("The page.").ToProperty("items"),
		).
		AddOptionalProperties(
			ogen.Int().SetDescription("The number of rows matching the filters, over all pages: "+
				"exact up to "+strconv.Itoa(restkit.EstimateAbove)+" and PostgreSQL's estimate beyond by default (Prefer: count=estimated), "+
				"exact with Prefer: count=exact, the estimate with Prefer: count=planned, absent with Prefer: count=none.").ToProperty("total"),
			ogen.String().SetDescription("Pass as cursor to get the next page; absent on the last page.").ToProperty("next_cursor"),
		))
	return spec.RefSchema(e.Name + "List").Schema
}
