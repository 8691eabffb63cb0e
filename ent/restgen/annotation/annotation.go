// Package annotation holds the schema annotations of the REST generator:
// what a team says about its API in its ent schema, next to the fields and
// edges it concerns, instead of in code that names tables. It imports only
// ent's schema package, so schema packages can use it without linking the
// generator into the programs built on the generated code.
//
//	func (Product) Annotations() []schema.Annotation {
//		return []schema.Annotation{annotation.PageSize(20, 50)}
//	}
//
//	edge.To("reviews", Review.Type).Annotations(annotation.NoNest())
package annotation

import "entgo.io/ent/schema"

// Name is the name the annotations are stored under in ent's graph.
const Name = "RestGen"

// Annotation configures the REST layer of a schema type or edge. Zero
// values keep the generator's defaults.
type Annotation struct {
	// DefaultPageSize is the page size of the type's lists when the client
	// sets none; MaxPageSize bounds what it may set (both: types).
	DefaultPageSize int `json:"DefaultPageSize,omitempty"`
	MaxPageSize     int `json:"MaxPageSize,omitempty"`
	// NoNest keeps an edge whose target holds the foreign key (a
	// customer's reviews) out of the owner's create body: its rows are
	// created on their own (edges).
	NoNest bool `json:"NoNest,omitempty"`
	// Counts, on an integer field, names the edge whose rows the field
	// counts (a user's posts_count counts its posts): the database keeps
	// it, through triggers the migrations create, so lists sort and filter
	// by the count reading one column instead of counting every row. The
	// field is not part of request bodies; responses carry it as the
	// edge's count (count=posts).
	Counts string `json:"Counts,omitempty"`
	// SoftDelete, on an optional time field, makes it the time its row
	// was soft-deleted (softdelete.Mixin sets it): the REST layer's DELETE
	// sets it, lists hide such rows unless asked (deleted=include|only), and
	// a restore route clears it.
	SoftDelete bool `json:"SoftDelete,omitempty"`
}

// Name implements schema.Annotation.
func (Annotation) Name() string { return Name }

// Merge implements schema.Merger: later annotations set what they set.
func (a Annotation) Merge(other schema.Annotation) schema.Annotation {
	var b Annotation
	switch o := other.(type) {
	case Annotation:
		b = o
	case *Annotation:
		if o == nil {
			return a
		}
		b = *o
	default:
		return a
	}
	if b.DefaultPageSize != 0 {
		a.DefaultPageSize = b.DefaultPageSize
	}
	if b.MaxPageSize != 0 {
		a.MaxPageSize = b.MaxPageSize
	}
	a.NoNest = a.NoNest || b.NoNest
	if b.Counts != "" {
		a.Counts = b.Counts
	}
	a.SoftDelete = a.SoftDelete || b.SoftDelete
	return a
}

// PageSize sets the default and the largest page size of a type's lists.
func PageSize(def, max int) Annotation {
	return Annotation{DefaultPageSize: def, MaxPageSize: max}
}

// NoNest keeps an edge out of its owner's create body.
func NoNest() Annotation { return Annotation{NoNest: true} }

// CountOf makes an integer field the stored count of the rows of edge:
//
//	field.Int("posts_count").Default(0).Immutable().Annotations(annotation.CountOf("posts"))
//
// The migrations add triggers that keep it equal to the number of the
// edge's rows through every insert, update and delete, cascades included,
// and fill it for the rows that exist. Each write to the edge then also
// updates the owner's row. Immutable keeps ent's updates and upserts from
// writing it: only the database does.
func CountOf(edge string) Annotation { return Annotation{Counts: edge} }

// SoftDelete marks the time field that records a row's soft deletion
// (softdelete.Mixin's deleted_at).
func SoftDelete() Annotation { return Annotation{SoftDelete: true} }

var (
	_ schema.Annotation = Annotation{}
	_ schema.Merger     = Annotation{}
)
