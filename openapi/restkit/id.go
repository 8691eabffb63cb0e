package restkit

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/go-faster/jx"
	"github.com/google/uuid"
	"github.com/lib/pq"
)

// ID is the Go type of an entity's id: ent's int (the default), int64,
// string and UUID ids.
type ID interface {
	int | int64 | string | uuid.UUID
}

// ParseID parses the text of an id, saying what was expected when it is
// not one.
func ParseID[T ID](s string) (T, error) {
	var id T
	var err error
	switch p := any(&id).(type) {
	case *int:
		*p, err = strconv.Atoi(s)
	case *int64:
		*p, err = strconv.ParseInt(s, 10, 64)
	case *string:
		*p = s
	case *uuid.UUID:
		*p, err = uuid.Parse(s)
	}
	if err != nil {
		return id, fmt.Errorf("expected %s, got %q", idForm[T](), s)
	}
	return id, nil
}

// idForm describes the text of an id of type T, for error messages.
func idForm[T ID]() string {
	var id T
	switch any(id).(type) {
	case int, int64:
		return "an integer id"
	case uuid.UUID:
		return "a UUID id (such as 123e4567-e89b-12d3-a456-426614174000)"
	}
	return "an id"
}

// PathID returns the path parameter "id" of r as an id of type T; a value
// that is not one is a 400 naming the form expected.
func PathID[T ID](r *http.Request) (T, error) {
	raw, err := pathParam(r, chi.URLParam(r, "id"))
	if err == nil {
		var id T
		if id, err = ParseID[T](raw); err == nil {
			return id, nil
		}
	}
	var zero T
	return zero, NewError(http.StatusBadRequest, "invalid request", FieldError{In: "path", Field: "id", Message: fmt.Sprintf("expected %s", idForm[T]())})
}

// CompareIDs orders ids: numbers by value, strings and UUIDs by their bytes
// (the order of both databases' indexes).
func CompareIDs[T ID](a, b T) int {
	switch a := any(a).(type) {
	case int:
		return cmp.Compare(a, any(b).(int))
	case int64:
		return cmp.Compare(a, any(b).(int64))
	case string:
		return cmp.Compare(a, any(b).(string))
	case uuid.UUID:
		b := any(b).(uuid.UUID)
		return bytes.Compare(a[:], b[:])
	}
	return 0
}

// ReadID reads an id from a JSON body.
func ReadID[T ID](d *jx.Decoder) (T, error) {
	var id T
	var err error
	switch p := any(&id).(type) {
	case *int:
		*p, err = d.Int()
	case *int64:
		*p, err = d.Int64()
	case *string:
		*p, err = d.Str()
	case *uuid.UUID:
		var s string
		if s, err = d.Str(); err == nil {
			*p, err = uuid.Parse(s)
		}
	}
	return id, err
}

// JSONID writes an id as encoding/json would.
func JSONID[T ID](e *jx.Encoder, id T) {
	switch v := any(id).(type) {
	case int:
		e.Int(v)
	case int64:
		e.Int64(v)
	case string:
		JSONString(e, v)
	case uuid.UUID:
		e.Str(v.String())
	}
}

// idsValue is the one argument carrying ids to a statement: an array on
// PostgreSQL (compared with = ANY), a JSON array on SQLite (json_each).
func idsValue[T ID](d string, ids []T) any {
	switch ids := any(ids).(type) {
	case []int:
		if d == "postgres" {
			a := make(pq.Int64Array, len(ids))
			for i, id := range ids {
				a[i] = int64(id)
			}
			return a
		}
		b := make([]byte, 0, 2+8*len(ids))
		b = append(b, '[')
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(id), 10)
		}
		return string(append(b, ']'))
	case []int64:
		if d == "postgres" {
			return pq.Int64Array(ids)
		}
	case []string:
		if d == "postgres" {
			return pq.StringArray(ids)
		}
	case []uuid.UUID:
		if d == "postgres" {
			a := make(pq.StringArray, len(ids))
			for i, id := range ids {
				a[i] = id.String()
			}
			return a
		}
	}
	b, _ := json.Marshal(ids) // numbers, strings, UUIDs as strings
	return string(b)
}

// pgArrayOf is, for one column of pairs, the PostgreSQL array of its values
// and the array type to cast it to.
func pgArrayOf(pairs [][2]any, col int) (any, string) {
	if len(pairs) == 0 {
		return pq.Int64Array{}, "bigint[]"
	}
	switch pairs[0][col].(type) {
	case int, int64:
		a := make(pq.Int64Array, len(pairs))
		for i, p := range pairs {
			switch v := p[col].(type) {
			case int:
				a[i] = int64(v)
			case int64:
				a[i] = v
			}
		}
		return a, "bigint[]"
	}
	a := make(pq.StringArray, len(pairs))
	cast := "text[]"
	for i, p := range pairs {
		if _, ok := p[col].(uuid.UUID); ok {
			cast = "uuid[]"
		}
		a[i] = fmt.Sprint(p[col])
	}
	return a, cast
}
