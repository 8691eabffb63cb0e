package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// Country is keyed by a string its client chooses (a code).
type Country struct{ ent.Schema }

// Fields of the Country.
func (Country) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Immutable().Comment("The country's code."),
		field.String("name").NotEmpty(),
	}
}

// Edges of the Country: its regions go with it; accounts lose it.
func (Country) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("regions", Region.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("accounts", Account.Type).Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Region is keyed by a UUID its client chooses.
type Region struct{ ent.Schema }

// Fields of the Region.
func (Region) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}),
		field.String("name").NotEmpty(),
		field.String("country_id"),
	}
}

// Edges of the Region.
func (Region) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("country", Country.Type).Ref("regions").Field("country_id").Unique().Required(),
	}
}
