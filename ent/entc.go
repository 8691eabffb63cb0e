//go:build ignore

// entc.go generates, from ../schema, the ent client (this directory), the OpenAPI
// spec (../openapi/openapi.json) and the REST layer (../openapi/rest) — all or
// nothing: a failure leaves every file as it was.
package main

import (
	"log"
	"net/http"

	"github.com/entblog/blog/ent/restgen"

	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
)

// walPositionMax bounds a WAL position: two numbers of up to 8 hexadecimal
// digits.
var walPositionMax = uint64(17)

func main() {
	err := restgen.Generate("../schema", restgen.Output{
		EntDir:      ".",
		EntPackage:  "github.com/entblog/blog/ent",
		RestDir:     "../openapi/rest",
		RestPackage: "github.com/entblog/blog/openapi/rest",
		SpecFile:    "../openapi/openapi.json",
		Title:       "blog API",
		Description: "A blog graph of users, profiles, posts and tags, generated from its ent schema.",
		License:     ogen.License{Name: "Apache-2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0"},
		Contact:     ogen.Contact{Name: "blog maintainers", URL: "https://github.com/entblog/blog/issues"},
		// The server's own headers (server.WALPositionHeader: read-your-writes
		// with read replicas), documented in the spec.
		Headers: []restgen.Header{{
			Name: "WAL-Position",
			Description: "The primary's write-ahead-log position after a write, answered by successful writes when the server reads from " +
				"PostgreSQL standbys (--replica-urls), with the wal_position cookie; a read that sends it back (or the cookie) is served by " +
				"a standby that has replayed it, or by the primary: it sees the write.",
			Schema:   ogen.String().SetPattern("^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$").SetMaxLength(&walPositionMax),
			Request:  []string{http.MethodGet},
			Response: []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		}},
		Features: []gen.Feature{
			gen.FeatureUpsert,
			gen.FeatureVersionedMigration,
			gen.FeatureModifier,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
}
