package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// NoteLabel is the association object of a note's labels (an edge schema):
// when and by whom a label was put on a note.
type NoteLabel struct{ ent.Schema }

// Fields of the NoteLabel.
func (NoteLabel) Fields() []ent.Field {
	return []ent.Field{
		field.String("note_id"),
		field.Int("label_id"),
		field.Time("added_at").Default(time.Now),
		field.String("added_by").Optional(),
	}
}

// Edges of the NoteLabel.
func (NoteLabel) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("note", Note.Type).Field("note_id").Unique().Required().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("label", Label.Type).Field("label_id").Unique().Required().Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}
