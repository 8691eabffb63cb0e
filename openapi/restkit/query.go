package restkit

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"
)

// Kind is the type of a filterable value.
type Kind int

// The kinds of filterable values.
const (
	KindString Kind = iota
	KindInt
	KindFloat
	KindBool
	KindTime
	// KindUUID is a UUID: compared for equality only.
	KindUUID
)

// Field is a value of an entity that lists filter and sort by: a column, or
// the number of rows an edge leads to (posts_count).
type Field struct {
	Kind     Kind
	Column   string // for columns
	Nullable bool
	// Text fields are searched by q.
	Text bool
	// Count, for counts, returns the correlated subquery counting the edge's
	// rows for the row of the outer selector s.
	Count func(s *sql.Selector) *sql.Selector
	// Stored is set on a count the database keeps in Column (see
	// StoredCount): read, filtered and sorted as the column.
	Stored bool
}

// counts reports whether f is the row count of an edge, computed or stored.
func (f *Field) counts() bool { return f.Count != nil || f.Stored }

// Entity describes an entity to the list engine: the generated code builds
// one per schema type.
type Entity struct {
	Name   string
	Fields map[string]*Field
	Edges  map[string]*Edge
}

// Limits of list queries.
const (
	// MaxEdgeHops bounds the edges a filter path goes through.
	MaxEdgeHops = 2
	// MaxSortKeys bounds the keys of sort.
	MaxSortKeys = 4
	// MaxInValues bounds the values of an in filter.
	MaxInValues = 100
	// MaxOrTerms bounds the conditions of an or group.
	MaxOrTerms = 10
)

// opsOf lists the operators a field supports.
func opsOf(f *Field) []string {
	ops := []string{"eq", "neq"}
	if !f.counts() {
		ops = append(ops, "in")
	}
	if f.Kind != KindBool && f.Kind != KindUUID {
		ops = append(ops, "gt", "gte", "lt", "lte")
	}
	switch f.Kind {
	case KindString:
		ops = append(ops, "contains", "prefix")
	case KindTime:
		ops = append(ops, "before", "after")
	}
	if f.Nullable {
		ops = append(ops, "is_null")
	}
	return ops
}

// Ops lists the operators of f, for the spec generator and documentation.
func (f *Field) Ops() []string { return opsOf(f) }

// expr is the SQL expression of f in the query of s.
func (f *Field) expr(s *sql.Selector) sql.Querier {
	if f.Count != nil {
		sub := f.Count(s)
		return sql.ExprFunc(func(b *sql.Builder) { b.Wrap(func(b *sql.Builder) { b.Join(sub) }) })
	}
	return sql.Expr(s.C(f.Column))
}

// parse converts a query value to the field's Go type.
func (f *Field) parse(v string) (any, error) {
	switch f.Kind {
	case KindInt:
		return strconv.ParseInt(v, 10, 64)
	case KindFloat:
		return strconv.ParseFloat(v, 64)
	case KindBool:
		return strconv.ParseBool(v)
	case KindTime:
		return time.Parse(time.RFC3339Nano, v)
	case KindUUID:
		return uuid.Parse(v)
	}
	return v, nil
}

// predicate returns the condition "f op raw" on the rows of s.
func (f *Field) predicate(op, raw string) (func(*sql.Selector), error) {
	if !slices.Contains(opsOf(f), op) {
		return nil, fmt.Errorf("unknown operator %q (this field has %s)", op, strings.Join(opsOf(f), ", "))
	}
	switch op {
	case "is_null":
		isNull, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("is_null takes true or false")
		}
		return func(s *sql.Selector) {
			if isNull {
				s.Where(sql.IsNull(s.C(f.Column)))
			} else {
				s.Where(sql.NotNull(s.C(f.Column)))
			}
		}, nil
	case "contains", "prefix":
		return func(s *sql.Selector) {
			if op == "contains" {
				s.Where(sql.ContainsFold(s.C(f.Column), raw))
			} else {
				s.Where(sql.HasPrefixFold(s.C(f.Column), raw))
			}
		}, nil
	case "in":
		parts := strings.Split(raw, ",")
		if len(parts) > MaxInValues {
			return nil, fmt.Errorf("at most %d values", MaxInValues)
		}
		vs := make([]any, len(parts))
		for i, p := range parts {
			v, err := f.parse(p)
			if err != nil {
				return nil, fmt.Errorf("value %d has the wrong type", i+1)
			}
			vs[i] = v
		}
		return func(s *sql.Selector) { s.Where(sql.In(s.C(f.Column), vs...)) }, nil
	}
	v, err := f.parse(raw)
	if err != nil {
		return nil, fmt.Errorf("value has the wrong type")
	}
	cmp := map[string]sql.Op{
		"eq": sql.OpEQ, "neq": sql.OpNEQ,
		"gt": sql.OpGT, "gte": sql.OpGTE, "lt": sql.OpLT, "lte": sql.OpLTE,
		"after": sql.OpGT, "before": sql.OpLT,
	}[op]
	return func(s *sql.Selector) {
		e := f.expr(s)
		s.Where(sql.P(func(b *sql.Builder) { b.Join(e).WriteOp(cmp).Arg(v) }))
	}, nil
}

// condition resolves "path.op" (posts.tags.name.eq) against e and returns
// the condition with the value raw.
func (e *Entity) condition(param, raw string) (func(*sql.Selector), error) {
	if edge, ok := strings.CutPrefix(param, "has_"); ok && !strings.Contains(edge, ".") {
		ed := e.Edges[edge]
		if ed == nil {
			return nil, fmt.Errorf("a %s has no edge %q", e.Name, edge)
		}
		has, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("takes true or false")
		}
		return ed.has(nil, !has), nil
	}
	parts := strings.Split(param, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("a filter is FIELD.OPERATOR, such as name.eq")
	}
	op, path := parts[len(parts)-1], parts[:len(parts)-1]
	if len(path)-1 > MaxEdgeHops {
		return nil, fmt.Errorf("goes through %d edges; at most %d are allowed", len(path)-1, MaxEdgeHops)
	}
	return e.pathCondition(path, op, raw)
}

func (e *Entity) pathCondition(path []string, op, raw string) (func(*sql.Selector), error) {
	if len(path) == 1 {
		f := e.Fields[path[0]]
		if f == nil {
			return nil, fmt.Errorf("a %s has no field %q", e.Name, path[0])
		}
		return f.predicate(op, raw)
	}
	ed := e.Edges[path[0]]
	if ed == nil {
		return nil, fmt.Errorf("a %s has no edge %q", e.Name, path[0])
	}
	sub, err := ed.Target.pathCondition(path[1:], op, raw)
	if err != nil {
		return nil, err
	}
	return ed.has(sub, false), nil
}

// sortKey is one key of a sort: a field and a direction.
type sortKey struct {
	name  string
	field *Field
	desc  bool
}

// List is a parsed list request.
type List struct {
	// Where holds the filters, the or group and the search, all ANDed.
	Where []func(*sql.Selector)
	// Limit and Offset select the page (Offset is 0 with a cursor).
	Limit, Offset int
	// Counts are the count fields the response includes (posts_count).
	Counts []string
	// Count is how the total is computed (the Prefer header's count), and
	// CountAsked whether the client said.
	Count      CountMode
	CountAsked bool
	entity     *Entity
	sort       []sortKey
	spec       string // the sort as given, bound into cursors
	after      *cursor
}

// ParseList parses the list parameters of q for entity e. Parameters it
// does not know are the API's to reject (the spec lists every one).
func ParseList(q url.Values, e *Entity, defaultSize int) (*List, error) {
	l := &List{entity: e}
	var errs []FieldError
	bad := func(param, format string, args ...any) {
		errs = append(errs, FieldError{In: "query", Field: param, Message: fmt.Sprintf(format, args...)})
	}
	for param, values := range q {
		switch param {
		case "page", "itemsPerPage", "include", "cursor":
			continue
		case "deleted":
			continue // which rows of a soft-deleting entity: its handler's (softdelete.Show)
		case "sort":
			if err := l.parseSort(values[0]); err != nil {
				bad(param, "%v", err)
			}
		case "q":
			l.Where = append(l.Where, e.search(values[0]))
		case "count":
			for _, name := range strings.Split(values[0], ",") {
				if f := e.Fields[name+"_count"]; f == nil || !f.counts() {
					bad(param, "a %s has no list edge %q to count", e.Name, name)
					continue
				}
				l.Counts = append(l.Counts, name+"_count")
			}
		case "or":
			p, err := e.parseOr(values[0])
			if err != nil {
				bad(param, "%v", err)
				continue
			}
			l.Where = append(l.Where, p)
		default:
			for _, v := range values {
				p, err := e.condition(param, v)
				if err != nil {
					bad(param, "%v", err)
					break
				}
				l.Where = append(l.Where, p)
			}
		}
	}
	if l.sort == nil {
		l.sort = []sortKey{}
	}
	page, size := intParam(q, "page", 1), intParam(q, "itemsPerPage", defaultSize)
	l.Limit, l.Offset = size, (page-1)*size
	if c := q.Get("cursor"); c != "" {
		if q.Has("page") {
			bad("cursor", "cursor and page cannot be combined")
		}
		after, err := l.decodeCursor(c)
		if err != nil {
			bad("cursor", "%v", err)
		}
		l.after, l.Offset = after, 0
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, NewError(http.StatusBadRequest, "invalid request", errs...)
	}
	return l, nil
}

// search is the condition of q: any text field contains s, ignoring case.
func (e *Entity) search(s string) func(*sql.Selector) {
	var cols []string
	for _, f := range e.Fields {
		if f.Text {
			cols = append(cols, f.Column)
		}
	}
	slices.Sort(cols)
	return func(sel *sql.Selector) {
		ps := make([]*sql.Predicate, len(cols))
		for i, c := range cols {
			ps[i] = sql.ContainsFold(sel.C(c), s)
		}
		sel.Where(sql.Or(ps...))
	}
}

// parseOr parses "(name.eq.alice,email.contains.example)": any of the
// conditions. A condition is PATH.OPERATOR.VALUE; a value holding a comma or
// a parenthesis is written in double quotes; in takes values separated by |.
func (e *Entity) parseOr(raw string) (func(*sql.Selector), error) {
	inner, opened := strings.CutPrefix(raw, "(")
	inner, closed := strings.CutSuffix(inner, ")")
	if !opened || !closed || inner == "" {
		return nil, fmt.Errorf("write or=(COND,COND), a COND being FIELD.OPERATOR.VALUE")
	}
	terms, err := splitTerms(inner)
	if err != nil {
		return nil, err
	}
	if len(terms) > MaxOrTerms {
		return nil, fmt.Errorf("at most %d conditions", MaxOrTerms)
	}
	var ps []func(*sql.Selector)
	for _, t := range terms {
		p, err := e.orTerm(t)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", t, err)
		}
		ps = append(ps, p)
	}
	return sql.OrPredicates(ps...), nil
}

// orTerm parses one condition of an or group.
func (e *Entity) orTerm(t string) (func(*sql.Selector), error) {
	parts := strings.Split(t, ".")
	for k := 2; k < len(parts); k++ {
		param := strings.Join(parts[:k], ".")
		value := unquote(strings.Join(parts[k:], "."))
		if strings.HasSuffix(param, ".in") {
			value = strings.ReplaceAll(value, "|", ",")
		}
		if p, err := e.condition(param, value); err == nil {
			return p, nil
		} else if k == len(parts)-1 {
			return nil, err
		}
	}
	if len(parts) == 2 && strings.HasPrefix(parts[0], "has_") {
		return e.condition(parts[0], parts[1])
	}
	return nil, fmt.Errorf("write FIELD.OPERATOR.VALUE")
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// splitTerms splits on commas outside double quotes.
func splitTerms(s string) ([]string, error) {
	var terms []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ',' && !quoted:
			terms = append(terms, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced double quote")
	}
	return append(terms, cur.String()), nil
}
