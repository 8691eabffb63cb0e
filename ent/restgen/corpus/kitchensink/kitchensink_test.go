package kitchensink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/entblog/blog/ent/restgen/corpus/kitchensink/ent"
	"github.com/entblog/blog/ent/restgen/corpus/kitchensink/ent/migrate"
	"github.com/entblog/blog/ent/restgen/corpus/kitchensink/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/go-chi/chi/v5"
)

// TestConformance runs the suite every generated API must pass over the
// kitchen-sink graph, on SQLite and PostgreSQL.
func TestConformance(t *testing.T) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.API{
		Spec:   spec,
		Tables: migrate.Tables,
		Serve: func(t *testing.T, dbURL string) http.Handler {
			conn := dbtest.Connect(t, dbURL)
			client := ent.NewClient(ent.Driver(conn.Driver))
			if err := client.Schema.Create(context.Background(), database.MigrateOptions(conn.Driver.Dialect(), migrate.Tables)...); err != nil {
				t.Fatal(err)
			}
			if err := database.CreateCounters(context.Background(), conn.SQL, conn.Driver.Dialect(), rest.StoredCounts()); err != nil {
				t.Fatal(err)
			}
			return conformance.Handler(t, spec, rest.ClassifyError, func(r chi.Router, api *restkit.API) {
				rest.Routes(r, client, conn.Driver, api)
			})
		},
	})
}

// TestCompositeEdgeSchema: Watch, the association object of an account
// watching a note, keyed by the pair (no id of its own), is written nested
// in an account's create, read with its extra columns through include from
// the account, counted, and filtered through; the many-to-many edges
// through it (an account's watching, a note's watchers) see the same rows.
func TestCompositeEdgeSchema(t *testing.T) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := conformance.Doc(t, spec)
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		conn := dbtest.Connect(t, dbURL)
		client := ent.NewClient(ent.Driver(conn.Driver))
		if err := client.Schema.Create(context.Background(), database.MigrateOptions(conn.Driver.Dialect(), migrate.Tables)...); err != nil {
			t.Fatal(err)
		}
		if err := database.CreateCounters(context.Background(), conn.SQL, conn.Driver.Dialect(), rest.StoredCounts()); err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(conformance.CheckResponses(t, doc, conformance.Handler(t, spec, rest.ClassifyError, func(r chi.Router, api *restkit.API) {
			rest.Routes(r, client, conn.Driver, api)
		})))
		t.Cleanup(ts.Close)
		call := func(method, path, body string, out any) int {
			t.Helper()
			resp, b := conformance.Do(t, ts.URL, method, path, "application/json", body)
			if out != nil {
				if err := json.Unmarshal([]byte(b), out); err != nil {
					t.Fatalf("%s %s: %v: %s", method, path, err, b)
				}
			}
			return resp.StatusCode
		}
		var author, note, watcher map[string]any
		if code := call("POST", "/accounts", `{"handle":"author"}`, &author); code != http.StatusCreated {
			t.Fatalf("POST /accounts: %d %v", code, author)
		}
		if code := call("POST", "/notes", fmt.Sprintf(`{"title":"n","author_id":%q}`, author["id"]), &note); code != http.StatusCreated {
			t.Fatalf("POST /notes: %d %v", code, note)
		}
		body := fmt.Sprintf(`{"handle":"watcher","watches":[{"note_id":%q,"muted":true}]}`, note["id"])
		if code := call("POST", "/accounts", body, &watcher); code != http.StatusCreated {
			t.Fatalf("POST /accounts %s: %d %v", body, code, watcher)
		}
		var got struct {
			Watches []struct {
				AccountID string `json:"account_id"`
				NoteID    string `json:"note_id"`
				Since     string `json:"since"`
				Muted     bool   `json:"muted"`
			} `json:"watches"`
			WatchesCount int              `json:"watches_count"`
			Watching     []map[string]any `json:"watching"`
		}
		path := fmt.Sprintf("/accounts/%s?include=watches,watching&count=watches", watcher["id"])
		if code := call("GET", path, "", &got); code != http.StatusOK || len(got.Watches) != 1 {
			t.Fatalf("GET %s: %d %+v", path, code, got)
		}
		w := got.Watches[0]
		if w.AccountID != watcher["id"] || w.NoteID != note["id"] || !w.Muted || w.Since == "" || got.WatchesCount != 1 {
			t.Errorf("the watch read back: %+v (count %d); want the note, muted, with since set", w, got.WatchesCount)
		}
		if len(got.Watching) != 1 || got.Watching[0]["id"] != note["id"] {
			t.Errorf("watching through the edge schema: %v, want the note", got.Watching)
		}
		var page struct {
			Items []map[string]any `json:"items"`
		}
		for _, q := range []string{"watches.note_id.eq=" + fmt.Sprint(note["id"]), "has_watches=true"} {
			if code := call("GET", "/accounts?"+q, "", &page); code != http.StatusOK || len(page.Items) != 1 || page.Items[0]["id"] != watcher["id"] {
				t.Errorf("GET /accounts?%s: %d %v; want the watcher only", q, code, page.Items)
			}
		}
		var watchers struct {
			Watchers []map[string]any `json:"watchers"`
		}
		if code := call("GET", fmt.Sprintf("/notes/%s?include=watchers", note["id"]), "", &watchers); code != http.StatusOK || len(watchers.Watchers) != 1 {
			t.Errorf("the note's watchers: %d %v; want the watcher", code, watchers.Watchers)
		}
	})
}

// serveGraph serves the kitchen-sink API over a fresh database at dbURL,
// checking every response against the spec, and returns its ent client
// and base URL.
func serveGraph(t *testing.T, dbURL string) (*ent.Client, string) {
	t.Helper()
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	conn := dbtest.Connect(t, dbURL)
	client := ent.NewClient(ent.Driver(conn.Driver))
	if err := client.Schema.Create(context.Background(), database.MigrateOptions(conn.Driver.Dialect(), migrate.Tables)...); err != nil {
		t.Fatal(err)
	}
	if err := database.CreateCounters(context.Background(), conn.SQL, conn.Driver.Dialect(), rest.StoredCounts()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(conformance.CheckResponses(t, conformance.Doc(t, spec), conformance.Handler(t, spec, rest.ClassifyError, func(r chi.Router, api *restkit.API) {
		rest.Routes(r, client, conn.Driver, api)
	})))
	t.Cleanup(ts.Close)
	return client, ts.URL
}

// TestSoftDeletedChildrenTakeNoPlace: notes delete softly, and an
// account's included notes are capped at rest.MaxIncluded per account —
// soft-deleted notes neither appear nor take one of those places, in a
// list (the per-parent cap) and in a read (a LIMIT).
func TestSoftDeletedChildrenTakeNoPlace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		client, url := serveGraph(t, dbURL)
		ctx := context.Background()
		author := client.Account.Create().SetHandle("author").SaveX(ctx)
		other := client.Account.Create().SetHandle("other").SaveX(ctx) // two parents: the per-parent cap
		client.Note.Create().SetID("n-other").SetTitle("t").SetAuthorID(other.ID).ExecX(ctx)
		notes := make([]*ent.NoteCreate, rest.MaxIncluded+1)
		for i := range notes {
			notes[i] = client.Note.Create().SetID(fmt.Sprintf("n-%04d", i)).SetTitle("t").SetAuthorID(author.ID)
		}
		client.Note.CreateBulk(notes...).ExecX(ctx)
		client.Note.DeleteOneID("n-0000").ExecX(ctx) // the first by id: soft
		for _, path := range []string{"/accounts?include=notes", "/accounts/" + author.ID.String() + "?include=notes"} {
			resp, body := conformance.Do(t, url, "GET", path, "", "")
			var got struct {
				Items []struct {
					Notes []struct{ ID string } `json:"notes"`
				} `json:"items"`
				Notes []struct{ ID string } `json:"notes"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
			}
			shown := got.Notes
			for _, a := range got.Items {
				if len(a.Notes) > 1 {
					shown = a.Notes
				}
			}
			if len(shown) != rest.MaxIncluded || shown[0].ID != "n-0001" {
				first := ""
				if len(shown) > 0 {
					first = shown[0].ID
				}
				t.Errorf("GET %s: %d notes from %q; want %d live ones from n-0001", path, len(shown), first, rest.MaxIncluded)
			}
		}
	})
}
