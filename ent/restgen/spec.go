package restgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"entgo.io/ent/entc/gen"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/ogen-go/ogen"
)

// Limits the spec publishes and the handlers rely on (the spec is what
// enforces them: every request is validated against it first).
const (
	// DefaultPageSize is the page size of a list when itemsPerPage is absent.
	DefaultPageSize = 30
	// MaxPageSize bounds itemsPerPage.
	MaxPageSize = 100
	// MaxPage bounds the page number, so offsets stay bounded.
	MaxPage = 1_000_000
	// MaxLinks bounds the ids or keys a body may list for a many-to-many
	// edge, and the nested children of one kind in a create body.
	MaxLinks = 100
	// MaxIncluded bounds each collection loaded by include, per parent: the
	// first MaxIncluded by id.
	MaxIncluded = 100
	// MaxIncludeDepth bounds how deep an include path goes (posts.tags is 2).
	MaxIncludeDepth = 3
	// MaxIncludePaths bounds the number of include paths of one request.
	MaxIncludePaths = 10
)

// Bounded lists (a post's tags) are read without a cap: they must fit in it.
const _ = uint(MaxIncluded - MaxLinks)

// MutateSpec is an entoas.MutateFunc. It turns the spec entoas derives from
// the graph into the contract of the generated handlers:
//   - one schema per entity, with its edges as optional properties filled by
//     include, for every response (entoas's per-operation views are dropped);
//   - one Error schema for every error response;
//   - 201 with a Location header on create;
//   - request bodies that carry only what the handlers accept (fields; id
//     lists or, for targets with a natural key, key lists for many-to-many
//     edges; nested children on create), reject unknown properties, and mark
//     nullable fields as such on update;
//   - bounded, defaulted pagination on lists, and include on every read;
//   - the routes entoas does not generate: PUT/DELETE of a unique child
//     (/users/{id}/profile) and PUT/POST/DELETE of links by key
//     (/posts/{id}/tags).
func (x *Extension) MutateSpec(g *gen.Graph, spec *ogen.Spec) error {
	m := x.model
	if m == nil {
		var err error
		if m, err = newModel(g, x.cfg.Package); err != nil {
			return err
		}
	}
	title, desc, version := x.cfg.Title, x.cfg.Description, x.cfg.Version
	if title == "" {
		title = "API"
	}
	if desc == "" {
		desc = "Generated from its ent schema."
	}
	if version == "" {
		version = "1.0.0"
	}
	spec.Info.SetTitle(title).SetDescription(desc).SetVersion(version)
	if l := x.cfg.License; l.Name != "" {
		spec.Info.SetLicense(&l)
	}
	if c := x.cfg.Contact; c.Name != "" || c.URL != "" || c.Email != "" {
		spec.Info.SetContact(&c)
	}
	errorResponses(spec)
	// Key property schemas, read before any body changes.
	keys := make(map[*Entity]*ogen.Schema)
	for _, e := range m.Keyed() {
		body, err := jsonBody(spec.Paths[e.Path].Post)
		if err != nil {
			return err
		}
		keys[e] = property(body, e.Key.Name)
	}
	for _, e := range m.Entities {
		if e.NoID {
			// entoas did not see it (see hideCompositeIDs).
			s := ogen.NewSchema()
			for _, f := range e.Fields {
				s.AddOptionalProperties(f.oas.ToProperty(f.Name))
			}
			spec.AddSchema(e.Name, s)
		}
	}
	params := make(map[*Entity][]*ogen.Parameter)
	for _, e := range m.Entities {
		entitySchema(spec, e)
		if e.NoID {
			continue
		}
		listSchema(spec, e)
		params[e] = listParameters(spec, e)
	}
	for _, e := range m.Resources() {
		if err := mutateEntity(spec, e, keys, params); err != nil {
			return fmt.Errorf("shaping spec of %s: %w", e.Name, err)
		}
	}
	// Drop the sub-routes of edges the REST layer leaves out (entoas.Skip).
	served := make(map[string]bool)
	for _, e := range m.Entities {
		served[e.Path] = true
		served[e.Path+"/{id}"] = true
		if e.SoftDelete != nil {
			served[e.Path+"/{id}/restore"] = true
		}
		for _, edge := range e.Edges {
			served[e.Path+"/{id}"+edge.Path] = true
			if edge.M2M && edge.Target.Key != nil {
				served[e.Path+"/{id}"+edge.Path+"/{"+edge.Target.Key.Name+"}"] = true
			}
		}
	}
	for path := range spec.Paths {
		if !served[path] {
			delete(spec.Paths, path)
		}
	}
	security(spec)
	conditional(spec, m)
	if err := shape(spec, m); err != nil {
		return err
	}
	serverHeaders(spec, x.cfg.Headers)
	// Drop entoas's per-operation views, now unreferenced.
	keep := map[string]bool{"Problem": true, "FieldError": true, "Deleted": true, "Updated": true}
	for _, e := range m.Entities {
		keep[e.Name] = true
		keep[e.Name+"List"] = true
		keep[e.Name+"Create"] = true     // request bodies (shape)
		keep[e.Name+"CreateMany"] = true // bulk create (bulkCreate)
		keep[e.Name+"Many"] = true
		keep[e.Name+"Update"] = true
		if e.Key != nil {
			keep[e.Name+e.Key.Go+"s"] = true // link bodies (keyRoutes)
		}
		for _, c := range e.Children {
			keep[e.NestedName(c)] = true
		}
	}
	for name := range spec.Components.Schemas {
		if !keep[name] {
			delete(spec.Components.Schemas, name)
		}
	}
	return nil
}

// NestedName is the name of the schema (and Go type) of a child created
// inside the create body of e (see nestedNames).
func (e *Entity) NestedName(child *Edge) string { return child.Nested }

// errorResponses replaces entoas's error responses with one documented shape.
func errorResponses(spec *ogen.Spec) {
	spec.AddSchema("FieldError", ogen.NewSchema().
		SetDescription("One invalid part of a request.").
		AddRequiredProperties(
			ogen.String().
				SetDescription("Where the invalid value is.").
				SetEnum(enum("body", "query", "path", "header")).
				ToProperty("in"),
			ogen.String().
				SetDescription("The parameter or body property, dotted for nested ones (posts.0.title); empty for the body as a whole.").
				ToProperty("field"),
			ogen.String().
				SetDescription("What is wrong with it.").
				ToProperty("message"),
		))
	spec.AddSchema("Problem", ogen.NewSchema().
		SetDescription("The body of every error response: RFC 9457 problem details, with the invalid parts of the request and the request ID as extension members.").
		AddRequiredProperties(
			ogen.String().SetFormat("uri-reference").SetDescription(`The kind of problem: "about:blank", whose title is the status's reason phrase.`).ToProperty("type"),
			ogen.String().SetDescription("The HTTP status text.").ToProperty("title"),
			ogen.Int().SetDescription("The HTTP status code.").ToProperty("status"),
			ogen.String().SetDescription("What went wrong and, where a value was refused, what was expected.").ToProperty("detail"),
		).
		AddOptionalProperties(
			ogen.String().SetFormat("uri-reference").SetDescription("The path of the request.").ToProperty("instance"),
			spec.RefSchema("FieldError").Schema.AsArray().
				SetDescription("Each invalid part of the request.").
				ToProperty("errors"),
			ogen.String().SetDescription("The request ID, also sent as X-Request-Id.").ToProperty("request_id"),
		))
	delete(spec.Components.Responses, strconv.Itoa(http.StatusForbidden))
	for code, desc := range map[int]string{
		http.StatusBadRequest:            "The request is invalid; errors names each invalid part.",
		http.StatusNotFound:              "The resource does not exist.",
		http.StatusConflict:              "The request conflicts with existing data (a unique field already taken).",
		http.StatusRequestEntityTooLarge: "The request body is larger than the server accepts.",
		http.StatusUnsupportedMediaType:  "The request body is not sent as application/json.",
		http.StatusUnauthorized:          "A valid bearer token is required (when the server has API tokens).",
		http.StatusServiceUnavailable:    "The database is unavailable or too slow; retry after the Retry-After seconds.",
		http.StatusInternalServerError:   "An unexpected error; the request ID identifies it in the server log.",
	} {
		spec.AddResponse(strconv.Itoa(code), problem(spec, desc))
	}
	spec.AddResponse("Problem", problem(spec, "An error: RFC 9457 problem details."))
}

// problem is an error response described by desc.
func problem(spec *ogen.Spec, desc string) *ogen.Response {
	return ogen.NewResponse().SetDescription(desc).AddContent(restkit.ProblemContentType, spec.RefSchema("Problem").Schema)
}

// entitySchema makes the entity's schema the one every response uses: its
// id and fields, and its edges as optional properties that include fills.
func entitySchema(spec *ogen.Spec, e *Entity) {
	s := spec.Components.Schemas[e.Name]
	base := make(map[string]ogen.Property)
	for _, p := range s.Properties {
		base[p.Name] = p
	}
	var props ogen.Properties
	var required []string
	if !e.NoID {
		props, required = ogen.Properties{base["id"]}, []string{"id"}
	}
	for _, f := range e.Fields {
		props = append(props, base[f.Name])
		// Nillable fields are left out when null, JSON fields when empty.
		if !f.Nillable && !f.JSON {
			required = append(required, f.Name)
		}
	}
	for _, edge := range e.Edges {
		ref := spec.RefSchema(edge.Target.Name).Schema
		desc := fmt.Sprintf("The %s; present with include=%s.", edge.Name, edge.Name)
		if !edge.Unique {
			ref = ref.AsArray()
			desc = fmt.Sprintf("The first %d %s by id; present with include=%s.", MaxIncluded, edge.Name, edge.Name)
		}
		props = append(props, *ref.SetDescription(desc).ToProperty(edge.Name))
	}
	for _, c := range e.Counted() {
		props = append(props, *ogen.Int().
			SetDescription(fmt.Sprintf("The number of %s; present with count=%s.", c.Name, c.Name)).
			ToProperty(c.CountName()))
	}
	s.Properties = props
	s.Required = required
	s.SetDescription(fmt.Sprintf("A %s.", e.Label))
}

// mutateEntity shapes the operations of one entity.
func mutateEntity(spec *ogen.Spec, e *Entity, keys map[*Entity]*ogen.Schema, params map[*Entity][]*ogen.Parameter) error {
	root, item := spec.Paths[e.Path], spec.Paths[e.Path+"/{id}"]
	if root == nil || item == nil || root.Post == nil || root.Get == nil || item.Patch == nil || item.Get == nil || item.Delete == nil {
		return fmt.Errorf("entoas did not generate the paths of %s", e.Path)
	}
	one := spec.RefSchema(e.Name).Schema
	bulkDelete(spec, e, root, params[e])

	// Create: 201 + Location, nested children.
	delete(root.Post.Responses, "200")
	root.Post.AddResponse(strconv.Itoa(http.StatusCreated), created(e.Label, one))
	if len(e.Children) > 0 {
		root.Post.SetDescription(root.Post.Description + " Children given nested are created with it, in one transaction; the response includes them.")
	}
	for _, op := range []*ogen.Operation{root.Post, item.Patch} {
		addErrors(spec, op, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	for _, child := range e.Children {
		spec.AddSchema(e.NestedName(child), nestedBody(spec, child, keys))
	}
	if err := mutateBody(spec, root.Post, e, false, keys); err != nil {
		return err
	}
	if err := mutateBody(spec, item.Patch, e, true, keys); err != nil {
		return err
	}

	setResponse(item.Get, http.StatusOK, one)
	setResponse(item.Patch, http.StatusOK, one)
	lists := make(map[*Entity]*ogen.Schema)
	for _, t := range append([]*Entity{e}, edgeTargets(e)...) {
		lists[t] = spec.RefSchema(t.Name + "List").Schema
	}
	setResponse(root.Get, http.StatusOK, lists[e])
	root.Get.AddParameters(params[e]...)
	if len(e.Counted()) > 0 {
		item.Get.AddParameters(ogen.NewParameter().SetRef("#/components/parameters/" + e.Name + ".count"))
	}
	// Reads and lists never conflict; deletes only when other rows may still
	// refer to the row (a foreign key that restricts deletes).
	for _, op := range []*ogen.Operation{root.Get, item.Get, item.Delete} {
		delete(op.Responses, strconv.Itoa(http.StatusConflict))
	}
	if e.Restricted {
		item.Delete.AddResponse(strconv.Itoa(http.StatusConflict), ogen.NewResponse().
			SetDescription(fmt.Sprintf("Other rows still refer to the %s (a foreign key without ON DELETE CASCADE or SET NULL).", e.Label)).
			AddContent(restkit.ProblemContentType, spec.RefSchema("Problem").Schema))
	}
	pagination(root.Get, e)
	countPreference(root.Get)
	include(root.Get, e)
	include(item.Get, e)
	for _, edge := range e.RoutedEdges() {
		p := spec.Paths[e.Path+"/{id}"+edge.Path]
		if p == nil || p.Get == nil {
			return fmt.Errorf("entoas did not generate %s/{id}%s", e.Path, edge.Path)
		}
		delete(p.Get.Responses, strconv.Itoa(http.StatusConflict))
		target := spec.RefSchema(edge.Target.Name).Schema
		if edge.Unique {
			setResponse(p.Get, http.StatusOK, target)
		} else {
			setResponse(p.Get, http.StatusOK, lists[edge.Target])
			pagination(p.Get, edge.Target)
			countPreference(p.Get)
			p.Get.AddParameters(params[edge.Target]...)
		}
		include(p.Get, edge.Target)
	}
	for _, child := range e.Children {
		if child.Unique {
			childRoutes(spec, e, child)
		}
	}
	if e.SoftDelete != nil {
		softDelete(spec, e)
	}
	for _, link := range e.KeyLinks() {
		keyRoutes(spec, e, link, keys[link.Target])
	}
	return nil
}

// security declares the optional bearer-token protection: when the server
// has API tokens (BLOG_API_TOKENS), mutating operations need one; reads need
// one only with BLOG_READ_AUTH=1. Every operation may also answer 503.
func security(spec *ogen.Spec) {
	if spec.Components.SecuritySchemes == nil {
		spec.Components.SecuritySchemes = map[string]*ogen.SecurityScheme{}
	}
	spec.Components.SecuritySchemes["bearerAuth"] = &ogen.SecurityScheme{
		Type:        "http",
		Scheme:      "bearer",
		Description: "One of the server's API tokens (BLOG_API_TOKENS). Without tokens configured the API is open.",
	}
	bearer := ogen.SecurityRequirement{"bearerAuth": {}}
	for _, item := range spec.Paths {
		for _, op := range []*ogen.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			// Open unless the server runs with tokens: no requirement, or a
			// token (generated clients then send one when given one).
			op.Security = ogen.SecurityRequirements{{}, bearer}
			addErrors(spec, op, http.StatusUnauthorized, http.StatusServiceUnavailable)
			// Every error, listed or not, has the one shape: generators make
			// one error type of it.
			op.Responses["default"] = &ogen.Response{Ref: "#/components/responses/Problem"}
		}
	}
}

// edgeTargets are the targets of e's edges.
func edgeTargets(e *Entity) []*Entity {
	var ts []*Entity
	for _, edge := range e.RoutedEdges() {
		ts = append(ts, edge.Target)
	}
	return ts
}

// conditional documents conditional requests (RFC 9110 section 13): every
// GET answers with an ETag (weak on lists) and 304 when If-None-Match names
// it; the writes of a single resource — PATCH and DELETE of an item, PUT and
// DELETE of a unique child — take If-Match and answer 412 when the resource
// changed since.
func conditional(spec *ogen.Spec, m *Model) {
	spec.AddParameter("IfNoneMatch", ogen.NewParameter().InHeader().SetName("If-None-Match").
		SetDescription("ETags of representations the client holds: 304 Not Modified when one is current.").
		SetSchema(ogen.String()))
	spec.AddParameter("IfMatch", ogen.NewParameter().InHeader().SetName("If-Match").
		SetDescription("Write only if the resource is unchanged: the ETag of its plain read (GET without include or count), or *; 412 otherwise.").
		SetSchema(ogen.String()))
	spec.AddResponse("304", ogen.NewResponse().SetDescription("Not Modified: the representation the If-None-Match tag names is current."))
	spec.AddResponse("412", problem(spec, "Precondition Failed: the resource changed since the If-Match tag was read, or does not exist."))
	for _, item := range spec.Paths {
		if op := item.Get; op != nil && op.Responses["200"] != nil {
			op.AddParameters(ogen.NewParameter().SetRef("#/components/parameters/IfNoneMatch"))
			op.AddNamedResponses(spec.RefResponse("304"))
			ok := op.Responses["200"]
			if ok.Headers == nil {
				ok.Headers = map[string]*ogen.Header{}
			}
			ok.Headers["ETag"] = &ogen.Header{Description: "The entity tag of the response: strong for a resource, weak (W/) for a page of a list.", Schema: ogen.String()}
		}
	}
	writes := func(p *ogen.PathItem) {
		if p == nil {
			return
		}
		for _, op := range []*ogen.Operation{p.Patch, p.Put, p.Delete} {
			if op != nil {
				op.AddParameters(ogen.NewParameter().SetRef("#/components/parameters/IfMatch"))
				op.AddNamedResponses(spec.RefResponse("412"))
			}
		}
	}
	for _, e := range m.Resources() {
		writes(spec.Paths[e.Path+"/{id}"])
		for _, c := range e.Children {
			if c.Unique {
				writes(spec.Paths[e.Path+"/{id}"+c.Path])
			}
		}
	}
	// Link routes change their owner (its updated_at too): conditional on
	// the owner's tag.
	spec.AddParameter("IfMatchOwner", ogen.NewParameter().InHeader().SetName("If-Match").
		SetDescription("Change the links only if the resource the path's id names is unchanged: the ETag of its plain read (GET of the item), or *; 412 otherwise.").
		SetSchema(ogen.String()))
	for _, e := range m.Resources() {
		for _, l := range e.KeyLinks() {
			for _, p := range []*ogen.PathItem{spec.Paths[e.Path+"/{id}"+l.Path], spec.Paths[e.Path+"/{id}"+l.Path+"/{"+l.Target.Key.Name+"}"]} {
				if p == nil {
					continue
				}
				for _, op := range []*ogen.Operation{p.Put, p.Post, p.Delete} {
					if op != nil {
						op.AddParameters(ogen.NewParameter().SetRef("#/components/parameters/IfMatchOwner"))
						op.AddNamedResponses(spec.RefResponse("412"))
					}
				}
			}
		}
	}
}

// shape gives the spec what generators and linters expect of it: a
// server (the one serving the document), named component schemas for the
// create and update bodies ({E}Create, {E}Update: the Go types' names) with
// a description on every body, and no $ref with siblings (OpenAPI 3.0
// ignores them): a described reference becomes an allOf of one.
func shape(spec *ogen.Spec, m *Model) error {
	spec.Servers = []ogen.Server{{URL: "/", Description: "The server that serves this document (blog serve listens on localhost:8080 by default)."}}
	spec.Tags = nil
	for _, e := range m.Resources() {
		spec.Tags = append(spec.Tags, ogen.Tag{Name: e.Name, Description: fmt.Sprintf("The %ss and their edges.", e.Label)})
	}
	for _, e := range m.Resources() {
		for _, b := range []struct {
			op         *ogen.Operation
			name, desc string
		}{
			{spec.Paths[e.Path].Post, e.Name + "Create", fmt.Sprintf("The %s to create.", e.Label)},
			{spec.Paths[e.Path+"/{id}"].Patch, e.Name + "Update", fmt.Sprintf("The properties of the %s to change; absent ones keep their value, null clears an optional one.", e.Label)},
		} {
			if b.op == nil {
				continue
			}
			body, err := jsonBody(b.op)
			if err != nil {
				return err
			}
			if body.Ref == "" {
				spec.AddSchema(b.name, body)
				b.op.RequestBody.Content["application/json"] = ogen.Media{Schema: spec.RefSchema(b.name).Schema}
			}
			b.op.RequestBody.SetDescription(b.desc)
		}
	}
	for _, e := range m.Resources() {
		bulkUpdate(spec, e)
		bulkCreate(spec, e)
	}
	for _, item := range spec.Paths {
		for _, op := range []*ogen.Operation{item.Put, item.Post, item.Patch} {
			if op != nil && op.RequestBody != nil && op.RequestBody.Description == "" {
				op.RequestBody.SetDescription(op.Summary + ".")
			}
		}
	}
	seen := map[*ogen.Schema]bool{}
	for _, s := range spec.Components.Schemas {
		unRefSiblings(s, seen)
	}
	for _, item := range spec.Paths {
		for _, op := range []*ogen.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op != nil && op.RequestBody != nil {
				for _, media := range op.RequestBody.Content {
					unRefSiblings(media.Schema, seen)
				}
			}
		}
	}
	return nil
}

// unRefSiblings rewrites, under s, each property that is a $ref with
// siblings (a description) as an allOf holding the reference, beside them.
func unRefSiblings(s *ogen.Schema, seen map[*ogen.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for i, p := range s.Properties {
		if p.Schema != nil && p.Schema.Ref != "" && !reflect.DeepEqual(*p.Schema, ogen.Schema{Ref: p.Schema.Ref}) {
			wrapper := *p.Schema
			wrapper.Ref, wrapper.AllOf = "", []*ogen.Schema{{Ref: p.Schema.Ref}}
			s.Properties[i].Schema = &wrapper
			continue
		}
		unRefSiblings(p.Schema, seen)
	}
	if s.Items != nil {
		unRefSiblings(s.Items.Item, seen)
	}
	for _, sub := range append(append(s.AllOf, s.OneOf...), s.AnyOf...) {
		unRefSiblings(sub, seen)
	}
}

// bulkDelete adds DELETE of the collection by filter: the list's filter
// parameters (not its paging, sort or counts), at least one required.
func bulkDelete(spec *ogen.Spec, e *Entity, root *ogen.PathItem, params []*ogen.Parameter) {
	if spec.Components.Schemas["Deleted"] == nil {
		spec.AddSchema("Deleted", ogen.NewSchema().
			SetDescription("What a bulk delete deleted.").
			AddRequiredProperties(ogen.Int().SetDescription("The number of rows deleted.").ToProperty("deleted")))
	}
	op := ogen.NewOperation().
		SetOperationID(e.OpID("deleteWhere")).
		SetSummary(fmt.Sprintf("Delete the %ss a filter selects", e.Label)).
		SetDescription(fmt.Sprintf("Deletes, in one statement and one transaction, every %s the filters select (at least one filter is required): "+
			"at most %d; a filter selecting more is refused with 400 and nothing is deleted. Rows that depend on them go with them, as with DELETE of an item.",
			e.Label, restkit.MaxBulk)).
		AddTags(e.Name).
		AddResponse(strconv.Itoa(http.StatusOK), ogen.NewResponse().
			SetDescription("The rows were deleted.").
			SetJSONContent(spec.RefSchema("Deleted").Schema))
	for _, p := range params {
		name := p.Ref[strings.LastIndex(p.Ref, ".")+1:]
		if name != "cursor" && name != "sort" && name != "count" {
			op.AddParameters(p)
		}
	}
	addErrors(spec, op, http.StatusBadRequest, http.StatusInternalServerError)
	if e.Restricted {
		op.AddResponse(strconv.Itoa(http.StatusConflict), problem(spec, fmt.Sprintf("Other rows still refer to a %s (a foreign key without ON DELETE CASCADE or SET NULL).", e.Label)))
	}
	root.Delete = op
}

// bulkUpdate adds PATCH of the collection by filter, after the update
// body is a named schema: the filter parameters of the bulk delete, the
// item update's body.
func bulkUpdate(spec *ogen.Spec, e *Entity) {
	root := spec.Paths[e.Path]
	if spec.Components.Schemas["Updated"] == nil {
		spec.AddSchema("Updated", ogen.NewSchema().
			SetDescription("What a bulk update updated.").
			AddRequiredProperties(ogen.Int().SetDescription("The number of rows updated.").ToProperty("updated")))
	}
	links := ""
	if len(e.Links) > 0 {
		links = " Links are not set in bulk (400): PATCH each item for them."
	}
	op := ogen.NewOperation().
		SetOperationID(e.OpID("updateWhere")).
		SetSummary(fmt.Sprintf("Update the %ss a filter selects", e.Label)).
		SetDescription(fmt.Sprintf("Applies the body's properties, in one statement and one transaction, to every %s the filters select (at least one filter is required): "+
			"at most %d; a filter selecting more is refused with 400 and nothing is updated.%s", e.Label, restkit.MaxBulk, links)).
		AddTags(e.Name).
		AddParameters(root.Delete.Parameters...).
		SetRequestBody(ogen.NewRequestBody().SetRequired(true).
			SetDescription(fmt.Sprintf("The properties to set on every %s selected.", e.Label)).
			SetJSONContent(spec.RefSchema(e.Name+"Update").Schema)).
		AddResponse(strconv.Itoa(http.StatusOK), ogen.NewResponse().
			SetDescription("The rows were updated.").
			SetJSONContent(spec.RefSchema("Updated").Schema))
	addErrors(spec, op, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType, http.StatusUnauthorized, http.StatusServiceUnavailable, http.StatusInternalServerError)
	op.Security = root.Delete.Security
	op.Responses["default"] = &ogen.Response{Ref: "#/components/responses/Problem"}
	root.Patch = op
}

// bulkCreate lets POST of the collection take a JSON array of create
// bodies as well as one (after the body is a named schema): all are created
// in one transaction, and the answer is the array of what was created.
func bulkCreate(spec *ogen.Spec, e *Entity) {
	op := spec.Paths[e.Path].Post
	spec.AddSchema(e.Name+"CreateMany", ogen.NewSchema().
		SetType("array").
		SetDescription(fmt.Sprintf("%ss to create together: all or none.", e.Name)).
		SetItems(spec.RefSchema(e.Name+"Create").Schema).
		SetMinItems(ptr(uint64(1))).
		SetMaxItems(ptr(uint64(restkit.MaxCreate))))
	spec.AddSchema(e.Name+"Many", ogen.NewSchema().
		SetType("array").
		SetDescription(fmt.Sprintf("The %ss a bulk create created, in the order of its body.", e.Label)).
		SetItems(spec.RefSchema(e.Name).Schema))
	op.RequestBody.Content["application/json"] = ogen.Media{Schema: ogen.NewSchema().SetOneOf([]*ogen.Schema{
		spec.RefSchema(e.Name + "Create").Schema,
		spec.RefSchema(e.Name + "CreateMany").Schema,
	})}
	op.RequestBody.SetDescription(fmt.Sprintf("The %s to create, or an array of at most %d to create in one transaction.", e.Label, restkit.MaxCreate))
	op.SetDescription(op.Description + fmt.Sprintf(" An array body creates each of its %ss in one transaction — all, or none and the error names the item (\"2.email\") — and the response is the array of them, in order, without Location.", e.Label))
	res := op.Responses[strconv.Itoa(http.StatusCreated)]
	res.SetDescription(fmt.Sprintf("The %s was created (the %ss, for an array body).", e.Label, e.Label))
	res.Content["application/json"] = ogen.Media{Schema: ogen.NewSchema().SetOneOf([]*ogen.Schema{
		spec.RefSchema(e.Name).Schema,
		spec.RefSchema(e.Name + "Many").Schema,
	})}
	res.Headers["Location"].SetDescription(fmt.Sprintf("The URL of the created %s (not sent for an array body).", e.Label))
}

// softDelete documents what soft deletion (softdelete.Mixin) changes for e:
// DELETE sets the field unless hard=true, lists take deleted=, and POST
// {id}/restore clears it.
func softDelete(spec *ogen.Spec, e *Entity) {
	root, item := spec.Paths[e.Path], spec.Paths[e.Path+"/{id}"]
	f := e.SoftDelete.Name
	item.Delete.SetDescription(fmt.Sprintf("Soft-deletes the %s: sets its %s, after which reads, lists and includes leave it out "+
		"(lists show it with deleted=include or deleted=only) until POST %s/{id}/restore. Rows that refer to it stay. "+
		"With hard=true the row is deleted, soft-deleted or not, with the rows that depend on it.", e.Label, f, e.Path))
	item.Delete.AddParameters(ogen.NewParameter().
		SetIn("query").
		SetName("hard").
		SetDescription(fmt.Sprintf("Delete the row itself, not only set its %s.", f)).
		SetSchema(ogen.Bool().SetDefault(json.RawMessage("false"))))
	root.Get.AddParameters(ogen.NewParameter().
		SetIn("query").
		SetName("deleted").
		SetDescription(fmt.Sprintf("Which %ss to list: live ones (exclude, the default), soft-deleted ones too (include), or only those (only).", e.Label)).
		SetSchema(ogen.String().SetEnum(enum("exclude", "include", "only")).SetDefault(json.RawMessage(`"exclude"`))))
	op := ogen.NewOperation().
		SetOperationID(e.OpID("restore")).
		SetSummary(fmt.Sprintf("Restore a soft-deleted %s", e.Label)).
		SetDescription(fmt.Sprintf("Clears the %s of the %s, so reads, lists and includes show it again; a live %s is answered as it is.", f, e.Label, e.Label)).
		AddTags(e.Name).
		AddParameters(item.Get.Parameters[0]).
		AddResponse(strconv.Itoa(http.StatusOK), ogen.NewResponse().
			SetDescription(fmt.Sprintf("The %s, restored.", e.Label)).
			SetJSONContent(spec.RefSchema(e.Name).Schema))
	addErrors(spec, op, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError)
	spec.AddPathItem(e.Path+"/{id}/restore", ogen.NewPathItem().SetPost(op))
}

// childRoutes adds PUT and DELETE of a unique child (/users/{id}/profile).
func childRoutes(spec *ogen.Spec, e *Entity, child *Edge) {
	p := spec.Paths[e.Path+"/{id}"+child.Path]
	id := p.Get.Parameters[0]
	target := spec.RefSchema(child.Target.Name).Schema
	p.Put = ogen.NewOperation().
		SetOperationID("put"+e.Name+child.Go).
		SetSummary(fmt.Sprintf("Create or replace the %s of a %s", child.Name, e.Label)).
		SetDescription(fmt.Sprintf("Creates the %s of the %s, or replaces every field of the existing one.", child.Name, e.Label)).
		AddTags(e.Name).
		AddParameters(id).
		SetRequestBody(ogen.NewRequestBody().
			SetRequired(true).
			SetJSONContent(spec.RefSchema(e.NestedName(child)).Schema)).
		AddResponse(strconv.Itoa(http.StatusOK), ogen.NewResponse().
			SetDescription(fmt.Sprintf("The %s was replaced.", child.Name)).
			SetJSONContent(target)).
		AddResponse(strconv.Itoa(http.StatusCreated), created(child.Name, target))
	addErrors(spec, p.Put, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusInternalServerError)
	p.Delete = ogen.NewOperation().
		SetOperationID("delete"+e.Name+child.Go).
		SetSummary(fmt.Sprintf("Delete the %s of a %s", child.Name, e.Label)).
		SetDescription(fmt.Sprintf("Deletes the %s of the %s; 404 when it has none.", child.Name, e.Label)).
		AddTags(e.Name).
		AddParameters(id).
		AddResponse(strconv.Itoa(http.StatusNoContent), ogen.NewResponse().
			SetDescription(fmt.Sprintf("The %s was deleted.", child.Name)))
	addErrors(spec, p.Delete, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError)
}

// keyRoutes adds PUT, POST and DELETE of links by key (/posts/{id}/tags).
func keyRoutes(spec *ogen.Spec, e *Entity, link *Edge, key *ogen.Schema) {
	p := spec.Paths[e.Path+"/{id}"+link.Path]
	id := p.Get.Parameters[0]
	t := link.Target
	keys := ogen.NewSchema().
		AddRequiredProperties(key.AsArray().
			SetMaxItems(ptr(uint64(MaxLinks))).
			SetDescription(fmt.Sprintf("%s %ss (at most %d; repeats count once); missing %ss are created.",
				strings.ToUpper(t.Key.Name[:1])+t.Key.Name[1:], t.Label, MaxLinks, t.Label)).
			ToProperty(plural(t.Key.Name)))
	keys.AdditionalProperties = &ogen.AdditionalProperties{Bool: ptr(false)}
	keys.SetDescription(fmt.Sprintf("A body listing %ss by %s.", t.Label, t.Key.Name))
	name := t.Name + t.Key.Go + "s" // the Go type's name (TagNames)
	spec.AddSchema(name, keys)
	body := ogen.NewRequestBody().SetRequired(true).SetJSONContent(spec.RefSchema(name).Schema)
	ok := ogen.NewResponse().
		SetDescription(fmt.Sprintf("The %s with its %s (the first %d by id).", e.Label, link.Name, MaxIncluded)).
		SetJSONContent(spec.RefSchema(e.Name).Schema)
	for _, op := range []struct {
		method, verb, summary string
	}{
		{"put", "set", fmt.Sprintf("Replace the %s of a %s", link.Name, e.Label)},
		{"post", "add", fmt.Sprintf("Add %s to a %s", link.Name, e.Label)},
	} {
		o := ogen.NewOperation().
			SetOperationID(op.verb+e.Name+link.Go).
			SetSummary(op.summary).
			SetDescription(fmt.Sprintf("Finds or creates the %ss by %s, in one transaction. %ss are never deleted here.", t.Label, t.Key.Name, t.Name)).
			AddTags(e.Name).
			AddParameters(id).
			SetRequestBody(body).
			AddResponse(strconv.Itoa(http.StatusOK), ok)
		addErrors(spec, o, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusInternalServerError)
		if op.method == "put" {
			p.Put = o
		} else {
			p.Post = o
		}
	}
	one := spec.Paths[e.Path+"/{id}"+link.Path+"/{"+t.Key.Name+"}"]
	if one == nil {
		one = ogen.NewPathItem()
		spec.Paths[e.Path+"/{id}"+link.Path+"/{"+t.Key.Name+"}"] = one
	}
	one.Delete = ogen.NewOperation().
		SetOperationID(e.RemoveOpID(link)).
		SetSummary(fmt.Sprintf("Remove a %s from a %s", t.Label, e.Label)).
		SetDescription(fmt.Sprintf("Unlinks the %s from the %s; the %s itself stays.", t.Label, e.Label, t.Label)).
		AddTags(e.Name).
		AddParameters(id, ogen.NewParameter().
			InPath().
			SetName(t.Key.Name).
			SetRequired(true).
			SetDescription(fmt.Sprintf("The %s of the %s.", t.Key.Name, t.Label)).
			SetSchema(key)).
		AddResponse(strconv.Itoa(http.StatusNoContent), ogen.NewResponse().
			SetDescription(fmt.Sprintf("The %s is no longer linked.", t.Label)))
	addErrors(spec, one.Delete, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError)
}

// created is a 201 response with a Location header.
func created(label string, s *ogen.Schema) *ogen.Response {
	return ogen.NewResponse().
		SetDescription(fmt.Sprintf("The %s was created.", label)).
		SetHeaders(map[string]*ogen.Header{
			"Location": ogen.NewParameter().
				SetDescription("The URL of the created " + label + ".").
				SetSchema(ogen.String()),
		}).
		SetJSONContent(s)
}

// setResponse points op's response for code at schema s.
func setResponse(op *ogen.Operation, code int, s *ogen.Schema) {
	op.Responses[strconv.Itoa(code)].SetJSONContent(s)
}

// addErrors adds the shared error responses for codes to op.
func addErrors(spec *ogen.Spec, op *ogen.Operation, codes ...int) {
	for _, code := range codes {
		op.AddNamedResponses(spec.RefResponse(strconv.Itoa(code)))
	}
}

func jsonBody(op *ogen.Operation) (*ogen.Schema, error) {
	if op == nil || op.RequestBody == nil {
		return nil, fmt.Errorf("operation has no request body")
	}
	media, ok := op.RequestBody.Content["application/json"]
	if !ok || media.Schema == nil {
		return nil, fmt.Errorf("operation %s has no JSON body", op.OperationID)
	}
	return media.Schema, nil
}

func property(s *ogen.Schema, name string) *ogen.Schema {
	for _, p := range s.Properties {
		if p.Name == name {
			c := *p.Schema
			return &c
		}
	}
	return nil
}

// mutateBody makes op's request body list exactly what the handlers accept.
func mutateBody(spec *ogen.Spec, op *ogen.Operation, e *Entity, update bool, keys map[*Entity]*ogen.Schema) error {
	body, err := jsonBody(op)
	if err != nil {
		return err
	}
	fields := make(map[string]*Field)
	for _, f := range e.Fields {
		fields[f.Name] = f
	}
	links := make(map[string]*Edge)
	for _, l := range e.Links {
		links[l.Name] = l
	}
	var props ogen.Properties
	for _, p := range body.Properties {
		switch f, link := fields[p.Name], links[p.Name]; {
		case link != nil:
			p.Schema = linkSchema(link, keys, update)
		case f != nil:
			if !update && f.Optional {
				// Optional, or with a default ent applies (entoas marks
				// defaulted fields required).
				body.Required = remove(body.Required, p.Name)
			}
			if update && f.Nillable {
				s := *p.Schema
				s.Nullable = true
				s.Description = "null clears it."
				p.Schema = &s
			}
		default:
			// An edge set from its other side, or through its foreign-key field.
			body.Required = remove(body.Required, p.Name)
			continue
		}
		props = append(props, p)
	}
	if !update && e.ClientID {
		props = append(ogen.Properties{clientID(e)}, props...)
		body.Required = append([]string{"id"}, body.Required...)
	}
	if !update {
		for _, child := range e.Children {
			s := spec.RefSchema(e.NestedName(child)).Schema
			desc := fmt.Sprintf("The %s to create with the %s.", child.Name, e.Label)
			if !child.Unique {
				s = s.AsArray().SetMaxItems(ptr(uint64(MaxLinks)))
				desc = fmt.Sprintf("The %s to create with the %s (at most %d).", child.Name, e.Label, MaxLinks)
			}
			props = append(props, *s.SetDescription(desc).ToProperty(child.Name))
		}
	}
	body.Properties = props
	body.AdditionalProperties = &ogen.AdditionalProperties{Bool: ptr(false)}
	if len(body.Required) == 0 {
		body.Required = nil
	}
	return nil
}

// linkSchema is the body schema of a many-to-many edge: a list of keys when
// the target has one, else of ids.
func linkSchema(link *Edge, keys map[*Entity]*ogen.Schema, update bool) *ogen.Schema {
	var s *ogen.Schema
	var what string
	if key := keys[link.Target]; key != nil {
		s = key.AsArray()
		what = fmt.Sprintf("%ss of the %s; missing %s are created", link.Target.Key.Name, link.Name, link.Name)
	} else {
		s = idSchema(link.Target).AsArray()
		what = fmt.Sprintf("IDs of the %s", link.Name)
	}
	s.SetMaxItems(ptr(uint64(MaxLinks)))
	if update {
		return s.SetDescription(fmt.Sprintf("%s, replacing the current ones (at most %d; repeats count once).", what, MaxLinks))
	}
	return s.SetDescription(fmt.Sprintf("%s (at most %d; repeats count once).", what, MaxLinks))
}

// clientID is the id property of a create body of e, whose ids clients
// choose.
func clientID(e *Entity) ogen.Property {
	return *idSchema(e).SetDescription(fmt.Sprintf("The id of the new %s, chosen by the client (unique).", e.Label)).ToProperty("id")
}

// idSchema is the schema of an id of e.
func idSchema(e *Entity) *ogen.Schema {
	switch e.ID.Type {
	case "int64":
		return ogen.Int64()
	case "string":
		return ogen.String()
	case "uuid.UUID":
		return ogen.UUID()
	}
	return ogen.Int()
}

// nestedBody is the create body of a child nested in its owner's create.
func nestedBody(spec *ogen.Spec, child *Edge, keys map[*Entity]*ogen.Schema) *ogen.Schema {
	var flat *ogen.Schema
	if child.Target.NoID {
		flat = spec.Components.Schemas[child.Target.Name]
	} else {
		flat, _ = jsonBody(spec.Paths[child.Target.Path].Post)
	}
	s := ogen.NewSchema().SetDescription(fmt.Sprintf("A %s created with its owner.", child.Target.Label))
	if child.Target.ClientID {
		p := clientID(child.Target)
		s.AddRequiredProperties(&p)
	}
	for _, f := range child.NestedFields() {
		p := property(flat, f.Name)
		if f.Optional {
			s.AddOptionalProperties(p.ToProperty(f.Name))
		} else {
			s.AddRequiredProperties(p.ToProperty(f.Name))
		}
	}
	for _, l := range child.Target.Links {
		s.AddOptionalProperties(linkSchema(l, keys, false).ToProperty(l.Name))
	}
	s.AdditionalProperties = &ogen.AdditionalProperties{Bool: ptr(false)}
	return s
}

// pagination bounds and defaults the page parameters of a list operation.
func pagination(op *ogen.Operation, e *Entity) {
	for _, p := range op.Parameters {
		switch p.Name {
		case "page":
			p.SetDescription(fmt.Sprintf("The page to return, from 1 to %d.", MaxPage)).
				SetSchema(ogen.Int().
					SetMinimum(ptr(int64(1))).
					SetMaximum(ptr(int64(MaxPage))).
					SetDefault(json.RawMessage("1")))
		case "itemsPerPage":
			p.SetDescription(fmt.Sprintf("Items per page, at most %d.", e.MaxPageSize)).
				SetSchema(ogen.Int().
					SetMinimum(ptr(int64(1))).
					SetMaximum(ptr(int64(e.MaxPageSize))).
					SetDefault(json.RawMessage(strconv.Itoa(e.PageSize))))
		}
	}
	op.SetDescription(op.Description + " Ordered by id.")
}

// serverHeaders documents hs, the headers of the server around the
// generated layer: a parameter (a component named after the header) of the
// operations of their request methods, and a header of the successful
// answers of their response methods.
func serverHeaders(spec *ogen.Spec, hs []Header) {
	for _, h := range hs {
		schema := h.Schema
		if schema == nil {
			schema = ogen.String()
		}
		ref := ""
		if len(h.Request) > 0 {
			name := strings.Map(func(r rune) rune {
				if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
					return r
				}
				return -1
			}, h.Name)
			spec.AddParameter(name, ogen.NewParameter().InHeader().SetName(h.Name).SetDescription(h.Description).SetSchema(schema))
			ref = "#/components/parameters/" + name
		}
		for _, item := range spec.Paths {
			for method, op := range map[string]*ogen.Operation{
				http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
				http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
			} {
				if op == nil {
					continue
				}
				if slices.Contains(h.Request, method) {
					op.AddParameters(ogen.NewParameter().SetRef(ref))
				}
				if !slices.Contains(h.Response, method) {
					continue
				}
				for code, r := range op.Responses {
					if !strings.HasPrefix(code, "2") || r == nil || r.Ref != "" {
						continue
					}
					if r.Headers == nil {
						r.Headers = map[string]*ogen.Header{}
					}
					r.Headers[h.Name] = &ogen.Header{Description: h.Description, Schema: schema}
				}
			}
		}
	}
}

// countPreference adds to a list operation the Prefer header choosing how
// its total is computed, and the Preference-Applied header of its answer.
func countPreference(op *ogen.Operation) {
	how := fmt.Sprintf("count=estimated (the default) counts exactly up to %d matching rows and takes PostgreSQL's planner estimate beyond, "+
		"count=exact counts every matching row, count=planned takes the planner's estimate (no scan; approximate); "+
		"where there is no estimate (SQLite) estimated and planned are exact", restkit.EstimateAbove)
	op.AddParameters(ogen.NewParameter().
		InHeader().
		SetName("Prefer").
		SetDescription("How to compute total (RFC 7240; other preferences are ignored): " + how + "; count=none leaves total out.").
		SetSchema(ogen.String().SetMaxLength(ptr(uint64(200)))))
	if r := op.Responses[strconv.Itoa(http.StatusOK)]; r != nil {
		if r.Headers == nil {
			r.Headers = map[string]*ogen.Header{}
		}
		r.Headers["Preference-Applied"] = &ogen.Header{
			Description: "How total was computed (count=exact, count=planned or count=none), when the request stated a count preference.",
			Schema:      ogen.String(),
		}
	}
}

// include adds the include parameter of e's responses to op.
func include(op *ogen.Operation, e *Entity) {
	var names []string
	for _, edge := range e.Edges {
		names = append(names, edge.Name)
	}
	schema := ogen.String().
		SetMaxLength(ptr(uint64(200))).
		SetPattern(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*(,[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)*$`)
	if len(e.Edges) > 0 {
		schema.Example, _ = json.Marshal(examplePath(e))
	}
	op.AddParameters(ogen.NewParameter().
		InQuery().
		SetName("include").
		SetDescription(fmt.Sprintf("Comma-separated edge paths to embed in each %s, such as %s. "+
			"The edges of a %s are %s; a path goes on through the edges of the schema it reaches, "+
			"at most %d edges deep and %d paths in all. Each included list holds the first %d items by id.",
			e.Label, examplePath(e), e.Label, strings.Join(names, ", "), MaxIncludeDepth, MaxIncludePaths, MaxIncluded)).
		SetSchema(schema))
}

// examplePath returns an include example for e: an edge and one level more.
func examplePath(e *Entity) string {
	if len(e.Edges) == 0 {
		return "(none)"
	}
	for _, edge := range e.Edges {
		for _, next := range edge.Target.Edges {
			if next.Target != e {
				return edge.Name + "." + next.Name
			}
		}
	}
	return e.Edges[0].Name
}

func enum(vs ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(vs))
	for i, v := range vs {
		out[i], _ = json.Marshal(v)
	}
	return out
}

func plural(s string) string { return s + "s" }

func remove(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
