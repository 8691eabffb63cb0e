package database_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	atlasmigrate "ariga.io/atlas/sql/migrate"
)

// wrongCounts returns, for each stored count, the rows whose count differs
// from the rows it counts.
func wrongCounts(t *testing.T, db *database.DB) map[string]int {
	t.Helper()
	wrong, _ := dbtest.WrongCounts(t, db.SQL, rest.StoredCounts())
	return wrong
}

// assertCountsKept deletes some of the rows each stored count counts and
// checks every count still equals its rows: the triggers exist and work.
func assertCountsKept(t *testing.T, db *database.DB) {
	t.Helper()
	for _, c := range rest.StoredCounts() {
		var n int
		if err := db.SQL.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s", c.Rows)).Scan(&n); err != nil || n == 0 {
			t.Fatalf("%s is empty (%v): the counts would not be tested", c.Rows, err)
		}
		q := fmt.Sprintf("DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[1]s WHERE %[2]s IS NOT NULL ORDER BY %[2]s LIMIT 1)", c.Rows, c.Key)
		if _, err := db.SQL.Exec(q); err != nil {
			t.Fatalf("deleting rows of %s: %v", c.Rows, err)
		}
	}
	if wrong := wrongCounts(t, db); len(wrong) > 0 {
		t.Errorf("stored counts wrong after deletes: %v", wrong)
	}
}

// TestCountersDroppedAndRefilled: a schema that no longer stores counts
// gets a migration dropping their triggers (the columns then stop
// following the rows), and storing them again gets one that recreates the
// triggers and fills every count from the rows that exist.
func TestCountersDroppedAndRefilled(t *testing.T) {
	counts := rest.StoredCounts()
	if len(counts) == 0 {
		t.Skip("the graph stores no count")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, dir := seeded(t, url)
		if wrong := wrongCounts(t, db); len(wrong) > 0 {
			t.Fatalf("stored counts wrong after the seed: %v", wrong)
		}
		diff := func(name string, counts []restkit.StoredCount) string {
			t.Helper()
			dev, closeDev, err := database.DevDatabase(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer closeDev()
			file, err := database.Diff(ctx, dev, dir, name, nil, counts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			return file
		}
		diff("drop_counters", nil)
		// Without triggers, deletes leave the counts behind.
		for _, c := range counts {
			q := fmt.Sprintf("DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[1]s WHERE %[2]s IS NOT NULL ORDER BY %[2]s LIMIT 1)", c.Rows, c.Key)
			if _, err := db.SQL.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if wrong := wrongCounts(t, db); len(wrong) != len(counts) {
			t.Fatalf("after dropping the counters and deleting rows, wrong counts %v; want every count wrong", wrong)
		}
		for _, c := range counts {
			if _, err := db.SQL.Exec(fmt.Sprintf("UPDATE %s SET %s = 12345", c.Table, c.Column)); err != nil {
				t.Fatal(err)
			}
		}
		file := diff("store_counts", counts)
		body := readFile(t, dir, file)
		if !strings.Contains(body, "-- Create counter") {
			t.Fatalf("%s creates no counter:\n%s", file, body)
		}
		if wrong := wrongCounts(t, db); len(wrong) > 0 {
			t.Errorf("the migration did not fill the counts: %v\n%s", wrong, body)
		}
		assertCountsKept(t, db)
		// The directory now matches the schema.
		dev, closeDev, err := database.DevDatabase(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer closeDev()
		if f, err := database.Diff(ctx, dev, dir, "again", nil, counts); err != database.ErrNoChanges {
			t.Errorf("a diff after storing the counts wrote %s (%v), want no changes", f, err)
		}
	})
}

// readFile returns the text of the migration name of dir.
func readFile(t *testing.T, dir atlasmigrate.Dir, name string) string {
	t.Helper()
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name() == name {
			return string(f.Bytes())
		}
	}
	t.Fatalf("no migration %s", name)
	return ""
}

// TestCreateCountersReplacesOthers: CreateCounters (for auto-migrated
// schemas) drops whatever counter triggers a table has — a second set, as
// an older version of the triggers would leave — before creating its own,
// so no row is counted twice.
func TestCreateCountersReplacesOthers(t *testing.T) {
	counts := rest.StoredCounts()
	if len(counts) == 0 {
		t.Skip("the graph stores no count")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		db, _ := seeded(t, url)
		for _, c := range counts {
			for _, stmt := range database.CounterStmts(db.Dialect, c, "count_stale_"+c.Table+"_"+c.Column) {
				if _, err := db.SQL.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := database.CreateCounters(context.Background(), db.SQL, db.Dialect, counts); err != nil {
			t.Fatal(err)
		}
		assertCountsKept(t, db)
	})
}
