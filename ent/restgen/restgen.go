// Package restgen is an entc extension that generates, from any ent graph,
// its REST layer: request and response types, chi routes with their
// handlers, and a typed Go client. It also shapes the OpenAPI spec that
// entoas writes (see MutateSpec), so that the spec describes exactly what the
// generated handlers do. Generate runs ent, entoas and this extension into a
// temporary directory and puts the result in place only when all succeed.
//
// Both outputs come from one model of the graph (Entity, Field, Edge), built by
// newModel; the rules that decide what a request body may carry live there.
// The generated code uses the runtime in openapi/restkit, which imports
// nothing generated; schemas configure it with the annotations of package
// annotation.
package restgen

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
	"golang.org/x/tools/imports"
)

//go:embed templates/*.tmpl enttemplates/*.tmpl
var templateFiles embed.FS

// Config tells the extension where to write the REST layer.
type Config struct {
	// Dir is the output directory, relative to the ent codegen target.
	Dir string
	// Package is the import path of Dir.
	Package string
	// Title, Description and Version are the spec's info ("API", a line
	// saying it is generated, and "1.0.0" when empty).
	Title, Description, Version string
	// License names the API's license (an SPDX identifier and the URL of
	// its text) and Contact who answers for it; either is left out of the
	// spec when empty.
	License ogen.License
	Contact ogen.Contact
	// Headers are headers that the server around the generated layer reads
	// or writes (its middleware's, not the generated handlers'), for the
	// spec to document them.
	Headers []Header
}

// Header is a header the server serving the generated layer takes or
// answers on every operation of some methods: the spec documents it, so
// that clients generated from the spec see and send it. The generator
// knows nothing of what it means; the server names it.
type Header struct {
	Name, Description string
	// Schema is the header's value (a string when nil).
	Schema *ogen.Schema
	// Request lists the methods whose operations take it (optional);
	// Response those whose successful answers may carry it.
	Request, Response []string
}

// Extension implements entc.Extension.
type Extension struct {
	entc.DefaultExtension
	cfg Config
	// model is the model of the whole graph, built when ent has generated
	// its client (before hideCompositeIDs), for MutateSpec to shape the
	// spec with.
	model *Model
}

// New returns the extension for cfg.
func New(cfg Config) *Extension {
	return &Extension{cfg: cfg}
}

// Templates adds to the ent package what the REST layer needs of it:
// Tx.Driver, to run its own statements in an ent transaction.
func (x *Extension) Templates() []*gen.Template {
	return []*gen.Template{gen.MustParse(gen.NewTemplate("restgen").ParseFS(templateFiles, "enttemplates/*.tmpl"))}
}

// Hooks renders the REST layer after ent has generated its client.
func (x *Extension) Hooks() []gen.Hook {
	return []gen.Hook{func(next gen.Generator) gen.Generator {
		return gen.GenerateFunc(func(g *gen.Graph) error {
			if err := next.Generate(g); err != nil {
				return err
			}
			m, err := newModel(g, x.cfg.Package)
			if err != nil {
				return err
			}
			x.model = m
			hideCompositeIDs(g)
			return x.render(g, m)
		})
	}}
}

// hideCompositeIDs takes out of g, once ent has generated its client and
// the model is built, the types without an id of their own — edge schemas
// keyed by the pair they join (field.ID("account_id", "note_id")) — and the
// edges to them: entoas, which shapes the spec next, cannot describe them.
// MutateSpec adds what the model serves of them (Entity.NoID).
func hideCompositeIDs(g *gen.Graph) {
	composite := func(t *gen.Type) bool { return t.HasCompositeID() }
	g.Nodes = slices.DeleteFunc(g.Nodes, composite)
	for _, n := range g.Nodes {
		n.Edges = slices.DeleteFunc(n.Edges, func(e *gen.Edge) bool { return composite(e.Type) })
	}
}

// render writes one Go file per template into the output directory.
func (x *Extension) render(g *gen.Graph, m *Model) error {
	tmpl, err := template.New("rest").Funcs(funcMap()).ParseFS(templateFiles, "templates/*.tmpl")
	if err != nil {
		return fmt.Errorf("parsing templates: %w", err)
	}
	dir := filepath.Join(g.Target, x.cfg.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"types", "server", "client", "query"} {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name+".tmpl", m); err != nil {
			return fmt.Errorf("executing template %s: %w", name, err)
		}
		// imports.Process formats and drops the imports a graph does not
		// use (uuid when no id is a UUID).
		src, err := imports.Process(name+".go", buf.Bytes(), nil)
		if err != nil {
			return fmt.Errorf("formatting %s.go: %w\n%s", name, err, buf.Bytes())
		}
		if err := os.WriteFile(filepath.Join(dir, name+".go"), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// funcMap holds the helpers the templates use.
func funcMap() template.FuncMap {
	return template.FuncMap{
		"lower": func(s string) string {
			return strings.ToLower(s[:1]) + s[1:]
		},
		// args makes the named arguments of a partial: (args "b" "c" "f" $f).
		"args": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("args: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("args: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}
