//go:build ignore

// entc.go generates, from ../schema, the ent client (this directory), the OpenAPI
// spec (../openapi/openapi.json) and the REST layer (../openapi/rest) — all or
// nothing: a failure leaves every file as it was.
package main

import (
	"log"

	"github.com/entblog/blog/ent/restgen"

	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
)

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
