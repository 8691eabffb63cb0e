package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// Watch is the association object of an account watching a note, keyed by
// the pair (an edge schema with a composite id).
type Watch struct{ ent.Schema }

// Annotations of the Watch.
func (Watch) Annotations() []schema.Annotation {
	return []schema.Annotation{field.ID("account_id", "note_id")}
}

// Fields of the Watch.
func (Watch) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("account_id", uuid.UUID{}),
		field.String("note_id"),
		field.Time("since").Default(time.Now),
		field.Bool("muted").Default(false),
	}
}

// Edges of the Watch.
func (Watch) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", Account.Type).Field("account_id").Unique().Required().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("note", Note.Type).Field("note_id").Unique().Required().Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}
