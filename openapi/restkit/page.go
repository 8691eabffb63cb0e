package restkit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
)

// parseSort parses "-posts_count,name": fields, descending with a leading -.
func (l *List) parseSort(raw string) error {
	names := strings.Split(raw, ",")
	if len(names) > MaxSortKeys {
		return fmt.Errorf("at most %d sort keys", MaxSortKeys)
	}
	for _, n := range names {
		desc := strings.HasPrefix(n, "-")
		name := strings.TrimPrefix(n, "-")
		f := l.entity.Fields[name]
		if f == nil {
			return fmt.Errorf("a %s has no field %q to sort by", l.entity.Name, name)
		}
		l.sort = append(l.sort, sortKey{name: name, field: f, desc: desc})
	}
	l.spec = raw
	return nil
}

// Filter applies the filters, the or group and the search to s.
func (l *List) Filter(s *sql.Selector) {
	for _, p := range l.Where {
		p(s)
	}
}

// Page limits s to the page: its rows and one more, which tells whether a
// next page exists (see Paginate).
func (l *List) Page(s *sql.Selector) {
	s.Limit(l.Limit + 1)
	if l.Offset > 0 {
		s.Offset(l.Offset)
	}
}

// Order orders s by the sort keys, NULLs last in either direction (the same
// on every database), then by id.
func (l *List) Order(s *sql.Selector) {
	for _, k := range l.sort {
		e := k.field.expr(s)
		if k.field.Nullable {
			s.OrderExprFunc(func(b *sql.Builder) { b.Join(e).WriteString(" IS NULL") })
		}
		s.OrderExprFunc(func(b *sql.Builder) {
			b.Join(e)
			if k.desc {
				b.WriteString(" DESC")
			}
		})
	}
	s.OrderBy(s.C("id"))
}

// SelectCounts returns a modifier selecting the count fields names of e.
func SelectCounts(e *Entity, names []string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		for _, n := range names {
			if f := e.Fields[n]; !f.Stored { // a stored count is a column of the row
				s.AppendSelectExprAs(f.expr(s), n)
			}
		}
	}
}

// ParseCounts parses the count parameter ("posts,tags") of a read.
func ParseCounts(raw string, e *Entity) ([]string, error) {
	l, err := ParseList(map[string][]string{"count": {raw}}, e, 1)
	if err != nil {
		return nil, err
	}
	return l.Counts, nil
}

// After restricts s to the rows after the cursor (keyset pagination): a
// deep page costs what the first page costs. It is a no-op without cursor.
func (l *List) After(s *sql.Selector) {
	if l.after != nil {
		s.Where(l.keyset(s, 0))
	}
}

// keyset is "the row comes after the cursor" from sort key i on.
func (l *List) keyset(s *sql.Selector, i int) *sql.Predicate {
	if i == len(l.sort) {
		return sql.GT(s.C("id"), l.after.id)
	}
	k, v := l.sort[i], l.after.Keys[i]
	e := k.field.expr(s)
	isNull := sql.P(func(b *sql.Builder) { b.Join(e).WriteString(" IS NULL") })
	rest := l.keyset(s, i+1)
	if v == nil {
		// NULLs sort last: after a NULL come only NULLs with a greater id.
		return sql.And(isNull, rest)
	}
	op := sql.OpGT
	if k.desc {
		op = sql.OpLT
	}
	beyond := sql.P(func(b *sql.Builder) { b.Join(e).WriteOp(op).Arg(v) })
	if k.field.Nullable {
		beyond = sql.Or(beyond, isNull)
	}
	equal := sql.P(func(b *sql.Builder) { b.Join(e).WriteOp(sql.OpEQ).Arg(v) })
	return sql.Or(beyond, sql.And(equal, rest))
}

// cursor is the position after the last row of a page: its sort key values
// and id, with the sort they belong to.
type cursor struct {
	Sort string `json:"s"`
	Keys []any  `json:"k"`
	ID   any    `json:"id"`
	// id is ID as the id column's Go type.
	id any
}

func (l *List) decodeCursor(raw string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	c := &cursor{}
	if err != nil || json.Unmarshal(b, c) != nil {
		return nil, fmt.Errorf("malformed cursor")
	}
	if c.Sort != l.spec || len(c.Keys) != len(l.sort) {
		return nil, fmt.Errorf("the cursor belongs to another sort; keep sort as it was")
	}
	idField := l.entity.Fields["id"]
	if idField == nil || c.ID == nil {
		return nil, fmt.Errorf("malformed cursor")
	}
	if c.id, err = idField.fromJSON(c.ID); err != nil {
		return nil, fmt.Errorf("malformed cursor")
	}
	for i, k := range l.sort {
		if c.Keys[i] == nil {
			if !k.field.Nullable {
				return nil, fmt.Errorf("malformed cursor")
			}
			continue
		}
		v, err := k.field.fromJSON(c.Keys[i])
		if err != nil {
			return nil, fmt.Errorf("malformed cursor")
		}
		c.Keys[i] = v
	}
	return c, nil
}

// fromJSON converts a decoded cursor value to the field's Go type.
func (f *Field) fromJSON(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		if f.Kind == KindInt {
			return int64(x), nil
		}
		if f.Kind == KindFloat {
			return x, nil
		}
	case string:
		if f.Kind == KindString || f.Kind == KindTime || f.Kind == KindUUID {
			return f.parse(x)
		}
	case bool:
		if f.Kind == KindBool {
			return x, nil
		}
	}
	return nil, fmt.Errorf("wrong type")
}

// toJSON normalizes a value the database returned for a cursor.
func (f *Field) toJSON(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		v = string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	}
	if s, ok := v.(string); ok && f.Kind == KindTime {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano), nil
			}
		}
		return nil, fmt.Errorf("unreadable time %q", s)
	}
	return v, nil
}

// Paginate trims rows (fetched with Limit+1) to the page and returns the
// cursor of the next page, or "" on the last one. value reads a field (or a
// selected count) of a row by name; id its id.
func Paginate[T, V any, I ID](l *List, rows []T, value func(T, string) (V, error), id func(T) I) ([]T, string, error) {
	if len(rows) <= l.Limit {
		return rows, "", nil
	}
	rows = rows[:l.Limit]
	last := rows[len(rows)-1]
	c := cursor{Sort: l.spec, ID: id(last), Keys: make([]any, len(l.sort))}
	for i, k := range l.sort {
		v, err := value(last, k.name)
		if err != nil {
			return nil, "", err
		}
		if c.Keys[i], err = k.field.toJSON(any(v)); err != nil {
			return nil, "", err
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, "", err
	}
	return rows, base64.RawURLEncoding.EncodeToString(b), nil
}

// CountValue converts a count the database returned to an int.
func CountValue(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case int:
		return x
	case float64:
		return int(x)
	case []byte:
		var n int
		if _, err := fmt.Sscan(string(x), &n); err != nil {
			return 0
		}
		return n
	}
	return 0
}

// CountChildren returns a Field.Count counting the rows of table whose
// foreign key fk refers to the outer row (one-to-many edges).
func CountChildren(table, fk string) func(*sql.Selector) *sql.Selector {
	return func(s *sql.Selector) *sql.Selector {
		t := sql.Table(table).As("counted_" + table)
		return sql.Select(sql.Count("*")).From(t).Where(sql.ColumnsEQ(t.C(fk), s.C("id")))
	}
}

// CountLinks returns a Field.Count counting the rows of a join table whose
// column parentCol refers to the outer row (many-to-many edges).
func CountLinks(joinTable, parentCol string) func(*sql.Selector) *sql.Selector {
	return func(s *sql.Selector) *sql.Selector {
		t := sql.Table(joinTable).As("counted_" + joinTable)
		return sql.Select(sql.Count("*")).From(t).Where(sql.ColumnsEQ(t.C(parentCol), s.C("id")))
	}
}

// CountOver is a predicate: the count (see CountLinks) is greater than n.
func CountOver(count func(*sql.Selector) *sql.Selector, n int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		sub := count(s)
		s.Where(sql.P(func(b *sql.Builder) {
			b.Wrap(func(b *sql.Builder) { b.Join(sub) }).WriteOp(sql.OpGT).Arg(n)
		}))
	}
}
