package restkit

import (
	"bytes"
	"encoding/json"
)

// Nullable is a body property that can be absent, null, or a value, for
// partial updates (PATCH) where "absent" keeps the stored value and null
// clears it. Use it with the omitzero JSON tag option.
type Nullable[T any] struct {
	// Value is the value when Set and not Null.
	Value T
	// Set reports whether the property was present.
	Set bool
	// Null reports whether it was present as null.
	Null bool
}

// Value returns a Nullable holding v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{Value: v, Set: true} }

// Null returns a Nullable holding null.
func Null[T any]() Nullable[T] { return Nullable[T]{Set: true, Null: true} }

// IsZero reports whether the property is absent (for omitzero).
func (n Nullable[T]) IsZero() bool { return !n.Set }

// MarshalJSON implements json.Marshaler.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Set || n.Null {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// UnmarshalJSON implements json.Unmarshaler; it is only called when the
// property is present.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// Replace is a list property of a partial update that, when set, replaces
// the current list; absent (the zero value) keeps it. Use it with the
// omitzero JSON tag option. A set Replace always encodes as a list, never null.
type Replace[T any] struct {
	// Items is the new list.
	Items []T
	// Set reports whether the property is present.
	Set bool
}

// ReplaceWith returns a Replace setting the list to items (none for empty).
func ReplaceWith[T any](items ...T) Replace[T] { return Replace[T]{Items: items, Set: true} }

// IsZero reports whether the property is absent (for omitzero).
func (r Replace[T]) IsZero() bool { return !r.Set }

// MarshalJSON implements json.Marshaler.
func (r Replace[T]) MarshalJSON() ([]byte, error) {
	if r.Items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(r.Items)
}

// UnmarshalJSON implements json.Unmarshaler; it is only called when the
// property is present.
func (r *Replace[T]) UnmarshalJSON(b []byte) error {
	r.Set = true
	return json.Unmarshal(b, &r.Items)
}
