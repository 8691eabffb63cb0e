// Package schema is the kitchen sink: every construct the generator maps to
// REST, each at least once — every field type and option, int, int64,
// string and UUID ids, one-to-one, one-to-many and many-to-many edges in
// both directions, self-referential ones, two edges between the same types,
// and every ON DELETE action.
package schema

import (
	"time"

	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// Prefs is a typed JSON value.
type Prefs struct {
	Theme    string   `json:"theme"`
	Digest   bool     `json:"digest"`
	Channels []string `json:"channels,omitempty"`
}

// Account is keyed by a UUID.
type Account struct{ ent.Schema }

// Fields of the Account.
func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New),
		field.String("handle").Unique().NotEmpty().MaxLen(40).Comment("The account's public name."),
		field.String("display_name").Optional().Nillable(),
		field.Enum("role").Values("admin", "member").Default("member"),
		field.JSON("settings", map[string]string{}).Optional(),
		field.JSON("prefs", Prefs{}).Optional(),
		field.String("password_hash").Sensitive().Optional(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.UUID("predecessor_id", uuid.UUID{}).Optional().Nillable(),
		field.String("country_id").Optional().Nillable(),
		// A stored count of a self-referential edge's inverse side.
		field.Int("followers_count").Default(0).Immutable().Annotations(annotation.CountOf("followers")),
		// A stored count of a one-to-one edge (0 or 1): has_wallet reads it.
		field.Int("wallet_count").Default(0).Immutable().Annotations(annotation.CountOf("wallet")),
	}
}

// Edges of the Account.
func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("country", Country.Type).Ref("accounts").Field("country_id").Unique(),
		edge.To("wallet", Wallet.Type).Unique().Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("notes", Note.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("reviews", Note.Type).Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("watching", Note.Type).Through("watches", Watch.Type),
		edge.To("following", Account.Type).From("followers"),
		edge.To("successor", Account.Type).Unique().From("predecessor").Unique().Field("predecessor_id").
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Wallet is keyed by an int64 and belongs to one account (one-to-one).
type Wallet struct{ ent.Schema }

// Fields of the Wallet.
func (Wallet) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id"),
		field.Int64("balance").Default(0),
		field.String("currency").Default("EUR").Immutable().MinLen(3).MaxLen(3),
		field.JSON("limits", []int{}).Optional(),
		field.UUID("account_id", uuid.UUID{}).Unique(),
	}
}

// Edges of the Wallet.
func (Wallet) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("wallet").Field("account_id").Unique().Required(),
	}
}
