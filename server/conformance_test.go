package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestConformance runs the suite every generated API must pass (see package
// conformance) on the blog's, as served by the server.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.API{
		Spec:   openapi.JSON(),
		Tables: migrate.Tables,
		Serve: func(t *testing.T, dbURL string) http.Handler {
			h, err := server.New(context.Background(), dbtest.Open(t, dbURL), testLogger(), server.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			return h
		},
	})
}
