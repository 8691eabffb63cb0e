// Package schema is the shop's graph: customers place orders of products,
// which belong to categories, come from suppliers and get reviews.
package schema

import (
	"time"

	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Customer buys products.
type Customer struct{ ent.Schema }

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.String("email").Unique().Comment("Where order confirmations go."),
		field.Time("joined_at").Default(time.Now).Immutable(),
	}
}

// Edges of the Customer: addresses and reviews go with their customer; a
// customer with orders cannot be deleted.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("addresses", Address.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("orders", Order.Type).Annotations(entsql.OnDelete(entsql.Restrict)),
		// Reviews are written on their own, not with a new customer.
		edge.To("reviews", Review.Type).Annotations(entsql.OnDelete(entsql.Cascade), annotation.NoNest()),
	}
}

// Address is where a customer's orders are shipped.
type Address struct{ ent.Schema }

// Fields of the Address.
func (Address) Fields() []ent.Field {
	return []ent.Field{
		field.String("line1").NotEmpty(),
		field.String("city").NotEmpty(),
		field.String("postcode").Optional(),
		field.String("country").Default("NL").MaxLen(2).MinLen(2),
		field.Bool("primary").Default(false),
		field.Int("customer_id"),
	}
}

// Edges of the Address.
func (Address) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("addresses").Field("customer_id").Unique().Required(),
	}
}
