package restgen

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/restgen/annotation"
	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
	"github.com/go-openapi/inflect"
	"github.com/ogen-go/ogen"
	"github.com/stoewer/go-strcase"
)

// Model is what the templates render: the graph as the REST layer sees it.
type Model struct {
	// Package is the import path of the generated REST package.
	Package string
	// EntPackage is the import path of the generated ent client.
	EntPackage string
	// Runtime is the import path of the runtime the generated code uses
	// (restkit): read from its own types, so that it follows the module.
	Runtime string
	// SoftDeleteRuntime is the import path of package softdelete, whose
	// contexts the handlers of soft-deleting entities set.
	SoftDeleteRuntime string
	Entities          []*Entity
	// Limits, from the constants of this package.
	DefaultPageSize, MaxIncluded, MaxIncludeDepth, MaxIncludePaths, MaxLinks int
}

// Entity is one ent type exposed as a REST resource.
type Entity struct {
	Name  string // Go name: "User"
	Label string // human name: "user"
	Pkg   string // ent predicate package: "user"
	Path  string // collection path: "/users"
	// ID is the id field: int, int64, string or uuid.UUID; nil for an edge
	// schema keyed by the pair it joins (NoID).
	ID *Field
	// NoID is set on an edge schema with a composite id
	// (field.ID("account_id", "note_id")): it is no resource of its own,
	// but its rows are read (include) and written (nested in a create of
	// either end) from the two entities it joins. OrderCols are its id
	// columns (Go constants), which order its rows where others go by id.
	NoID      bool
	OrderCols []string
	// PageSize is the page size of lists when the client sets none, and
	// MaxPageSize the largest a client may set (annotation.PageSize).
	PageSize, MaxPageSize int
	// ClientID is set when clients choose the ids (a string or UUID id
	// without a default): create bodies then require "id".
	ClientID bool
	Fields   []*Field
	// Key is the natural key: a unique, required string field (a tag's
	// name). Other entities link to a keyed entity by key, creating it when
	// missing.
	Key *Field
	// Links are the many-to-many edges a request body sets by a list of ids,
	// or of keys when the target has a Key.
	Links []*Edge
	// Children are the edges whose target holds the foreign key (a user's
	// profile and posts): a create body may hold them as nested objects.
	Children []*Edge
	// Edges are the edges served as sub-resources (GET /users/{id}/posts).
	Edges []*Edge
	// Referenced reports whether request bodies of other entities refer to
	// this one by id (so handlers check those ids exist).
	Referenced bool
	// Restricted reports whether a foreign key refers to this entity
	// without ON DELETE CASCADE or SET NULL: deleting a row others refer
	// to is refused (409).
	Restricted bool
	// RefNested reports whether children nested in a create body refer to
	// this one by id (a nested post's editor_id): those are checked in one
	// query for all children, naming the item of each missing id.
	RefNested bool
	// SoftDelete is the field recording a row's soft deletion
	// (annotation.SoftDelete, softdelete.Mixin), or nil: DELETE then sets
	// it, reads and includes leave such rows out, lists show them on
	// request and a restore route clears it.
	SoftDelete *Field
}

// Field is a scalar field of an entity.
type Field struct {
	Name      string // JSON name and column: "author_id"
	Go        string // struct field: "AuthorID"
	Type      string // Go type: "string", "int", "time.Time"
	Optional  bool   // may be absent on create
	Nillable  bool   // may be null (stored as NULL)
	Nullable  bool   // the column may hold NULL (ent's Optional)
	ReadOnly  bool   // set by the server only
	Immutable bool   // set on create only
	// Enum is set for ent enum fields; Type is then ent's named string
	// type ("post.Status") and Values its values.
	Enum   bool
	Values []string
	// JSON is set for ent JSON fields: stored as JSON text, scanned and
	// bound through restkit's JSON column helpers, not filterable.
	JSON bool
	// Unique is set for unique fields. NestedUnique is set on those that
	// nested create bodies set, string or int: handlers check the values
	// are free first, to answer a 409 naming the item.
	Unique, NestedUnique bool
	// PkgPath is the import path of the field's Go type when it is not a
	// built-in one ("github.com/google/uuid"; the ent package of an enum).
	PkgPath string
	// Ref is the referenced entity when the field is a foreign key.
	Ref *Entity
	// Default is the Go expression of the value ent gives the field on
	// create when none is set ("post.DefaultCreatedAt()"), or "".
	Default string
	// Validator is ent's validator of the field ("post.TitleValidator"), or "".
	Validator string
	// oas is the field's schema, for entities entoas does not see (NoID).
	oas *ogen.Schema
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
	Remove string // ent mutation method removing ids: "RemoveTagIDs"
	// M2M edges: the join table constant and which of its primary-key
	// columns refers to the owner of the edge (0) or to the target (1).
	M2M               bool
	ParentPK, ChildPK int
	// Bounded is set on the owner side of a many-to-many edge (a post's
	// tags): writes keep it at MaxLinks per owner, so reads need no cap.
	Bounded bool
	// BoundOf is, on the inverse side (a tag's posts), the owner's bounded
	// edge, which writes from this side must check.
	BoundOf *Edge
	// BackRef is the target's foreign-key field referring back to the
	// owner, for children ("UserID" for a user's profile).
	BackRef *Field
	// FK is the owner's foreign-key field holding the target's id, for
	// edges set by field ("AuthorID" for a post's author).
	FK *Field
	// Through is set on many-to-many edges through an edge schema (an
	// association object with columns of its own).
	Through bool
	// Step is the Go expression of the edge's sqlgraph step (the tables
	// and columns joining it), as ent builds it in its new<Edge>Step.
	Step string
	// Stored is the field holding the edge's row count, kept by the
	// database (annotation.CountOf), or nil: the count is then computed.
	Stored *Field
	// Nested is, for children, the name of the schema and Go type of one
	// child in a create body of the owner (see nestedNames).
	Nested string
}

// Distinct reports whether the neighbors of one node through e may repeat,
// so that listing them needs DISTINCT: only through an edge schema, whose
// rows need not be unique per pair. A join table's primary key is the pair;
// a foreign key names one neighbor. Without DISTINCT, PostgreSQL reads a
// page of a tag's posts by index instead of sorting all of them.
func (e *Edge) Distinct() bool { return e.Through }

// Kind is the restkit.Kind constant of the field's type, or "" when lists
// cannot filter on it.
func (f *Field) Kind() string {
	if f.JSON {
		return ""
	}
	if f.Enum {
		return "KindString"
	}
	switch f.Type {
	case "string":
		return "KindString"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "KindInt"
	case "float32", "float64":
		return "KindFloat"
	case "bool":
		return "KindBool"
	case "time.Time":
		return "KindTime"
	case "uuid.UUID":
		return "KindUUID"
	}
	return ""
}

// kind is the restkit.Kind that Kind names.
func (f *Field) kind() restkit.Kind {
	switch f.Kind() {
	case "KindInt":
		return restkit.KindInt
	case "KindFloat":
		return restkit.KindFloat
	case "KindBool":
		return restkit.KindBool
	case "KindTime":
		return restkit.KindTime
	case "KindUUID":
		return restkit.KindUUID
	}
	return restkit.KindString
}

// JSONEncode is the Go statement writing the value v of the field to the
// jx.Encoder e, with the bytes encoding/json would write.
func (f *Field) JSONEncode(v string) string {
	if f.JSON {
		return "restkit.JSONValue(e, " + v + ")"
	}
	if f.Enum {
		return "restkit.JSONString(e, string(" + v + "))"
	}
	switch f.Type {
	case "string":
		return "restkit.JSONString(e, " + v + ")"
	case "int":
		return "e.Int(" + v + ")"
	case "int64":
		return "e.Int64(" + v + ")"
	case "uuid.UUID":
		return "e.Str((" + v + ").String())"
	case "bool":
		return "e.Bool(" + v + ")"
	case "time.Time":
		return "restkit.JSONTime(e, " + v + ")"
	case "[]byte":
		return "restkit.JSONBytes(e, " + v + ")"
	}
	return "restkit.JSONValue(e, " + v + ")"
}

// JSONRead is the restkit reader of the field's type, for the generated
// body decoders.
func (f *Field) JSONRead() string {
	if f.JSON {
		return "restkit.ReadAny[" + f.Type + "]"
	}
	if f.Enum {
		return "restkit.ReadStringAs[" + f.Type + "]"
	}
	switch f.Type {
	case "string":
		return "restkit.ReadString"
	case "int":
		return "restkit.ReadInt"
	case "int64", "uuid.UUID":
		return "restkit.ReadID[" + f.Type + "]"
	case "bool":
		return "restkit.ReadBool"
	case "float64":
		return "restkit.ReadFloat"
	case "time.Time":
		return "restkit.ReadTime"
	}
	return "restkit.ReadAny[" + f.Type + "]"
}

// IDImports are the packages of the id types that are not built-in
// (uuid.UUID), in order.
func (m *Model) IDImports() []string {
	seen := make(map[string]bool)
	var pkgs []string
	for _, e := range m.Entities {
		if e.NoID {
			continue
		}
		if p := e.ID.PkgPath; p != "" && !seen[p] {
			seen[p] = true
			pkgs = append(pkgs, p)
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// TypeImports are the packages of the non-built-in types the API types use
// (ent's named enum types, uuid.UUID…), in order.
func (m *Model) TypeImports() []string {
	seen := make(map[string]bool)
	var pkgs []string
	for _, e := range m.Entities {
		for _, f := range append(e.IDs(), e.Fields...) {
			if f.PkgPath != "" && !seen[f.PkgPath] {
				seen[f.PkgPath] = true
				pkgs = append(pkgs, f.PkgPath)
			}
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// Filterable are the fields lists filter and sort by.
func (e *Entity) Filterable() []*Field {
	var fs []*Field
	for _, f := range e.Fields {
		if f.Kind() != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// StoredCounts reports whether some count is kept by the database.
func (m *Model) StoredCounts() bool {
	for _, e := range m.Entities {
		if len(e.StoredCounts()) > 0 {
			return true
		}
	}
	return false
}

// StoredCounts are the edges whose row counts the database keeps
// (annotation.CountOf): edges to many, and one-to-one edges whose key the
// other table holds (a user's profile), whose count of 0 or 1 answers
// has_EDGE from the owner's row.
func (e *Entity) StoredCounts() []*Edge {
	var es []*Edge
	for _, edge := range e.Edges {
		if edge.Stored != nil {
			es = append(es, edge)
		}
	}
	return es
}

// Counted are the edges whose row counts are fields (posts_count).
func (e *Entity) Counted() []*Edge {
	var es []*Edge
	for _, edge := range e.Edges {
		if !edge.Unique {
			es = append(es, edge)
		}
	}
	return es
}

// CountName is the name of the count field of a list edge: "posts_count".
func (e *Edge) CountName() string { return e.Name + "_count" }

// CountGo is the Go name of the count field: "PostsCount".
func (e *Edge) CountGo() string { return e.Go + "Count" }

// EdgePath is a path of edges that list filters go through.
type EdgePath struct {
	Path   string // "posts.tags"
	Target *Entity
}

// EdgePaths are the edge paths, one or two edges long, that the spec
// documents filters on: a self-referential edge (a user's followers) is one,
// but second edges that come back to e or to the first edge's target are
// left out.
func (e *Entity) EdgePaths() []EdgePath {
	var ps []EdgePath
	for _, a := range e.Edges {
		ps = append(ps, EdgePath{Path: a.Name, Target: a.Target})
		for _, b := range a.Target.Edges {
			if b.Target == e || b.Target == a.Target {
				continue
			}
			ps = append(ps, EdgePath{Path: a.Name + "." + b.Name, Target: b.Target})
		}
	}
	return ps
}

// KeysType is the Go type of a body listing keys of the edge's target.
func (e *Edge) KeysType() string { return e.Target.Name + e.Target.Key.Go + "s" }

// ByKey reports whether the edge is linked by its target's natural key.
func (e *Edge) ByKey() bool { return e.Target.Key != nil }

// InCreate reports whether the field is accepted by the create body.
func (f *Field) InCreate() bool { return !f.ReadOnly }

// InUpdate reports whether the field is accepted by the update body.
func (f *Field) InUpdate() bool { return !f.ReadOnly && !f.Immutable }

// OpID returns the OpenAPI operation id of op on the entity, as entoas names it.
func (e *Entity) OpID(op string) string { return op + e.Name }

// RemoveOpID returns the operation id of the route unlinking one target of
// the keyed link l: "removePostTag" for a post's tags.
func (e *Entity) RemoveOpID(l *Edge) string { return "remove" + e.Name + l.One() }

// One is the name of one target of the edge, in Go: "Tag" for tags.
func (e *Edge) One() string { return inflect.Singularize(e.Go) }

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

// SoftDeletes reports whether some entity deletes softly.
func (m *Model) SoftDeletes() bool {
	return slices.ContainsFunc(m.Entities, func(e *Entity) bool { return e.SoftDelete != nil })
}

// newModel builds the Model of g.
func newModel(g *gen.Graph, pkg string) (*Model, error) {
	rules := inflect.NewDefaultRuleset()
	m := &Model{
		Package:           pkg,
		EntPackage:        g.Package,
		Runtime:           reflect.TypeFor[restkit.API]().PkgPath(),
		SoftDeleteRuntime: reflect.TypeFor[softdelete.Mixin]().PkgPath(),
		DefaultPageSize:   DefaultPageSize,
		MaxIncluded:       MaxIncluded,
		MaxIncludeDepth:   MaxIncludeDepth,
		MaxIncludePaths:   MaxIncludePaths,
		MaxLinks:          MaxLinks,
	}
	byName := make(map[string]*Entity)
	for _, n := range g.Nodes {
		e := &Entity{
			Name:  n.Name,
			Label: strcase.SnakeCase(n.Name),
			Pkg:   n.Package(),
			Path:  "/" + rules.Pluralize(strcase.KebabCase(n.Name)),
		}
		if n.HasCompositeID() {
			e.NoID = true
			for _, f := range n.EdgeSchema.ID {
				e.OrderCols = append(e.OrderCols, n.Package()+"."+f.Constant())
			}
		} else {
			id, err := idField(n)
			if err != nil {
				return nil, err
			}
			e.ID = id
			e.ClientID = id.Type != "int" && id.Type != "int64" && id.Default == ""
		}
		ant, err := restAnnotation(n.Annotations)
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", n.Name, err)
		}
		e.PageSize, e.MaxPageSize = cmp.Or(ant.DefaultPageSize, DefaultPageSize), cmp.Or(ant.MaxPageSize, MaxPageSize)
		if e.PageSize < 1 || e.PageSize > e.MaxPageSize {
			return nil, fmt.Errorf("type %s: page sizes %d (default) and %d (largest): want 1 ≤ default ≤ largest", n.Name, e.PageSize, e.MaxPageSize)
		}
		m.Entities = append(m.Entities, e)
		byName[n.Name] = e
	}
	for i, n := range g.Nodes {
		e := m.Entities[i]
		stored := make(map[string]*Field) // edge name → its stored count
		for _, f := range n.Fields {
			if ra, err := restAnnotation(f.Annotations); err != nil {
				return nil, fmt.Errorf("field %s.%s: %w", n.Name, f.Name, err)
			} else if ra.Counts != "" {
				stored[ra.Counts] = &Field{Name: f.Name, Go: f.StructField(), Type: f.Type.String()}
				continue
			}
			ant, err := entoas.FieldAnnotation(f)
			if err != nil {
				return nil, err
			}
			if ant.Skip || f.Sensitive() {
				continue
			}
			if f.Type.Type == field.TypeOther {
				// The generated loaders scan columns with database/sql.
				return nil, fmt.Errorf("field %s.%s: type %s is not supported (skip it with entoas.Skip(true))", n.Name, f.Name, f.Type)
			}
			field := &Field{
				Name:      f.Name,
				Go:        f.StructField(),
				Type:      f.Type.String(),
				Optional:  f.Optional || f.Default,
				Nillable:  f.Nillable,
				Nullable:  f.Optional,
				ReadOnly:  ant.ReadOnly,
				Immutable: f.Immutable,
				Enum:      f.IsEnum(),
				Unique:    f.Unique,
				JSON:      f.Type.Type == field.TypeJSON,
			}
			switch {
			case f.IsEnum():
				field.PkgPath = m.EntPackage + "/" + n.Package()
			case f.Type.PkgPath != "" && f.Type.PkgPath != "time":
				field.PkgPath = f.Type.PkgPath
			}
			for _, v := range f.Enums {
				field.Values = append(field.Values, v.Value)
			}
			if f.Default {
				field.Default = n.Package() + "." + f.DefaultName()
				if f.DefaultFunc() {
					field.Default += "()"
				}
			}
			if f.Validators > 0 || f.IsEnum() {
				field.Validator = n.Package() + "." + f.Validator()
			}
			if f.IsEdgeField() {
				ref, err := f.Edge()
				if err != nil {
					return nil, err
				}
				field.Ref = byName[ref.Type.Name]
				field.Ref.Referenced = true
			}
			if ra, _ := restAnnotation(f.Annotations); ra.SoftDelete {
				if !f.IsTime() || !f.Nillable {
					return nil, fmt.Errorf("field %s.%s: a soft-delete field must be an optional, nillable time", n.Name, f.Name)
				}
				e.SoftDelete = field
			}
			if e.NoID {
				if field.oas, err = entoas.OgenSchema(f); err != nil {
					return nil, fmt.Errorf("field %s.%s: %w", n.Name, f.Name, err)
				}
			}
			e.Fields = append(e.Fields, field)
		}
		for _, ed := range n.Edges {
			ant, err := entoas.EdgeAnnotation(ed)
			if err != nil {
				return nil, err
			}
			if ant.Skip {
				continue // no sub-route, no include, not in bodies
			}
			edge := &Edge{
				Name:    ed.Name,
				Go:      ed.StructField(),
				Path:    "/" + strcase.KebabCase(ed.Name),
				Unique:  ed.Unique,
				Target:  byName[ed.Type.Name],
				AddIDs:  ed.MutationAdd(),
				Clear:   "Clear" + ed.StructField(),
				Remove:  ed.MutationRemove(),
				M2M:     ed.M2M(),
				Bounded: ed.M2M() && !ed.IsInverse(),
				Through: ed.Through != nil,
				Step:    stepOf(n, ed),
			}
			if ed.M2M() && ed.IsInverse() {
				edge.ParentPK, edge.ChildPK = 1, 0
			} else if ed.M2M() {
				edge.ParentPK, edge.ChildPK = 0, 1
			}
			if c := stored[ed.Name]; c != nil {
				edge.Stored = c
				delete(stored, ed.Name)
			}
			e.Edges = append(e.Edges, edge)
			switch body := bodyEdge(ed); body {
			case edgeByIDs:
				e.Links = append(e.Links, edge)
				edge.Target.Referenced = true
			case edgeNotWritable:
				ant, err := restAnnotation(ed.Annotations)
				if err != nil {
					return nil, fmt.Errorf("edge %s.%s: %w", n.Name, ed.Name, err)
				}
				if !ant.NoNest {
					e.Children = append(e.Children, edge)
				}
			case edgeByField:
				for _, f := range e.Fields {
					if f.Name == ed.Field().Name {
						edge.FK = f
					}
				}
				if edge.FK == nil {
					return nil, fmt.Errorf("edge %s.%s: its foreign-key field is not exposed", n.Name, ed.Name)
				}
			default:
				return nil, fmt.Errorf("edge %s.%s: its foreign key is not a field, so no body can set it; "+
					"declare one (field.Int(%q).Optional().Nillable() and .Field(%q) on the edge) "+
					"or leave the edge out of the API (.Annotations(entoas.Skip(true)))",
					n.Name, ed.Name, ed.Name+"_id", ed.Name+"_id")
			}
		}
		for name := range stored {
			return nil, fmt.Errorf("annotation.CountOf(%q) on %s: the edge is not part of the API", name, n.Name)
		}
	}
	// Foreign keys that restrict deletes, from the tables ent migrates.
	tables, err := g.Tables()
	if err != nil {
		return nil, err
	}
	byTable := make(map[string]*Entity)
	for i, n := range g.Nodes {
		byTable[n.Table()] = m.Entities[i]
	}
	for _, t := range tables {
		// A one-to-one edge's foreign key is unique in the table, not on
		// its field.
		if e := byTable[t.Name]; e != nil {
			for _, f := range e.Fields {
				if c, ok := t.Column(f.Name); ok && c.Unique {
					f.Unique = true
				}
			}
		}
		for _, fk := range t.ForeignKeys {
			if e := byTable[fk.RefTable.Name]; e != nil && fk.OnDelete != schema.Cascade && fk.OnDelete != schema.SetNull {
				e.Restricted = true
			}
		}
	}
	// Second pass: keys and back-references need every entity's fields.
	for i, n := range g.Nodes {
		e := m.Entities[i]
		for _, f := range e.Fields {
			gf := fieldByName(n, f.Name)
			if gf.Unique && !gf.Optional && f.Type == "string" && !f.ReadOnly && onlyRequired(e, f) {
				e.Key = f
			}
		}
		for _, edge := range e.Edges {
			if ed := edgeByName(n, edge.Name); ed.M2M() && ed.IsInverse() && ed.Ref != nil {
				for _, owner := range edge.Target.Edges {
					if owner.Name == ed.Ref.Name && owner.Bounded {
						edge.BoundOf = owner
					}
				}
			}
		}
		// Edges whose target holds the foreign key — nested or not
		// (annotation.NoNest) — load through it.
		for _, edge := range e.Edges {
			if edge.M2M || edge.FK != nil {
				continue
			}
			ed := edgeByName(n, edge.Name)
			if ed.Ref == nil || ed.Ref.Field() == nil {
				return nil, fmt.Errorf("edge %s.%s: the inverse edge has no foreign-key field", n.Name, ed.Name)
			}
			for _, f := range edge.Target.Fields {
				if f.Name == ed.Ref.Field().Name {
					edge.BackRef = f
				}
			}
		}
		for _, child := range e.Children {
			for _, f := range child.NestedFields() {
				if f.Ref != nil {
					f.Ref.RefNested = true
				}
				if f.Unique && !f.Enum && slices.Contains([]string{"KindString", "KindInt", "KindUUID"}, f.Kind()) {
					f.NestedUnique = true
				}
			}
		}
	}
	nestedNames(m)
	return m, nil
}

// nestedNames names the type of each nested child: the owner, the edge in
// the singular and "Create" ("UserPostCreate" for a user's posts) unless
// that is the name of another type (an order's lines would be
// "OrderLineCreate", the create body of OrderLine): then the edge's own
// name ("OrderLinesCreate"), and "Nested…" before it until it is free.
func nestedNames(m *Model) {
	taken := make(map[string]bool)
	for _, e := range m.Entities {
		for _, suffix := range []string{"", "Create", "Update", "List"} {
			taken[e.Name+suffix] = true
		}
		if e.Key != nil {
			taken[e.Name+e.Key.Go+"s"] = true
		}
	}
	for _, e := range m.Entities {
		for _, c := range e.Children {
			name := e.Name + inflect.Singularize(c.Go) + "Create"
			if taken[name] {
				name = e.Name + c.Go + "Create"
			}
			for taken[name] {
				name = e.Name + "Nested" + strings.TrimPrefix(name, e.Name)
			}
			taken[name] = true
			c.Nested = name
		}
	}
}

// restAnnotation decodes the generator's annotation from ant (ent keeps
// annotations as their JSON).
func restAnnotation(ant gen.Annotations) (annotation.Annotation, error) {
	var a annotation.Annotation
	raw, ok := ant[annotation.Name]
	if !ok {
		return a, nil
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &a)
	}
	if err != nil {
		return a, fmt.Errorf("reading its %s annotation: %w", annotation.Name, err)
	}
	return a, nil
}

// idField is the id of n, when its type is one the API serves: ints the
// database numbers, strings and UUIDs ent makes with the schema's default.
func idField(n *gen.Type) (*Field, error) {
	f := &Field{Name: "id", Go: "ID", Type: n.ID.Type.String(), ReadOnly: true}
	switch n.ID.Type.Type {
	case field.TypeInt, field.TypeInt64:
	case field.TypeString, field.TypeUUID:
		// Without a default, clients choose the ids (see Entity.ClientID).
		if n.ID.Default {
			f.Default = n.Package() + "." + n.ID.DefaultName()
			if n.ID.DefaultFunc() {
				f.Default += "()"
			}
		}
		f.PkgPath = n.ID.Type.PkgPath
	default:
		return nil, fmt.Errorf("type %s: id type %s is not supported (int, int64, string or UUID); "+
			"leave the type out of the API with entoas.Skip(true)", n.Name, n.ID.Type)
	}
	if f.Type != "int" && f.Type != "int64" && f.Type != "string" && f.Type != "uuid.UUID" {
		return nil, fmt.Errorf("type %s: id type %s is not supported (int, int64, string or UUID)", n.Name, f.Type)
	}
	return f, nil
}

// onlyRequired reports whether key is the only field a create of e needs, so
// that e can be created from its key alone.
func onlyRequired(e *Entity, key *Field) bool {
	if e.ClientID {
		return false
	}
	for _, f := range e.Fields {
		if f != key && f.InCreate() && !f.Optional {
			return false
		}
	}
	return true
}

func fieldByName(n *gen.Type, name string) *gen.Field {
	for _, f := range n.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func edgeByName(n *gen.Type, name string) *gen.Edge {
	for _, e := range n.Edges {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// NestedFields are the fields a nested create body of the edge's target
// holds: its create fields without the back-reference to the owner.
func (e *Edge) NestedFields() []*Field {
	var fs []*Field
	for _, f := range e.Target.Fields {
		if f.InCreate() && f != e.BackRef {
			fs = append(fs, f)
		}
	}
	return fs
}

// CreateChecks reports whether a nested create of the edge's targets
// checks its values against other rows first: the ids they link to, the
// rows their fields reference, or the values they must not share.
func (e *Edge) CreateChecks() bool {
	for _, l := range e.Target.Links {
		if !l.ByKey() {
			return true
		}
	}
	for _, f := range e.NestedFields() {
		if f.Ref != nil || f.NestedUnique {
			return true
		}
	}
	return false
}

// SharedFields are the fields that every nested create of the edge's target
// sets alike: the back-reference to the owner, then the fields the server
// sets from ent's defaults (created_at).
func (e *Edge) SharedFields() []*Field {
	fs := []*Field{e.BackRef}
	for _, f := range e.Target.Fields {
		if !f.InCreate() && f.Default != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// IDs is the id field of e in a slice, empty for NoID entities.
func (e *Entity) IDs() []*Field {
	if e.NoID {
		return nil
	}
	return []*Field{e.ID}
}

// Resources are the entities served as resources: all but NoID ones.
func (m *Model) Resources() []*Entity {
	var es []*Entity
	for _, e := range m.Entities {
		if !e.NoID {
			es = append(es, e)
		}
	}
	return es
}

// RoutedEdges are the edges of e with a sub-resource route.
func (e *Entity) RoutedEdges() []*Edge {
	var es []*Edge
	for _, edge := range e.Edges {
		if edge.Routed() {
			es = append(es, edge)
		}
	}
	return es
}

// Routed reports whether the edge has a sub-resource route: not to NoID
// entities, which are read through include only.
func (e *Edge) Routed() bool { return !e.Target.NoID }

// Order are the columns (Go constants) the rows of e are ordered by.
func (e *Entity) Order() []string {
	if e.NoID {
		return e.OrderCols
	}
	return []string{e.Pkg + ".FieldID"}
}

// RowDefaults reports whether rows of e take values that differ from row
// to row and must: a default id (a UUID), an id the client chose, or a
// unique field's default.
// Bulk statements, which compute a default once for all rows, cannot make
// them.
func (e *Entity) RowDefaults() bool {
	if e.NoID || e.ID.Default != "" || e.ClientID {
		return true
	}
	for _, f := range e.Fields {
		if f.Unique && f.Default != "" {
			return true
		}
	}
	return false
}

// BuildersOnly reports whether rows of e are inserted through ent's
// builders only, never by the bulk statements: they take per-row defaults
// (RowDefaults) or link through an edge schema, whose defaults ent sets.
func (e *Entity) BuildersOnly() bool { return e.RowDefaults() || e.ThroughLinks() }

// ThroughLinks reports whether a link of e goes through an edge schema.
func (e *Entity) ThroughLinks() bool {
	for _, l := range e.Links {
		if l.Through {
			return true
		}
	}
	return false
}

// KeysFirst reports whether a create of e finds or creates the keyed rows
// it links to before inserting its row: it links to some itself. Otherwise
// only the rows below it link by key, and the find-or-create goes in one
// round trip with their inserts.
func (e *Entity) KeysFirst() bool { return len(e.KeyLinks()) > 0 }

// KeyLinks are the links of e that go by natural key.
func (e *Entity) KeyLinks() []*Edge {
	var ls []*Edge
	for _, l := range e.Links {
		if l.ByKey() {
			ls = append(ls, l)
		}
	}
	return ls
}

// SharedJoinTable reports whether two links of e share a join table: both
// directions of a self-referential many-to-many edge (following and
// followers).
func (e *Entity) SharedJoinTable() bool {
	for i, a := range e.Links {
		for _, b := range e.Links[i+1:] {
			if a.M2M && b.M2M && a.Target == b.Target && a.Target == e {
				return true
			}
		}
	}
	return false
}

// KeyLinkTargets are the keyed entities the links of e go to, each once.
func (e *Entity) KeyLinkTargets() []*Entity {
	var ts []*Entity
	for _, l := range e.KeyLinks() {
		if !slices.Contains(ts, l.Target) {
			ts = append(ts, l.Target)
		}
	}
	return ts
}

// KeyTargets are the keyed entities a create of e links by key, directly or
// through its nested children.
func (e *Entity) KeyTargets() []*Entity {
	var ts []*Entity
	add := func(t *Entity) {
		for _, x := range ts {
			if x == t {
				return
			}
		}
		ts = append(ts, t)
	}
	for _, l := range e.KeyLinks() {
		add(l.Target)
	}
	for _, c := range e.Children {
		for _, l := range c.Target.KeyLinks() {
			add(l.Target)
		}
	}
	return ts
}

// EdgeNames lists the names of e's edges, quoted, for generated code.
func (e *Entity) EdgeNames() string {
	var names []string
	for _, edge := range e.Edges {
		names = append(names, strconv.Quote(edge.Name))
	}
	return strings.Join(names, ", ")
}

// Keyed returns the entities that have a natural key.
func (m *Model) Keyed() []*Entity {
	var es []*Entity
	for _, e := range m.Entities {
		if e.Key != nil {
			es = append(es, e)
		}
	}
	return es
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

// stepOf is the Go expression, in a package importing n's, of the sqlgraph
// step of n's edge ed: what ent's unexported new<Edge>Step returns (ent's
// dialect/sql/meta.tmpl), spelled with the exported constants of n's package.
func stepOf(n *gen.Type, ed *gen.Edge) string {
	pkg := n.Package() + "."
	var from, to string
	switch {
	case n.HasCompositeID():
		// From an edge schema: its edge's column.
		from = fmt.Sprintf("sqlgraph.From(%sTable, %s%s)", pkg, pkg, ed.ColumnConstant())
		to = fmt.Sprintf("sqlgraph.To(%s%s, %s%sFieldID)", pkg, ed.InverseTableConstant(), pkg, ed.Type.Name)
	default:
		from = fmt.Sprintf("sqlgraph.From(%sTable, %s%s)", pkg, pkg, n.ID.Constant())
		table := pkg + "Table"
		if n.Table() != ed.Type.Table() {
			table = pkg + ed.InverseTableConstant()
		}
		column := pkg + ed.ColumnConstant() // to an edge schema: its column
		if ed.Type.HasOneFieldID() {
			column = pkg + n.ID.Constant()
			if ed.Type.ID.StorageKey() != n.ID.StorageKey() {
				column = pkg + ed.Type.Name + "FieldID"
			}
		}
		to = fmt.Sprintf("sqlgraph.To(%s, %s)", table, column)
	}
	columns := pkg + ed.ColumnConstant()
	if ed.M2M() {
		columns = pkg + ed.PKConstant() + "..."
	}
	return fmt.Sprintf("sqlgraph.NewStep(%s, %s, sqlgraph.Edge(sqlgraph.%s, %t, %s%s, %s))",
		from, to, ed.Rel.Type, ed.IsInverse(), pkg, ed.TableConstant(), columns)
}
