package schema

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// newNoteID makes a note's id: "n-" and 16 random hex digits.
func newNoteID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "n-" + hex.EncodeToString(b)
}

// Note is keyed by a string the schema makes.
type Note struct{ ent.Schema }

// Mixin of the Note: notes delete softly, with a string id.
func (Note) Mixin() []ent.Mixin { return []ent.Mixin{softdelete.Mixin{}} }

// Fields of the Note.
func (Note) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").DefaultFunc(newNoteID).Immutable(),
		field.String("title").NotEmpty(),
		field.Text("body").Optional(),
		field.Bool("pinned").Default(false),
		field.Bytes("attachment").Optional(),
		field.JSON("meta", map[string]any{}).Optional(),
		field.UUID("author_id", uuid.UUID{}),
		field.UUID("reviewer_id", uuid.UUID{}).Optional().Nillable(),
		// A stored count of an edge through an edge schema.
		field.Int64("watchers_count").Default(0).Immutable().Annotations(annotation.CountOf("watchers")),
	}
}

// Edges of the Note: two edges from Account (author and reviewer), labels by
// natural key, watchers by id.
func (Note) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("author", Account.Type).Ref("notes").Field("author_id").Unique().Required(),
		edge.From("reviewer", Account.Type).Ref("reviews").Field("reviewer_id").Unique(),
		edge.From("watchers", Account.Type).Ref("watching").Through("watches", Watch.Type),
		edge.To("labels", Label.Type).Through("note_labels", NoteLabel.Type),
		edge.To("comments", Comment.Type).Annotations(entsql.OnDelete(entsql.Restrict)),
	}
}

// Label has a natural key (its name) and a parent label.
type Label struct{ ent.Schema }

// Fields of the Label.
func (Label) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().NotEmpty(),
		field.String("color").Optional(),
		field.Int("parent_id").Optional().Nillable(),
	}
}

// Edges of the Label.
func (Label) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("notes", Note.Type).Ref("labels").Through("note_labels", NoteLabel.Type),
		edge.To("children", Label.Type).From("parent").Field("parent_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Comment is on a note (a note with comments cannot be deleted).
type Comment struct{ ent.Schema }

// Fields of the Comment.
func (Comment) Fields() []ent.Field {
	return []ent.Field{
		field.Text("body").NotEmpty(),
		field.String("note_id"),
		field.Strings("mentions").Optional(),
	}
}

// Edges of the Comment.
func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("note", Note.Type).Ref("comments").Field("note_id").Unique().Required(),
	}
}
