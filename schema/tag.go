package schema

import (
	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Tag holds the schema definition for the Tag entity.
type Tag struct {
	ent.Schema
}

// Mixin of the Tag.
func (Tag) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimeMixin{},
	}
}

// Fields of the Tag.
func (Tag) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			MinRuneLen(1).
			MaxRuneLen(30).
			Unique().
			Annotations(text(1, 30)),
		// Kept by the database: /tags?sort=-posts_count reads it.
		field.Int("posts_count").
			Default(0).
			Immutable().
			Annotations(annotation.CountOf("posts")),
	}
}

// Edges of the Tag.
func (Tag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("posts", Post.Type).
			Ref("tags"),
	}
}
