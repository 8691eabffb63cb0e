// Package corpus holds graphs, beside the blog's, that the generator is
// proven on: each directory is one team's schema with everything generated
// from it (ent client, REST layer, OpenAPI spec) and a test running the
// conformance suite over it on SQLite and PostgreSQL.
//
//   - shop: a realistic domain of eight entities (customers, addresses,
//     categories, products, suppliers, orders, order lines, reviews).
//
// `go generate ./...` regenerates them with the blog; CI proves them current.
package corpus

//go:generate go run -mod=mod entc.go
