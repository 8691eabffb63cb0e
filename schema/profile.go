package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Profile holds the schema definition for the Profile entity.
type Profile struct {
	ent.Schema
}

// Mixin of the Profile.
func (Profile) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimeMixin{},
	}
}

// Fields of the Profile.
func (Profile) Fields() []ent.Field {
	return []ent.Field{
		field.String("bio").
			MaxRuneLen(200).
			Annotations(text(0, 200)),
		// user_id is unique: the database allows one profile per user, and a
		// profile never moves to another user.
		field.Int("user_id").
			Unique().
			Immutable(),
	}
}

// Edges of the Profile.
func (Profile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).
			Ref("profile").
			Field("user_id").
			Unique().
			Required().
			Immutable(),
	}
}
