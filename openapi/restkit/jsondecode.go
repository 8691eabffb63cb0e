package restkit

import (
	"encoding/json"
	"time"

	"github.com/go-faster/jx"
)

// JSONDecoder is a request body that reads itself without reflection: the
// generated create bodies do, into the values encoding/json would give them
// for a body the spec has validated (Decode uses it).
type JSONDecoder interface {
	DecodeJSON(d *jx.Decoder) error
}

// Reader reads one JSON value of type T.
type Reader[T any] func(d *jx.Decoder) (T, error)

// ReadString reads a string.
func ReadString(d *jx.Decoder) (string, error) { return d.Str() }

// ReadInt reads an int.
func ReadInt(d *jx.Decoder) (int, error) { return d.Int() }

// ReadBool reads a bool.
func ReadBool(d *jx.Decoder) (bool, error) { return d.Bool() }

// ReadFloat reads a float64.
func ReadFloat(d *jx.Decoder) (float64, error) { return d.Float64() }

// ReadTime reads a time as encoding/json does: an RFC 3339 string.
func ReadTime(d *jx.Decoder) (time.Time, error) {
	s, err := d.Str()
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339, s)
}

// ReadStringAs reads a string into a named string type (an ent enum).
func ReadStringAs[T ~string](d *jx.Decoder) (T, error) {
	s, err := d.Str()
	return T(s), err
}

// ReadAny reads a value through encoding/json: the fallback for field types
// the generated decoders do not read themselves.
func ReadAny[T any](d *jx.Decoder) (T, error) {
	var v T
	raw, err := d.Raw()
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(raw, &v)
}

// ReadObject reads a generated body type.
func ReadObject[T any, P interface {
	*T
	JSONDecoder
}](d *jx.Decoder) (T, error) {
	var v T
	err := P(&v).DecodeJSON(d)
	return v, err
}

// Read reads a value with read into *p.
func Read[T any](d *jx.Decoder, p *T, read Reader[T]) error {
	v, err := read(d)
	*p = v
	return err
}

// ReadPtr reads an optional property into *p: nil for null, as
// encoding/json leaves it.
func ReadPtr[T any](d *jx.Decoder, p **T, read Reader[T]) error {
	if d.Next() == jx.Null {
		*p = nil
		return d.Null()
	}
	v, err := read(d)
	*p = &v
	return err
}

// ReadSlice reads a list into *p: nil for null, as encoding/json leaves it.
func ReadSlice[T any](d *jx.Decoder, p *[]T, read Reader[T]) error {
	if d.Next() == jx.Null {
		*p = nil
		return d.Null()
	}
	s := make([]T, 0, 4)
	err := d.Arr(func(d *jx.Decoder) error {
		v, err := read(d)
		s = append(s, v)
		return err
	})
	*p = s
	return err
}
