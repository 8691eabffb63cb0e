package restgen_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entblog/blog/ent/restgen"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

// TestNewFieldFlowsEverywhere copies the schema, adds a field to User and a
// new entity, generates from the copy, and checks both reach the spec, the
// types, the handlers and the client with no hand edits.
func TestNewFieldFlowsEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a schema package")
	}
	dir := copySchema(t, func(name string, b []byte) []byte {
		switch name {
		case "post.go":
			// Nested posts with an optional column and a defaulted one.
			return bytes.Replace(b, []byte(`field.Text("content"),`), []byte(`field.Text("content"),
		field.String("subtitle").Optional(),
		field.Int("rank").Default(3),
		field.Enum("state").Values("draft", "live").Default("draft"),`), 1)
		case "user.go":
			return bytes.Replace(b, []byte(`field.String("name").`), []byte(`field.String("nickname").Optional(),
		field.String("name").`), 1)
		}
		return b
	})
	if err := os.WriteFile(filepath.Join(dir, "restgen_sticker.go"), []byte(`package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

type Sticker struct{ ent.Schema }

func (Sticker) Fields() []ent.Field { return []ent.Field{field.String("body")} }
`), 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	rest := restgen.New(restgen.Config{Dir: "rest", Package: "example.com/rest"})
	var spec bytes.Buffer
	oas, err := entoas.NewExtension(entoas.WriteTo(&spec), entoas.Mutations(rest.MutateSpec))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &gen.Config{Target: out, Package: "example.com/ent", Annotations: gen.Annotations{}}
	for _, a := range oas.Annotations() {
		cfg.Annotations[a.Name()] = a
	}
	g, err := entc.LoadGraph(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Run the two hooks over a no-op ent generator.
	noop := gen.GenerateFunc(func(*gen.Graph) error { return nil })
	if err := oas.Hooks()[0](rest.Hooks()[0](noop)).Generate(g); err != nil {
		t.Fatal(err)
	}

	// A field with a default is optional on the top-level create, as in
	// the nested one.
	var doc struct {
		Components struct {
			Parameters map[string]struct {
				Schema struct {
					Enum  []string `json:"enum"`
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"schema"`
			} `json:"parameters"`
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(spec.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// An enum's equality filters list its values, for typed clients.
	params := doc.Components.Parameters
	if eq, in := params["Post.state.eq"].Schema.Enum, params["Post.state.in"].Schema.Items.Enum; !slices.Equal(eq, []string{"draft", "live"}) || !slices.Equal(in, eq) {
		t.Errorf("state.eq lists %v and state.in %v, want the enum's values", eq, in)
	}
	// POST /posts takes a PostCreate, or an array of them.
	required := doc.Components.Schemas["PostCreate"].Required
	if !slices.Contains(required, "title") || slices.Contains(required, "rank") || slices.Contains(required, "subtitle") {
		t.Errorf("POST /posts requires %v, want title but not the defaulted rank or the optional subtitle", required)
	}

	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, "rest", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct{ where, text, want string }{
		{"spec", spec.String(), `"nickname"`},
		{"spec", spec.String(), `"/stickers/{id}"`},
		{"types.go", read("types.go"), "Nickname *string `json:\"nickname,omitempty\"`"},
		{"types.go", read("types.go"), "type StickerCreate struct"},
		{"server.go", read("server.go"), "if in.Nickname != nil { c.SetNickname(*in.Nickname) }"},
		{"server.go", read("server.go"), `r.Route("/stickers"`},
		// Included users are scanned by the generated loaders; the new
		// column may be NULL and the field is not a pointer.
		{"server.go", read("server.go"), "restkit.OrZero(&e.Nickname),"},
		{"server.go", read("server.go"), "t.C(user.FieldNickname),"},
		{"client.go", read("client.go"), "func (c *Client) CreateSticker("},
		// A nested create's posts: an absent optional column is NULL, an
		// absent defaulted one takes ent's default; both are decoded.
		{"server.go", read("server.go"), "n.Subtitle, v.Rank"},
		{"server.go", read("server.go"), "} else { dv := post.DefaultRank v.Rank = dv }"},
		{"types.go", read("types.go"), `case "rank": return restkit.ReadPtr(d, &v.Rank, restkit.ReadInt)`},
	} {
		if !strings.Contains(strings.Join(strings.Fields(c.text), " "), c.want) {
			t.Errorf("%s does not contain %s", c.where, c.want)
		}
	}
}
