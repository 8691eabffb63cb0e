package database_test

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
)

// open opens a fresh, empty database at url.
func open(t *testing.T, url string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// copyDir returns an in-memory copy of the embedded migrations of db.
func copyDir(t *testing.T, db *database.DB) *atlasmigrate.MemDir {
	t.Helper()
	src, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	dst := &atlasmigrate.MemDir{}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.CopyFiles(files); err != nil {
		t.Fatal(err)
	}
	writeSum(t, dst)
	return dst
}

// writeSum rewrites the atlas.sum of dir to match its files.
func writeSum(t *testing.T, dir atlasmigrate.Dir) {
	t.Helper()
	sum, err := dir.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	if err := atlasmigrate.WriteSumFile(dir, sum); err != nil {
		t.Fatal(err)
	}
}

func migrateAll(t *testing.T, db *database.DB, dir atlasmigrate.Dir) []string {
	t.Helper()
	applied, err := db.Migrate(context.Background(), dir, database.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

// inspect returns the schema of db as Atlas sees it, without the revisions table.
func inspect(t *testing.T, db *database.DB) *atlas.Realm {
	t.Helper()
	var drv atlasmigrate.Driver
	var err error
	if db.Dialect == dialect.Postgres {
		drv, err = postgres.Open(db.SQL)
	} else {
		drv, err = sqlite.Open(db.SQL)
	}
	if err != nil {
		t.Fatal(err)
	}
	realm, err := drv.InspectRealm(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range realm.Schemas {
		s.Tables = slices.DeleteFunc(s.Tables, func(tb *atlas.Table) bool { return tb.Name == database.RevisionsTable })
	}
	return realm
}

// TestMigrationsYieldEntSchema applies every migration to an empty database,
// lets ent create its schema in another, and compares the two.
func TestMigrationsYieldEntSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		migrated := open(t, url)
		dir, err := migrated.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if applied := migrateAll(t, migrated, dir); len(applied) == 0 {
			t.Fatal("no migration applied")
		}
		var other string
		if migrated.Dialect == dialect.Postgres {
			other = dbtest.Postgres(t)
		} else {
			other = dbtest.SQLite(t)
		}
		created := open(t, other)
		if err := created.CreateSchema(context.Background(), rest.StoredCounts()); err != nil {
			t.Fatal(err)
		}
		a, b := inspect(t, migrated), inspect(t, created)
		var drv atlasmigrate.Driver
		if migrated.Dialect == dialect.Postgres {
			drv, _ = postgres.Open(migrated.SQL)
		} else {
			drv, _ = sqlite.Open(migrated.SQL)
		}
		changes, err := drv.RealmDiff(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 0 {
			t.Errorf("the migrated schema differs from ent's by %d change(s): %v", len(changes), changes)
		}
		tables := 0
		for _, s := range a.Schemas {
			tables += len(s.Tables)
		}
		if tables != len(migrate.Tables) {
			t.Errorf("got %d tables, want the %d of the ent schema", tables, len(migrate.Tables))
		}
	})
}

// TestMigrationsAreCurrent diffs the schema against the committed migrations:
// the diff must be empty (what CI requires of every change to schema/).
func TestMigrationsAreCurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		dev, closeDev, err := database.DevDatabase(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer closeDev()
		file, err := database.Diff(context.Background(), dev, copyDir(t, dev), "check", nil, rest.StoredCounts())
		if !errors.Is(err, database.ErrNoChanges) {
			t.Fatalf("got %q, %v; want no changes: run `go run ./cmd/blog migrate diff NAME` for both dialects", file, err)
		}
	})
}

func TestConcurrentAppliers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		var wg sync.WaitGroup
		errs := make([]error, 3)
		applied := make([][]string, 3)
		for i := range errs {
			db := open(t, url)
			dir, err := db.Migrations()
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				applied[i], errs[i] = db.Migrate(context.Background(), dir, database.ApplyOptions{})
			}()
		}
		wg.Wait()
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("applier %d: %v", i, err)
			}
			total += len(applied[i])
		}
		db := open(t, url)
		dir, _ := db.Migrations()
		files, _ := dir.Files()
		if total != len(files) {
			t.Errorf("the appliers applied %d migrations in all, want each of the %d once", total, len(files))
		}
		var rows, distinct int
		if err := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM "+database.RevisionsTable).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if rows != len(files) || distinct != len(files) {
			t.Errorf("got %d revisions (%d distinct), want %d", rows, distinct, len(files))
		}
	})
}

func TestTamperedChecksum(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		db := open(t, url)
		dir := copyDir(t, db)
		files, _ := dir.Files()
		name := files[0].Name()
		if err := dir.WriteFile(name, append(files[0].Bytes(), []byte("\n-- an edit after the fact\n")...)); err != nil {
			t.Fatal(err)
		}
		_, err := db.Migrate(context.Background(), dir, database.ApplyOptions{})
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "atlas.sum") {
			t.Fatalf("got %v, want a refusal naming %s and atlas.sum", err, name)
		}
		var n int
		if err := db.SQL.QueryRow("SELECT COUNT(*) FROM " + database.RevisionsTable).Scan(&n); err == nil && n != 0 {
			t.Errorf("got %d revisions, want none", n)
		}
	})
}

func TestBrokenMigrationRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		db := open(t, url)
		dir := copyDir(t, db)
		before, err := dir.Files()
		if err != nil {
			t.Fatal(err)
		}
		broken := "29990101000000_broken.sql"
		body := "CREATE TABLE half_done (id integer PRIMARY KEY);\nINSERT INTO no_such_table (id) VALUES (1);\n"
		if err := dir.WriteFile(broken, []byte(body)); err != nil {
			t.Fatal(err)
		}
		writeSum(t, dir)
		applied, err := db.Migrate(context.Background(), dir, database.ApplyOptions{})
		if err == nil || !strings.Contains(err.Error(), broken) || !strings.Contains(err.Error(), "statement 2") || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("got %v, want an error naming %s and its statement 2", err, broken)
		}
		if len(applied) != len(before) {
			t.Errorf("got %v applied, want the %d migrations before the broken one", applied, len(before))
		}
		var n int
		if err := db.SQL.QueryRow("SELECT COUNT(*) FROM users").Scan(&n); err != nil {
			t.Errorf("the migrations before the broken one are gone: %v", err)
		}
		if _, err := db.SQL.Exec("SELECT COUNT(*) FROM half_done"); err == nil {
			t.Error("half_done exists: the broken migration was not rolled back")
		}
		st, err := db.MigrationStatus(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Pending) != 1 || st.Pending[0].Name() != broken {
			t.Errorf("got pending %v, want only %s", st.Pending, broken)
		}
	})
}

// TestSchemaChange adds a field to a copy of the ent schema, diffs, applies,
// and checks the column exists and earlier data survived.
func TestSchemaChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := open(t, url)
		dir := copyDir(t, db)
		migrateAll(t, db, dir)
		alice, err := db.Client.User.Create().SetName("alice").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tables := withUserColumn(&schema.Column{Name: "nickname", Type: field.TypeString, Size: 40, Nullable: true})
		dev, closeDev, err := database.DevDatabase(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer closeDev()
		name, err := database.Diff(ctx, dev, dir, "add_nickname", tables, rest.StoredCounts())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, "_add_nickname.sql") {
			t.Errorf("got file %q, want a timestamped *_add_nickname.sql", name)
		}
		if applied := migrateAll(t, db, dir); len(applied) != 1 {
			t.Fatalf("applied %v, want the new migration", applied)
		}
		var got string
		var nick *string
		if err := db.SQL.QueryRow(fmt.Sprintf("SELECT name, nickname FROM users WHERE id = %d", alice.ID)).Scan(&got, &nick); err != nil {
			t.Fatalf("reading the new column: %v", err)
		}
		if got != "alice" || nick != nil {
			t.Errorf("got %q, %v; want alice with no nickname", got, nick)
		}
		if _, err := database.Diff(ctx, dev, dir, "again", tables, rest.StoredCounts()); !errors.Is(err, database.ErrNoChanges) {
			t.Errorf("a second diff: got %v, want no changes", err)
		}
	})
}

// withUserColumn returns the ent tables with c added to users.
func withUserColumn(c *schema.Column) []*schema.Table {
	users := *migrate.UsersTable
	users.Columns = append(slices.Clone(users.Columns), c)
	tables := slices.Clone(migrate.Tables)
	for i, t := range tables {
		if t == migrate.UsersTable {
			tables[i] = &users
		}
	}
	return tables
}

func TestLint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := open(t, url)
		dir := copyDir(t, db)
		initial, _ := dir.Files()
		lint := func(t *testing.T, files []atlasmigrate.File) []database.Finding {
			t.Helper()
			dev, closeDev, err := database.DevDatabase(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer closeDev()
			findings, err := database.Lint(ctx, dev, dir, files)
			if err != nil {
				t.Fatal(err)
			}
			return findings
		}
		if f := lint(t, initial); len(f) != 0 {
			t.Errorf("the initial migration: got findings %v, want none", f)
		}
		for _, tc := range []struct {
			name, sql   string
			destructive bool
		}{
			{"drop_column", "ALTER TABLE posts DROP COLUMN content;", true},
			{"drop_table", "DROP TABLE post_tags;", true},
			{"unique_index", "CREATE UNIQUE INDEX users_name ON users (name);", false},
			{"not_null_column", "ALTER TABLE users ADD COLUMN nickname varchar(40) NOT NULL;", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				file := "29990101000000_" + tc.name + ".sql"
				if err := dir.WriteFile(file, []byte(tc.sql+"\n")); err != nil {
					t.Fatal(err)
				}
				writeSum(t, dir)
				defer func() {
					_ = dir.WriteFile(file, nil)
					dir.Reset()
					if err := dir.CopyFiles(initial); err != nil {
						t.Fatal(err)
					}
					writeSum(t, dir)
				}()
				files, _ := dir.Files()
				findings := lint(t, files[len(files)-1:])
				if len(findings) == 0 {
					t.Fatalf("%s: no finding", tc.sql)
				}
				for _, f := range findings {
					if f.Destructive != tc.destructive || f.File != file {
						t.Errorf("got %+v, want destructive=%v in %s", f, tc.destructive, file)
					}
				}
			})
		}
	})
}

// TestFreshDatabaseStartRace: processes starting at once on a fresh database,
// some reading the migration status (readiness, `migrate status`), some
// migrating, all succeed, and each migration is applied once.
func TestFreshDatabaseStartRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := database.Open(ctx, url)
				if err != nil {
					errs <- err
					return
				}
				defer db.Close()
				dir, err := db.Migrations()
				if err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					_, err = db.MigrationStatus(ctx, dir)
				} else {
					_, err = db.Migrate(ctx, dir, database.ApplyOptions{})
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("a process starting at once failed: %v", err)
			}
		}
	})
}

// TestStatusNeedsNoCreatePrivilege: once a PostgreSQL database is migrated,
// a role that may read and write rows but not create tables can check the
// migration status (what `blog serve` without --migrate and /readyz do).
func TestStatusNeedsNoCreatePrivilege(t *testing.T) {
	url := dbtest.Postgres(t)
	ctx := context.Background()
	admin := open(t, url)
	migrateAll(t, admin, copyDir(t, admin))
	role := fmt.Sprintf("blog_app_%d", time.Now().UnixNano())
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT USAGE ON SCHEMA public TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
		"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + role,
	} {
		if _, err := admin.SQL.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.SQL.Exec("DROP OWNED BY " + role)
		_, _ = admin.SQL.Exec("DROP ROLE " + role)
	})
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.User(role)
	app := open(t, u.String())
	if _, err := app.SQL.Exec("CREATE TABLE probe (id int)"); err == nil {
		t.Fatal("the role can create tables; the test proves nothing")
	}
	dir, err := app.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.MigrationStatus(ctx, dir)
	if err != nil {
		t.Fatalf("status as a role without CREATE: %v", err)
	}
	if len(st.Pending) != 0 || len(st.Applied) == 0 {
		t.Errorf("got %d applied, %d pending; want all applied", len(st.Applied), len(st.Pending))
	}
	if applied, err := app.Migrate(ctx, dir, database.ApplyOptions{}); err != nil || len(applied) != 0 {
		t.Errorf("migrating an up-to-date database as the role: %v, %v; want nothing to do", applied, err)
	}
}
