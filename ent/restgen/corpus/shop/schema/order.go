package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Order is a customer's purchase.
type Order struct{ ent.Schema }

// Fields of the Order.
func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("status").Values("pending", "paid", "shipped", "cancelled").Default("pending"),
		field.Time("placed_at").Default(time.Now),
		field.Text("note").Optional().Nillable(),
		field.Int("customer_id"),
	}
}

// Edges of the Order: its lines go with it.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("orders").Field("customer_id").Unique().Required(),
		edge.To("lines", OrderLine.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// OrderLine is one product on an order: the three-way join.
type OrderLine struct{ ent.Schema }

// Fields of the OrderLine.
func (OrderLine) Fields() []ent.Field {
	return []ent.Field{
		field.Int("quantity").Positive(),
		field.Float("unit_price").Min(0),
		field.Int("order_id"),
		field.Int("product_id"),
	}
}

// Edges of the OrderLine.
func (OrderLine) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("lines").Field("order_id").Unique().Required(),
		edge.From("product", Product.Type).Ref("lines").Field("product_id").Unique().Required(),
	}
}

// Review is a customer's rating of a product.
type Review struct{ ent.Schema }

// Fields of the Review.
func (Review) Fields() []ent.Field {
	return []ent.Field{
		field.Int8("rating").Range(1, 5),
		field.Text("body").Optional(),
		field.Int("product_id"),
		field.Int("customer_id"),
	}
}

// Edges of the Review.
func (Review) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("product", Product.Type).Ref("reviews").Field("product_id").Unique().Required(),
		edge.From("customer", Customer.Type).Ref("reviews").Field("customer_id").Unique().Required(),
	}
}
