package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	atlasmigrate "ariga.io/atlas/sql/migrate"
)

// TestStartRefusesDestructiveMigration: the start-up auto-apply (SQLite
// always, PostgreSQL with --migrate) refuses a pending migration that drops a
// column of a database holding data, says how to apply it, and leaves the
// column and its values in place.
func TestStartRefusesDestructiveMigration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := dbtest.Open(t, url)
		if _, err := db.Client.User.Create().SetName("alice").SetEmail("alice@example.com").Save(ctx); err != nil {
			t.Fatal(err)
		}
		embedded, err := db.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		files, err := embedded.Files()
		if err != nil {
			t.Fatal(err)
		}
		dir := &atlasmigrate.MemDir{}
		if err := dir.CopyFiles(files); err != nil {
			t.Fatal(err)
		}
		if err := dir.WriteFile("29990101000000_drop_updated_at.sql", []byte("ALTER TABLE users DROP COLUMN updated_at;\n")); err != nil {
			t.Fatal(err)
		}
		sum, err := dir.Checksum()
		if err != nil {
			t.Fatal(err)
		}
		if err := atlasmigrate.WriteSumFile(dir, sum); err != nil {
			t.Fatal(err)
		}
		err = migrateAtStart(ctx, db, dir, true, slog.New(slog.DiscardHandler))
		var lint *database.LintError
		if !errors.As(err, &lint) || !strings.Contains(err.Error(), "--allow-destructive") {
			t.Fatalf("got %v, want a refusal saying to apply with --allow-destructive", err)
		}
		var kept bool
		if err := db.SQL.QueryRow("SELECT updated_at IS NOT NULL FROM users").Scan(&kept); err != nil || !kept {
			t.Errorf("got %v (%v), want updated_at kept", kept, err)
		}
	})
}
