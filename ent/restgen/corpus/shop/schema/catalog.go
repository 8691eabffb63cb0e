package schema

import (
	"github.com/entblog/blog/ent/restgen/annotation"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Category groups products in a tree.
type Category struct{ ent.Schema }

// Fields of the Category.
func (Category) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().NotEmpty(),
		field.Int("parent_id").Optional().Nillable(),
	}
}

// Edges of the Category: subcategories lose their parent, products their
// category, when it is deleted.
func (Category) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Category.Type).From("parent").Field("parent_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("products", Product.Type).Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Product is what the shop sells.
type Product struct{ ent.Schema }

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("sku").Unique().NotEmpty().Comment("Stock-keeping unit."),
		field.String("name").NotEmpty(),
		field.Text("description").Optional(),
		field.Float("price").Min(0),
		field.Int("stock").Default(0).NonNegative(),
		field.Bool("active").Default(true),
		field.Int("category_id").Optional().Nillable(),
	}
}

// Edges of the Product: a product on an order line cannot be deleted; its
// reviews go with it.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", Category.Type).Ref("products").Field("category_id").Unique(),
		edge.From("suppliers", Supplier.Type).Ref("products"),
		edge.To("lines", OrderLine.Type).Annotations(entsql.OnDelete(entsql.Restrict)),
		edge.To("reviews", Review.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the Product: pages of 20 products, at most 50.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{annotation.PageSize(20, 50)}
}

// Indexes of the Product.
func (Product) Indexes() []ent.Index {
	return []ent.Index{index.Fields("category_id", "price")}
}

// Supplier delivers products.
type Supplier struct{ ent.Schema }

// Fields of the Supplier.
func (Supplier) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().NotEmpty(),
		field.String("country").Optional(),
	}
}

// Edges of the Supplier.
func (Supplier) Edges() []ent.Edge {
	return []ent.Edge{edge.To("products", Product.Type)}
}
