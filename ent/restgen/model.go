package restgen

import (
	"fmt"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc/gen"
	"github.com/go-openapi/inflect"
	"github.com/stoewer/go-strcase"
)

// Model is what the templates render: the graph as the REST layer sees it.
type Model struct {
	// Package is the import path of the generated REST package.
	Package string
	// EntPackage is the import path of the generated ent client.
	EntPackage string
	Entities   []*Entity
	// DefaultPageSize is the page size of lists when the client sets none.
	DefaultPageSize int
}

// Entity is one ent type exposed as a REST resource.
type Entity struct {
	Name   string // Go name: "User"
	Label  string // human name: "user"
	Pkg    string // ent predicate package: "user"
	Path   string // collection path: "/users"
	Fields []*Field
	// Links are the many-to-many edges a request body sets by id list.
	Links []*Edge
	// Edges are the edges served as sub-resources (GET /users/{id}/posts).
	Edges []*Edge
	// Referenced reports whether request bodies of other entities refer to
	// this one by id (so handlers check those ids exist).
	Referenced bool
}

// Field is a scalar field of an entity.
type Field struct {
	Name      string // JSON name and column: "author_id"
	Go        string // struct field: "AuthorID"
	Type      string // Go type: "string", "int", "time.Time"
	Optional  bool   // may be absent on create
	Nillable  bool   // may be null (stored as NULL)
	ReadOnly  bool   // set by the server only
	Immutable bool   // set on create only
	// Ref is the referenced entity when the field is a foreign key.
	Ref *Entity
}

// Edge is an edge of an entity.
type Edge struct {
	Name   string // "posts"
	Go     string // "Posts"
	Path   string // "/posts"
	Unique bool
	Target *Entity
	AddIDs string // ent mutation method adding ids: "AddTagIDs"
	Clear  string // ent mutation method clearing the edge: "ClearTags"
}

// InCreate reports whether the field is accepted by the create body.
func (f *Field) InCreate() bool { return !f.ReadOnly }

// InUpdate reports whether the field is accepted by the update body.
func (f *Field) InUpdate() bool { return !f.ReadOnly && !f.Immutable }

// OpID returns the OpenAPI operation id of op on the entity, as entoas names it.
func (e *Entity) OpID(op string) string { return op + e.Name }

// EdgeOpID returns the OpenAPI operation id of the sub-resource route of edge.
func (e *Entity) EdgeOpID(edge *Edge) string {
	op := "list"
	if edge.Unique {
		op = "read"
	}
	return op + e.Name + strcase.UpperCamelCase(edge.Name)
}

// HasTime reports whether any entity has a time field.
func (m *Model) HasTime() bool {
	for _, e := range m.Entities {
		for _, f := range e.Fields {
			if f.Type == "time.Time" {
				return true
			}
		}
	}
	return false
}

// newModel builds the Model of g.
func newModel(g *gen.Graph, pkg string) (*Model, error) {
	rules := inflect.NewDefaultRuleset()
	m := &Model{Package: pkg, EntPackage: g.Config.Package, DefaultPageSize: DefaultPageSize}
	byName := make(map[string]*Entity)
	for _, n := range g.Nodes {
		e := &Entity{
			Name:  n.Name,
			Label: strcase.SnakeCase(n.Name),
			Pkg:   n.Package(),
			Path:  "/" + rules.Pluralize(strcase.KebabCase(n.Name)),
		}
		m.Entities = append(m.Entities, e)
		byName[n.Name] = e
	}
	for i, n := range g.Nodes {
		e := m.Entities[i]
		for _, f := range n.Fields {
			ant, err := entoas.FieldAnnotation(f)
			if err != nil {
				return nil, err
			}
			if ant.Skip || f.Sensitive() {
				continue
			}
			field := &Field{
				Name:      f.Name,
				Go:        f.StructField(),
				Type:      f.Type.String(),
				Optional:  f.Optional || f.Default,
				Nillable:  f.Nillable,
				ReadOnly:  ant.ReadOnly,
				Immutable: f.Immutable,
			}
			if f.IsEdgeField() {
				ref, err := f.Edge()
				if err != nil {
					return nil, err
				}
				field.Ref = byName[ref.Type.Name]
				field.Ref.Referenced = true
			}
			e.Fields = append(e.Fields, field)
		}
		for _, ed := range n.Edges {
			edge := &Edge{
				Name:   ed.Name,
				Go:     ed.StructField(),
				Path:   "/" + strcase.KebabCase(ed.Name),
				Unique: ed.Unique,
				Target: byName[ed.Type.Name],
				AddIDs: ed.MutationAdd(),
				Clear:  "Clear" + ed.StructField(),
			}
			e.Edges = append(e.Edges, edge)
			switch body := bodyEdge(ed); body {
			case edgeByIDs:
				e.Links = append(e.Links, edge)
				edge.Target.Referenced = true
			case edgeByField, edgeNotWritable:
			default:
				return nil, fmt.Errorf("edge %s.%s: unsupported kind %d", n.Name, ed.Name, body)
			}
		}
	}
	return m, nil
}

// edgeKind says how a request body may set an edge.
type edgeKind int

const (
	// edgeNotWritable edges are set from the other side, which holds the
	// foreign key: a user's posts are set through each post's author_id.
	edgeNotWritable edgeKind = iota
	// edgeByField edges are set through their foreign-key field (author_id).
	edgeByField
	// edgeByIDs edges are many-to-many, set by a list of ids.
	edgeByIDs
	// edgeUnsupported edges own a foreign key that no field exposes.
	edgeUnsupported
)

// bodyEdge is the one rule deciding how a request body sets an edge; the spec
// mutations and the handlers both follow it.
func bodyEdge(e *gen.Edge) edgeKind {
	switch {
	case e.M2M():
		return edgeByIDs
	case e.OwnFK() && e.Field() != nil:
		return edgeByField
	case e.OwnFK():
		return edgeUnsupported
	default:
		return edgeNotWritable
	}
}
