package restkit

import (
	"fmt"
	"net/http"
	"strings"

	"entgo.io/ent/dialect/sql"
)

// MaxBulk bounds the rows one bulk write (DELETE of a collection by
// filter) may change: a filter that selects more is refused and nothing is
// changed, so no single request can rewrite a table.
const MaxBulk = 1000

// Deleted is the answer of a bulk delete: how many rows it deleted.
type Deleted struct {
	Deleted int `json:"deleted"`
}

// Updated is the answer of a bulk update: how many rows it updated.
type Updated struct {
	Updated int `json:"updated"`
}

// Filtered reports whether l has a filter, a search or an or group: a bulk
// write needs one.
func (l *List) Filtered() bool { return len(l.Where) > 0 }

// NeedsFilter is the 400 of a bulk write (verb: "delete", "update") sent
// without a filter.
func NeedsFilter(verb, label string) *Error {
	return NewError(http.StatusBadRequest, fmt.Sprintf("a filter is required to %s %ss in bulk (such as ?id.in=1,2,3)", verb, label),
		FieldError{In: "query", Message: "expected at least one filter parameter"})
}

// TooBroad is the 400 of a bulk write whose filter selects more than
// MaxBulk rows; the transaction that found it rolls back.
func TooBroad(verb, label string) *Error {
	return NewError(http.StatusBadRequest, fmt.Sprintf("the filter selects more than %d %ss; narrow it (nothing was %sd)", MaxBulk, label, strings.TrimSuffix(verb, "e")),
		FieldError{In: "query", Message: fmt.Sprintf("expected a filter selecting at most %d rows", MaxBulk)})
}

// Bounded is a predicate keeping the rows of table that l's filters select,
// the first n by id: a bulk write takes MaxBulk+1 of them, and more than
// MaxBulk means the filter is too broad.
func Bounded(d, table string, l *List, n int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		b := sql.Dialect(d)
		t := b.Table(table)
		ids := b.Select(t.C("id")).From(t)
		l.Filter(ids)
		ids.OrderBy(t.C("id")).Limit(n)
		s.Where(sql.In(s.C("id"), ids))
	}
}
