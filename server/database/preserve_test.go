package database_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
)

// preserveSeed fills every table of the graph.
var preserveSeed = database.SeedConfig{Users: 40, PostsPerUser: 5, Tags: 20, TagsPerPost: 3, Seed: 7, Batch: 100}

// TestMigrationsPreserveData applies each kind of schema change to a seeded
// database, through the migration `migrate diff` writes for it, and checks
// that every row of every table is still there, column for column (but the
// changed one). On SQLite most of these changes rebuild a table that others
// reference: foreign keys must not cascade the drop of the old copy.
func TestMigrationsPreserveData(t *testing.T) {
	cases := []struct {
		name string
		// change returns the ent tables after the change.
		change func() []*schema.Table
		// table and column name the column the change affects, left out of
		// the comparison.
		table, column string
		// lint is the kind of finding lint must refuse the migration with
		// first ("destructive" or "data-dependent"), if any.
		lint string
		// fails is set when applying must fail (on data the change cannot
		// hold) and leave everything as it was.
		fails bool
	}{
		{name: "add_nullable_column", table: "posts", column: "summary", change: func() []*schema.Table {
			return withTable("posts", func(t *schema.Table) {
				t.Columns = append(t.Columns, &schema.Column{Name: "summary", Type: field.TypeString, Size: 200, Nullable: true})
			})
		}},
		{name: "add_not_null_column_with_default", table: "posts", column: "views", change: func() []*schema.Table {
			return withTable("posts", func(t *schema.Table) {
				t.Columns = append(t.Columns, &schema.Column{Name: "views", Type: field.TypeInt, Default: 0})
			})
		}},
		{name: "add_column_to_referenced_table", table: "users", column: "verified", change: func() []*schema.Table {
			return withTable("users", func(t *schema.Table) {
				t.Columns = append(t.Columns, &schema.Column{Name: "verified", Type: field.TypeBool, Default: false})
			})
		}},
		{name: "drop_column", table: "users", column: "email", lint: "destructive", change: func() []*schema.Table {
			return withTable("users", func(t *schema.Table) {
				t.Columns = slices.DeleteFunc(t.Columns, func(c *schema.Column) bool { return c.Name == "email" })
				t.Indexes = slices.DeleteFunc(t.Indexes, func(i *schema.Index) bool {
					return slices.ContainsFunc(i.Columns, func(c *schema.Column) bool { return c.Name == "email" })
				})
			})
		}},
		{name: "add_index", change: func() []*schema.Table {
			return withTable("posts", func(t *schema.Table) {
				t.Indexes = append(t.Indexes, &schema.Index{Name: "post_title", Columns: []*schema.Column{column(t, "title")}})
			})
		}},
		{name: "unique_index_over_duplicates", lint: "data-dependent", fails: true, change: func() []*schema.Table {
			return withTable("posts", func(t *schema.Table) {
				t.Indexes = append(t.Indexes, &schema.Index{Name: "post_author_unique", Unique: true, Columns: []*schema.Column{column(t, "author_id")}})
			})
		}},
		{name: "change_column_size_and_nullability", table: "tags", column: "", change: func() []*schema.Table {
			return withTable("tags", func(t *schema.Table) {
				// ent writes no size for short strings: change the type.
				// SQLite ignores sizes; the nullability makes it rebuild
				// the table, which post_tags references.
				name := *column(t, "name")
				name.SchemaType = map[string]string{dialect.Postgres: "varchar(60)", dialect.SQLite: "varchar(60)"}
				name.Nullable = true
				for i, c := range t.Columns {
					if c.Name == "name" {
						t.Columns[i] = &name
					}
				}
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				ctx := context.Background()
				db, dir := seeded(t, url)
				before := dump(t, db)
				filled := 0
				for _, table := range migrate.Tables {
					if len(before[table.Name]) == 0 {
						t.Logf("the seed leaves table %s empty: its rows are not compared", table.Name)
						continue
					}
					filled++
				}
				if filled < 2 {
					t.Fatalf("the seed filled %d tables; the comparison needs rows that reference others", filled)
				}
				dev, closeDev, err := database.DevDatabase(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer closeDev()
				file, err := database.Diff(ctx, dev, dir, tc.name, tc.change(), rest.StoredCounts())
				if err != nil {
					t.Fatal(err)
				}
				opts := database.ApplyOptions{}
				if tc.lint != "" {
					_, err := db.Migrate(ctx, dir, opts)
					var lint *database.LintError
					if !errors.As(err, &lint) || !strings.Contains(err.Error(), file) {
						t.Fatalf("got %v, want lint to refuse %s as %s", err, file, tc.lint)
					}
					for _, f := range lint.Findings {
						if f.Destructive != (tc.lint == "destructive") {
							t.Errorf("got finding %s, want a %s one", f, tc.lint)
						}
					}
					assertSame(t, before, dump(t, db), "", "")
					opts = database.ApplyOptions{AllowDestructive: true, AllowDataDependent: true}
				}
				applied, err := db.Migrate(ctx, dir, opts)
				if tc.fails {
					if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "rolled back") {
						t.Fatalf("got %v, want a failure naming %s, rolled back", err, file)
					}
					assertPending(t, db, dir, file)
				} else if err != nil || len(applied) != 1 {
					t.Fatalf("applying %s: got %v, %v; want it applied", file, applied, err)
				}
				assertSame(t, before, dump(t, db), tc.table, tc.column)
				if !tc.fails {
					assertCountsKept(t, db)
				}
			})
		})
	}
}

// TestSQLiteMigrationChecksForeignKeys: a migration that leaves rows whose
// foreign key points nowhere (foreign keys are off while SQLite migrations
// run) is rolled back, naming the table.
func TestSQLiteMigrationChecksForeignKeys(t *testing.T) {
	ctx := context.Background()
	db, dir := seeded(t, dbtest.SQLite(t))
	before := dump(t, db)
	file := "29990101000000_orphan_posts.sql"
	if err := dir.WriteFile(file, []byte("DELETE FROM users WHERE id = 1;\n")); err != nil {
		t.Fatal(err)
	}
	writeSum(t, dir)
	_, err := db.Migrate(ctx, dir, database.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "posts → users") {
		t.Fatalf("got %v, want %s rolled back for orphaning posts", err, file)
	}
	assertSame(t, before, dump(t, db), "", "")
	assertPending(t, db, dir, file)
	// Foreign keys are on again for the connections the API uses.
	if _, err := db.SQL.Exec("INSERT INTO posts (title, content, author_id, created_at, updated_at) VALUES ('x', 'y', 999999, '2026-01-01', '2026-01-01')"); err == nil {
		t.Error("inserted a post of no user: foreign keys are off after the migration")
	}
}

// TestRenameIsNotDestructive: a migration edited to RENAME COLUMN (the
// documented workflow for a rename) passes lint and keeps the values.
func TestRenameIsNotDestructive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, dir := seeded(t, url)
		var bio string
		if err := db.SQL.QueryRow("SELECT bio FROM profiles ORDER BY id LIMIT 1").Scan(&bio); err != nil {
			t.Fatal(err)
		}
		file := "29990101000000_rename_bio.sql"
		if err := dir.WriteFile(file, []byte("ALTER TABLE profiles RENAME COLUMN bio TO about;\n")); err != nil {
			t.Fatal(err)
		}
		writeSum(t, dir)
		if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
			t.Fatalf("a rename was refused: %v", err)
		}
		var about string
		if err := db.SQL.QueryRow("SELECT about FROM profiles ORDER BY id LIMIT 1").Scan(&about); err != nil || about != bio {
			t.Errorf("got about %q (%v), want the old bio %q", about, err, bio)
		}
	})
}

// seeded opens the database at url with a copy of the migrations applied
// and the preserveSeed data in it.
func seeded(t *testing.T, url string) (*database.DB, *atlasmigrate.MemDir) {
	t.Helper()
	db := open(t, url)
	dir := copyDir(t, db)
	migrateAll(t, db, dir)
	if err := db.Seed(context.Background(), preserveSeed, nil); err != nil {
		t.Fatal(err)
	}
	return db, dir
}

// withTable returns the ent tables with a copy of the table name changed by
// edit.
func withTable(name string, edit func(*schema.Table)) []*schema.Table {
	tables := slices.Clone(migrate.Tables)
	for i, t := range tables {
		if t.Name == name {
			c := *t
			c.Columns = slices.Clone(t.Columns)
			c.Indexes = slices.Clone(t.Indexes)
			edit(&c)
			// A new table, so that its column index (by name) is the
			// edited columns'.
			n := schema.NewTable(c.Name)
			for _, col := range c.Columns {
				n.AddColumn(col)
			}
			n.Schema, n.Indexes, n.PrimaryKey, n.ForeignKeys = c.Schema, c.Indexes, c.PrimaryKey, c.ForeignKeys
			n.Annotation, n.Comment = c.Annotation, c.Comment
			tables[i] = n
		}
	}
	return tables
}

func column(t *schema.Table, name string) *schema.Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	panic("no column " + name + " in " + t.Name)
}

// dump reads every row of every table of the graph, as one string per
// column, keyed by table and column name.
func dump(t *testing.T, db *database.DB) map[string][]map[string]string {
	t.Helper()
	out := make(map[string][]map[string]string)
	// A new statement text each time: pgx caches prepared statements per
	// connection, and a SELECT * prepared before a migration changed the
	// table cannot run after it ("cached plan must not change result type").
	for _, table := range migrate.Tables {
		rows, err := db.SQL.Query(fmt.Sprintf("SELECT * FROM %s /* dump %d */", table.Name, time.Now().UnixNano()))
		if err != nil {
			t.Fatalf("reading %s: %v", table.Name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make(map[string]string, len(cols))
			for i, c := range cols {
				if b, ok := vals[i].([]byte); ok {
					vals[i] = string(b)
				}
				row[c] = fmt.Sprint(vals[i])
			}
			out[table.Name] = append(out[table.Name], row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// assertSame compares two dumps, leaving out column of table.
func assertSame(t *testing.T, before, after map[string][]map[string]string, table, column string) {
	t.Helper()
	for name, rows := range before {
		if len(after[name]) != len(rows) {
			t.Errorf("%s: %d rows before, %d after", name, len(rows), len(after[name]))
			continue
		}
		key := func(row map[string]string) string {
			var parts []string
			for c, v := range row {
				if name == table && c == column {
					continue
				}
				parts = append(parts, c+"="+v)
			}
			slices.Sort(parts)
			return strings.Join(parts, "|")
		}
		b, a := make([]string, len(rows)), make([]string, len(rows))
		for i := range rows {
			b[i], a[i] = key(rows[i]), key(after[name][i])
		}
		slices.Sort(b)
		slices.Sort(a)
		for i := range b {
			if b[i] != a[i] {
				t.Errorf("%s: a row changed:\n before %s\n after  %s", name, b[i], a[i])
				break
			}
		}
	}
}

func assertPending(t *testing.T, db *database.DB, dir atlasmigrate.Dir, file string) {
	t.Helper()
	st, err := db.MigrationStatus(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Pending) != 1 || st.Pending[0].Name() != file {
		t.Errorf("got pending %v, want only %s", st.Pending, file)
	}
}
