//go:build ignore

// entc.go generates each graph of the corpus into its own packages, as a team
// would from its own entc.go.
package main

import (
	"log"

	"github.com/entblog/blog/ent/restgen"

	"entgo.io/ent/entc/gen"
)

const module = "github.com/entblog/blog/ent/restgen/corpus/"

func main() {
	for _, name := range []string{"kitchensink", "shop"} {
		err := restgen.Generate("./"+name+"/schema", restgen.Output{
			EntDir:      name + "/ent",
			EntPackage:  module + name + "/ent",
			RestDir:     name + "/rest",
			RestPackage: module + name + "/rest",
			SpecFile:    name + "/openapi.json",
			Title:       name + " API",
			Description: "The " + name + " graph of the generator's corpus, generated from its ent schema.",
			Features:    []gen.Feature{gen.FeatureUpsert, gen.FeatureVersionedMigration, gen.FeatureModifier},
		})
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
	}
}
