package restgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"entgo.io/ent/entc/gen"
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
	// MaxLinkIDs bounds the ids a body may list for a many-to-many edge.
	MaxLinkIDs = 100
)

// MutateSpec is an entoas.MutateFunc. It turns the spec entoas derives from
// the graph into the contract of the generated handlers:
//   - one Error schema for every error response;
//   - 201 with a Location header on create;
//   - request bodies that carry only what the handlers accept (fields, and id
//     lists for many-to-many edges), reject unknown properties, and mark
//     nullable fields as such on update;
//   - bounded, defaulted pagination on every list.
func (x *Extension) MutateSpec(g *gen.Graph, spec *ogen.Spec) error {
	m, err := newModel(g, x.cfg.Package)
	if err != nil {
		return err
	}
	spec.Info.
		SetTitle("blog API").
		SetDescription("A blog graph of users, profiles, posts and tags, generated from its ent schema.").
		SetVersion("1.0.0")
	errorResponses(spec)
	for _, e := range m.Entities {
		if err := mutateEntity(spec, e); err != nil {
			return fmt.Errorf("shaping spec of %s: %w", e.Name, err)
		}
	}
	return nil
}

// errorResponses replaces entoas's error responses with one documented shape.
func errorResponses(spec *ogen.Spec) {
	spec.AddSchema("FieldError", ogen.NewSchema().
		SetDescription("One invalid part of a request.").
		AddRequiredProperties(
			ogen.String().
				SetDescription("Where the invalid value is.").
				SetEnum([]json.RawMessage{json.RawMessage(`"body"`), json.RawMessage(`"query"`), json.RawMessage(`"path"`), json.RawMessage(`"header"`)}).
				ToProperty("in"),
			ogen.String().
				SetDescription("The parameter or body property, dotted for nested ones (tags.2); empty for the body as a whole.").
				ToProperty("field"),
			ogen.String().
				SetDescription("What is wrong with it.").
				ToProperty("message"),
		))
	spec.AddSchema("Error", ogen.NewSchema().
		SetDescription("The body of every error response.").
		AddRequiredProperties(
			ogen.Int().SetDescription("The HTTP status code.").ToProperty("code"),
			ogen.String().SetDescription("The HTTP status text.").ToProperty("status"),
			ogen.String().SetDescription("What went wrong.").ToProperty("message"),
		).
		AddOptionalProperties(
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
		http.StatusInternalServerError:   "An unexpected error; the request ID identifies it in the server log.",
	} {
		spec.AddResponse(strconv.Itoa(code), ogen.NewResponse().
			SetDescription(desc).
			SetJSONContent(spec.RefSchema("Error").Schema))
	}
}

// mutateEntity shapes the operations of one entity.
func mutateEntity(spec *ogen.Spec, e *Entity) error {
	root, item := spec.Paths[e.Path], spec.Paths[e.Path+"/{id}"]
	if root == nil || item == nil || root.Post == nil || root.Get == nil || item.Patch == nil {
		return fmt.Errorf("entoas did not generate the paths of %s", e.Path)
	}
	// Create: 201 + Location.
	created := root.Post.Responses["200"]
	delete(root.Post.Responses, "200")
	created.SetHeaders(map[string]*ogen.Header{
		"Location": ogen.NewParameter().
			SetDescription("The URL of the created " + e.Label + ".").
			SetSchema(ogen.String()),
	})
	root.Post.Responses[strconv.Itoa(http.StatusCreated)] = created
	for _, op := range []*ogen.Operation{root.Post, item.Patch} {
		addError(spec, op, http.StatusRequestEntityTooLarge)
		addError(spec, op, http.StatusUnsupportedMediaType)
	}
	if err := mutateBody(root.Post, e, false); err != nil {
		return err
	}
	if err := mutateBody(item.Patch, e, true); err != nil {
		return err
	}
	// Reads, lists and deletes never conflict.
	for _, op := range []*ogen.Operation{root.Get, item.Get, item.Delete} {
		delete(op.Responses, strconv.Itoa(http.StatusConflict))
	}
	pagination(root.Get)
	for _, edge := range e.Edges {
		p := spec.Paths[e.Path+"/{id}"+edge.Path]
		if p == nil || p.Get == nil {
			return fmt.Errorf("entoas did not generate %s/{id}%s", e.Path, edge.Path)
		}
		delete(p.Get.Responses, strconv.Itoa(http.StatusConflict))
		if !edge.Unique {
			pagination(p.Get)
		}
	}
	return nil
}

// addError adds the shared error response for code to op.
func addError(spec *ogen.Spec, op *ogen.Operation, code int) {
	op.AddNamedResponses(spec.RefResponse(strconv.Itoa(code)))
}

// mutateBody makes op's request body list exactly what the handlers accept.
func mutateBody(op *ogen.Operation, e *Entity, update bool) error {
	media, ok := op.RequestBody.Content["application/json"]
	if !ok || media.Schema == nil {
		return fmt.Errorf("operation %s has no JSON body", op.OperationID)
	}
	body := media.Schema
	keep := make(map[string]*Field)
	for _, f := range e.Fields {
		keep[f.Name] = f
	}
	links := make(map[string]bool)
	for _, l := range e.Links {
		links[l.Name] = true
	}
	var props ogen.Properties
	for _, p := range body.Properties {
		switch f, link := keep[p.Name], links[p.Name]; {
		case link:
			s := *p.Schema
			s.MaxItems = ptr(uint64(MaxLinkIDs))
			s.Description = fmt.Sprintf("IDs of the %s to link (at most %d; repeated ids count once).", p.Name, MaxLinkIDs)
			if update {
				s.Description = fmt.Sprintf("IDs of the %s to link instead of the current ones (at most %d).", p.Name, MaxLinkIDs)
			}
			p.Schema = &s
		case f != nil:
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
	body.Properties = props
	body.AdditionalProperties = &ogen.AdditionalProperties{Bool: ptr(false)}
	if len(body.Required) == 0 {
		body.Required = nil
	}
	return nil
}

// pagination bounds and defaults the page parameters of a list operation.
func pagination(op *ogen.Operation) {
	for _, p := range op.Parameters {
		switch p.Name {
		case "page":
			p.SetDescription(fmt.Sprintf("The page to return, from 1 to %d.", MaxPage)).
				SetSchema(ogen.Int().
					SetMinimum(ptr(int64(1))).
					SetMaximum(ptr(int64(MaxPage))).
					SetDefault(json.RawMessage("1")))
		case "itemsPerPage":
			p.SetDescription(fmt.Sprintf("Items per page, at most %d.", MaxPageSize)).
				SetSchema(ogen.Int().
					SetMinimum(ptr(int64(1))).
					SetMaximum(ptr(int64(MaxPageSize))).
					SetDefault(json.RawMessage(strconv.Itoa(DefaultPageSize))))
		}
	}
	op.SetDescription(op.Description + " Ordered by id.")
}

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
