// Package openapi holds the OpenAPI 3 spec of the blog API (openapi.json,
// generated from the ent schema by entoas and ent/restgen) and, below it, the
// REST layer generated from the same graph (rest) and its hand-written
// support (restkit).
package openapi

import "embed"

//go:embed openapi.json
var files embed.FS

// JSON returns the OpenAPI spec as JSON.
func JSON() []byte {
	b, err := files.ReadFile("openapi.json")
	if err != nil {
		panic("openapi: spec not embedded: " + err.Error())
	}
	return b
}
