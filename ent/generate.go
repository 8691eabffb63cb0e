// Package ent is the generated ent client of the blog graph.
//
// Everything in this directory is generated from ../schema by `go generate ./...`
// except generate.go, entc.go (the codegen configuration) and the hand-written
// packages entx (helpers for the client) and restgen (the REST layer generator).
package ent

//go:generate go run -mod=mod entc.go
