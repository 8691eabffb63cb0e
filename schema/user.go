package schema

import (
	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/ogen-go/ogen"
)

// User holds the schema definition for the User entity.
type User struct {
	ent.Schema
}

// Mixin of the User.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimeMixin{},
		softdelete.Mixin{}, // DELETE sets deleted_at; POST /users/{id}/restore clears it
	}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	maxEmail := uint64(100)
	return []ent.Field{
		field.String("name").
			MinRuneLen(1).
			MaxRuneLen(50).
			Annotations(text(1, 50)),
		field.String("email").
			MaxRuneLen(100).
			Match(emailRegexp).
			Optional().
			Nillable().
			Unique().
			Annotations(entoas.Schema(ogen.String().
				SetFormat("email").
				SetPattern(emailPattern).
				SetMaxLength(&maxEmail))),
		// Kept by the database: lists sort and filter by posts_count
		// reading this column.
		field.Int("posts_count").
			Default(0).
			Immutable().
			Annotations(annotation.CountOf("posts")),
		// Kept by the database (0 or 1): has_profile reads this column
		// instead of looking for the user's profile.
		field.Int("profile_count").
			Default(0).
			Immutable().
			Annotations(annotation.CountOf("profile")),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("profile", Profile.Type).
			Unique().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("posts", Post.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return append([]ent.Index{
		index.Fields("name"), // sort=name pages by keyset
		// sort=-posts_count,name pages by keyset
		index.Fields("posts_count", "name").Annotations(entsql.DescColumns("posts_count")),
		index.Fields("profile_count"), // has_profile
	}, trigramIndexes("users", "name", "email")...)
}
