//go:build ignore

// entc.go generates, from ../schema, the ent client (this directory), the OpenAPI
// spec (../openapi/openapi.json) and the REST layer (../openapi/rest).
package main

import (
	"log"
	"os"

	"blog/ent/restgen"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	spec, err := os.Create("../openapi/openapi.json")
	if err != nil {
		log.Fatalf("creating spec file: %v", err)
	}
	defer spec.Close()
	rest := restgen.New(restgen.Config{
		Dir:     "../openapi/rest",
		Package: "blog/openapi/rest",
	})
	oas, err := entoas.NewExtension(
		entoas.WriteTo(spec),
		entoas.Mutations(rest.MutateSpec),
	)
	if err != nil {
		log.Fatalf("creating entoas extension: %v", err)
	}
	err = entc.Generate("../schema", &gen.Config{
		Target:  ".",
		Package: "blog/ent",
		Features: []gen.Feature{
			gen.FeatureUpsert,
			gen.FeatureVersionedMigration,
			gen.FeatureModifier,
		},
	}, entc.Extensions(oas, rest))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
