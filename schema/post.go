package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Post holds the schema definition for the Post entity.
type Post struct {
	ent.Schema
}

// Mixin of the Post.
func (Post) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimeMixin{},
	}
}

// Fields of the Post.
func (Post) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").
			MinRuneLen(1).
			MaxRuneLen(100).
			Annotations(text(1, 100)),
		field.Text("content"),
		field.Int("author_id"),
	}
}

// Edges of the Post.
func (Post) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("author", User.Type).
			Ref("posts").
			Field("author_id").
			Unique().
			Required(),
		edge.To("tags", Tag.Type),
	}
}

// Indexes of the Post.
func (Post) Indexes() []ent.Index {
	return append([]ent.Index{
		index.Fields("author_id"),
	}, trigramIndexes("posts", "title", "content")...)
}
