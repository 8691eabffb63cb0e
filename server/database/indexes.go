package database

import (
	"slices"
	"strings"

	atlas "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
)

// Indexes an ent schema types for some databases only (a trigram index is
// USING GIN with gin_trgm_ops on PostgreSQL) exist on those only: on the
// others the same declaration would build a B-tree over the whole column,
// which no query of the API uses and every write pays for. An index
// declared with entsql.IndexTypes(map[string]string{dialect.Postgres:
// "GIN"}) and no type for SQLite is, on SQLite, left out.

// dialectOnly reports whether idx is typed for other databases than dia
// only.
func dialectOnly(idx *schema.Index, dia string) bool {
	a := idx.Annotation
	if a == nil || a.Type != "" || len(a.Types) == 0 {
		return false
	}
	_, ok := a.Types[dia]
	return !ok
}

// dropForeignIndexes removes from the desired tables of a dia database the
// indexes of tables typed for other databases only.
func dropForeignIndexes(desired []*atlas.Table, tables []*schema.Table, dia string) {
	for _, t := range tables {
		for _, idx := range t.Indexes {
			if !dialectOnly(idx, dia) {
				continue
			}
			for _, d := range desired {
				if d.Name == t.Name {
					d.Indexes = slices.DeleteFunc(d.Indexes, func(i *atlas.Index) bool { return i.Name == idx.Name })
				}
			}
		}
	}
}

// extensionOf returns the PostgreSQL extension that provides an operator
// class, or "" for the built-in ones.
func extensionOf(opClass string) string {
	switch strings.ToLower(opClass) {
	case "gin_trgm_ops", "gist_trgm_ops":
		return "pg_trgm"
	}
	return ""
}

// extensions lists the PostgreSQL extensions the indexes of tables need,
// sorted: an index with the operator class gin_trgm_ops needs pg_trgm.
func extensions(tables []*schema.Table) []string {
	var exts []string
	for _, t := range tables {
		for _, idx := range t.Indexes {
			if idx.Annotation == nil || dialectOnly(idx, dialect.Postgres) {
				continue
			}
			classes := []string{idx.Annotation.OpClass}
			for _, c := range idx.Annotation.OpClassColumns {
				classes = append(classes, c)
			}
			for _, c := range classes {
				if e := extensionOf(c); e != "" && !slices.Contains(exts, e) {
					exts = append(exts, e)
				}
			}
		}
	}
	slices.Sort(exts)
	return exts
}

// createExtensions returns the statements creating exts.
func createExtensions(exts []string) []string {
	stmts := make([]string, len(exts))
	for i, e := range exts {
		stmts[i] = "-- Create extension \"" + e + "\" (operator classes of indexes)\nCREATE EXTENSION IF NOT EXISTS " + e + ";"
	}
	return stmts
}
