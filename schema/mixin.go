// Package schema holds the ent schemas of the blog graph: User, Profile, Post and Tag.
//
// They are the single source of truth: `go generate ./...` derives the ent client,
// the OpenAPI spec and the REST layer from them.
package schema

import (
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin adds created_at and updated_at to a schema. Both are set by the
// server and read-only through the API; updated_at changes on every update.
type TimeMixin struct {
	mixin.Schema
}

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Annotations(entoas.ReadOnly(true)),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Annotations(entoas.ReadOnly(true)),
	}
}

// now is the current time at the precision every database keeps
// (microseconds), so a value reads back as it was written.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}
