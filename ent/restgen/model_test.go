package restgen

import (
	"slices"
	"testing"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

// loadModel loads the schema package at path and builds the model the
// templates and the spec see, as generation does.
func loadModel(t *testing.T, path string) *Model {
	t.Helper()
	if testing.Short() {
		t.Skip("loads a schema package")
	}
	g, err := entc.LoadGraph(path, &gen.Config{Package: "example.com/ent"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModel(g, "example.com/rest")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func entity(t *testing.T, m *Model, name string) *Entity {
	t.Helper()
	for _, e := range m.Entities {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entity %s", name)
	return nil
}

func edge(t *testing.T, es []*Edge, name string) *Edge {
	t.Helper()
	for _, e := range es {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// TestModelDecisions checks, on the kitchen sink and the shop, the
// decisions the model makes from a graph, each of which a defect once got
// wrong: id types and who makes ids, which rows need ent's builders, names
// of nested types that would collide, unique one-to-one keys, annotations.
func TestModelDecisions(t *testing.T) {
	ks := loadModel(t, "./corpus/kitchensink/schema")
	account, country, wallet, note := entity(t, ks, "Account"), entity(t, ks, "Country"), entity(t, ks, "Wallet"), entity(t, ks, "Note")
	for _, tc := range []struct {
		e        *Entity
		idType   string
		clientID bool
		builders bool
	}{
		{account, "uuid.UUID", false, true}, // a default UUID per row
		{country, "string", true, true},     // the client's code
		{wallet, "int64", false, false},     // the database numbers it
		{note, "string", false, true},       // a default string per row
	} {
		if tc.e.ID.Type != tc.idType || tc.e.ClientID != tc.clientID || tc.e.BuildersOnly() != tc.builders {
			t.Errorf("%s: id %s, client id %v, builders only %v; want %s, %v, %v", tc.e.Name,
				tc.e.ID.Type, tc.e.ClientID, tc.e.BuildersOnly(), tc.idType, tc.clientID, tc.builders)
		}
	}
	if account.Key == nil || account.Key.Name != "handle" || country.Key != nil {
		t.Error("Account is keyed by handle; Country, whose id the client chooses, by nothing")
	}
	if !account.SharedJoinTable() || note.SharedJoinTable() {
		t.Error("following and followers share a join table; a note's links do not")
	}
	if l := edge(t, note.Links, "labels"); l == nil || !l.Through || !note.ThroughLinks() {
		t.Error("a note's labels go through the NoteLabel edge schema")
	}
	watch := entity(t, ks, "Watch")
	if !watch.NoID || len(watch.OrderCols) != 2 || slices.Contains(ks.Resources(), watch) {
		t.Error("Watch, keyed by the pair it joins, has no id and is no resource")
	}
	if w := edge(t, account.Children, "watches"); w == nil || w.Routed() || !watch.BuildersOnly() {
		t.Error("an account's watches are nested in its create (through ent's builders) and have no sub-resource route")
	}
	if l := edge(t, account.Links, "watching"); l == nil || !l.Through {
		t.Error("an account's watching, through the composite-id Watch, is not a link")
	}
	if f := fieldNamed(account, "predecessor_id"); f == nil || !f.Unique {
		t.Error("the one-to-one predecessor_id is unique in its table")
	}
	notes, reviews := edge(t, account.Children, "notes"), edge(t, account.Children, "reviews")
	if notes == nil || reviews == nil || notes.Nested == reviews.Nested {
		t.Error("two edges from Account to Note need two nested types")
	}

	shop := loadModel(t, "./corpus/shop/schema")
	if lines := edge(t, entity(t, shop, "Order").Children, "lines"); lines == nil || lines.Nested == "OrderLineCreate" {
		t.Error("an order's nested lines must not take the name of OrderLine's create body")
	}
	customer, product := entity(t, shop, "Customer"), entity(t, shop, "Product")
	if edge(t, customer.Children, "reviews") != nil || edge(t, customer.Children, "addresses") == nil {
		t.Error("annotation.NoNest keeps a customer's reviews out of its create body, not its addresses")
	}
	if r := edge(t, customer.Edges, "reviews"); r == nil || r.BackRef == nil {
		t.Error("a customer's reviews, not nested, still load through their customer_id")
	}
	if product.PageSize != 20 || product.MaxPageSize != 50 || customer.PageSize != DefaultPageSize {
		t.Errorf("page sizes: products %d/%d, customers %d; want 20/50 and the default", product.PageSize, product.MaxPageSize, customer.PageSize)
	}
}

func fieldNamed(e *Entity, name string) *Field {
	for _, f := range e.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}
