package restkit

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"entgo.io/ent/dialect/sql"
	"github.com/go-faster/jx"
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

// MaxCreate bounds the items of one bulk create (POST of a JSON array to a
// collection): each is created with its nested children in the one
// transaction, so the bound keeps a request's statements and time bounded.
const MaxCreate = 100

// IsArray reports whether the body of r, which API.Op has read and checked,
// is a JSON array: a bulk create rather than a create of one.
func IsArray(r *http.Request) bool {
	if r.GetBody == nil {
		return false
	}
	body, err := r.GetBody()
	if err != nil {
		return false
	}
	defer body.Close()
	var buf [64]byte
	for {
		n, err := body.Read(buf[:])
		for _, c := range buf[:n] {
			switch c {
			case ' ', '\t', '\n', '\r':
				continue
			}
			return c == '['
		}
		if err != nil {
			return false
		}
	}
}

// DecodeMany decodes the (already validated) JSON array body of r, each
// item a generated body type that reads itself.
func DecodeMany[T any, P interface {
	*T
	JSONDecoder
}](r *http.Request) ([]T, error) {
	var items decodeItems[T, P]
	if err := Decode(r, &items); err != nil {
		return nil, err
	}
	return items.v, nil
}

// decodeItems reads a JSON array of T.
type decodeItems[T any, P interface {
	*T
	JSONDecoder
}] struct{ v []T }

func (s *decodeItems[T, P]) DecodeJSON(d *jx.Decoder) error {
	return d.Arr(func(d *jx.Decoder) error {
		var v T
		if err := P(&v).DecodeJSON(d); err != nil {
			return err
		}
		s.v = append(s.v, v)
		return nil
	})
}

// Items is a JSON array of generated API values (the answer of a bulk
// create), written with their own encoders.
type Items[T JSONEncoder] []T

// EncodeJSON implements JSONEncoder.
func (s Items[T]) EncodeJSON(e *jx.Encoder) {
	e.ArrStart()
	for _, v := range s {
		v.EncodeJSON(e)
	}
	e.ArrEnd()
}

// AtItem says that err concerns item i of a bulk create: the error
// response names the item in its detail and prefixes its body fields with
// the index ("2.email"), as the validation of the array does.
func AtItem(i int, err error) error {
	if err == nil {
		return nil
	}
	return &itemError{i: i, err: err}
}

// itemError is an error about one item of a bulk request.
type itemError struct {
	i   int
	err error
}

func (e *itemError) Error() string { return fmt.Sprintf("item %d: %v", e.i, e.err) }
func (e *itemError) Unwrap() error { return e.err }

// atItem rewrites e, the problem of a request whose item failed with
// cause, to name the item.
func atItem(e *Error, cause error) *Error {
	var ie *itemError
	if !errors.As(cause, &ie) {
		return e
	}
	c := *e
	c.Detail = fmt.Sprintf("item %d: %s", ie.i, e.Detail)
	c.Errors = make([]FieldError, len(e.Errors))
	for i, f := range e.Errors {
		if f.In == "body" {
			f.Field = strings.TrimSuffix(fmt.Sprintf("%d.%s", ie.i, f.Field), ".")
		}
		c.Errors[i] = f
	}
	return &c
}
