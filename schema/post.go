package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/entblog/blog/ent/restgen/annotation"
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
		// Kept by the database: has_tags and the tags_count filters and
		// sorts read this column instead of counting post_tags.
		field.Int("tags_count").
			Default(0).
			Immutable().
			Annotations(annotation.CountOf("tags")),
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
		index.Fields("tags_count"),
	}, trigramIndexes("posts", "title", "content")...)
}
