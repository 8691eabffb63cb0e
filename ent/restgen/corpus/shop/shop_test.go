package shop_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/entblog/blog/ent/restgen/corpus/shop/ent"
	"github.com/entblog/blog/ent/restgen/corpus/shop/ent/migrate"
	"github.com/entblog/blog/ent/restgen/corpus/shop/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/go-chi/chi/v5"
)

// TestConformance runs the suite every generated API must pass over the
// shop's graph, on SQLite and PostgreSQL.
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
			return conformance.Handler(t, spec, rest.ClassifyError, func(r chi.Router, api *restkit.API) {
				rest.Routes(r, client, conn.Driver, api)
			})
		},
	})
}
