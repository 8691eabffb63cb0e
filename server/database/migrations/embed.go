// Package migrations embeds the versioned SQL migrations of the blog schema,
// one directory per dialect (postgres/, sqlite/), in Atlas's directory format:
// timestamped .sql files and an atlas.sum. `blog migrate diff` writes them
// from the ent schema; `blog migrate apply` applies the embedded copy.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"ariga.io/atlas/sql/migrate"
)

//go:embed postgres/*.sql postgres/atlas.sum sqlite/*.sql sqlite/atlas.sum
var files embed.FS

// Dir returns the embedded migration directory of dialect ("postgres" or
// "sqlite") as an Atlas directory.
func Dir(dialect string) (migrate.Dir, error) {
	entries, err := fs.ReadDir(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("no embedded migrations for %q: %w", dialect, err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := files.ReadFile(dialect + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return dir, nil
}
