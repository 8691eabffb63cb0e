package database

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"github.com/entblog/blog/openapi/restkit"
)

// Stored counts (restkit.StoredCount, declared with annotation.CountOf) are
// kept by triggers on the counted rows' table, which the migrations create
// and drop: Atlas does not model triggers, so Diff adds them to the file it
// writes. A set of triggers is named after a hash of its statements, so a
// changed count, or changed triggers, is a new name: Diff compares the
// names the migration directory creates and drops with those the schema
// wants.
//
// On PostgreSQL the triggers fire once per statement and read its
// transition tables: a statement inserting ten posts updates their author's
// count once. The rows whose counts change are locked in id order first, so
// that concurrent writes to the same counts queue instead of deadlocking.
// SQLite has row triggers only.

// rebuildPattern matches Atlas's SQLite table rebuild: DROP TABLE `t` after
// copying its rows.
var rebuildPattern = regexp.MustCompile("(?m)^DROP TABLE [`\"]([^`\"]+)[`\"];")

// counterPrefix starts the name of every counter trigger (and, on
// PostgreSQL, function).
const counterPrefix = "count_"

// counterName is the name of the triggers of c on a dia database:
// count_TABLE_COLUMN_HASH, within PostgreSQL's 63 bytes with the event
// suffix. HASH is of the statements that make them, so that a count
// defined differently, or triggers this package writes differently, are a
// new name, which Diff drops and creates.
func counterName(dia string, c restkit.StoredCount) string {
	h := fnv.New32a()
	for _, stmt := range counterStmts(dia, c, "") {
		h.Write([]byte(stmt))
	}
	readable := c.Table + "_" + c.Column
	if len(readable) > 40 {
		readable = readable[:40]
	}
	return fmt.Sprintf("%s%s_%08x", counterPrefix, readable, h.Sum32())
}

// quote quotes an identifier for either database.
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// createCounter returns the statements creating the triggers of c on a dia
// database and setting every row's count from the rows that exist.
func createCounter(dia string, c restkit.StoredCount) []string {
	return append(counterStmts(dia, c, counterName(dia, c)), fillCounter(c))
}

// counterStmts returns the statements creating the triggers of c, named
// name.
func counterStmts(dia string, c restkit.StoredCount, name string) []string {
	t, col, rows, key := quote(c.Table), quote(c.Column), quote(c.Rows), quote(c.Key)
	if dia != dialect.Postgres {
		update := func(ref, delta string) string {
			return fmt.Sprintf("UPDATE %s SET %s = %s %s 1 WHERE \"id\" = %s.%s;", t, col, col, delta, ref, key)
		}
		return []string{
			fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT ON %s WHEN NEW.%s IS NOT NULL BEGIN %s END;",
				quote(name+"_insert"), rows, key, update("NEW", "+")),
			fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s WHEN OLD.%s IS NOT NULL BEGIN %s END;",
				quote(name+"_delete"), rows, key, update("OLD", "-")),
			fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN OLD.%s IS NOT NEW.%s BEGIN %s %s END;",
				quote(name+"_update"), key, rows, key, key, update("OLD", "-"), update("NEW", "+")),
		}
	}
	// apply adds to each count the change the statement made to its rows:
	// those it inserted (new_rows) count +1, those it deleted (old_rows)
	// -1; an update has both. The owners whose count changes are locked in
	// id order (locked, run once before the first update) so that
	// concurrent statements queue instead of deadlocking.
	apply := func(sources ...string) string {
		var parts []string
		for _, src := range sources {
			sign := "1"
			if src == "old_rows" {
				sign = "-1"
			}
			parts = append(parts, fmt.Sprintf("SELECT %s AS k, %s AS n FROM %s", key, sign, src))
		}
		return fmt.Sprintf("WITH d AS (SELECT k, SUM(n) AS n FROM (%[3]s) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),\n"+
			"      locked AS (SELECT o.\"id\" FROM %[1]s AS o JOIN d ON o.\"id\" = d.k ORDER BY o.\"id\" FOR NO KEY UPDATE OF o)\n"+
			"    UPDATE %[1]s AS o SET %[2]s = o.%[2]s + d.n FROM d WHERE o.\"id\" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;",
			t, col, strings.Join(parts, " UNION ALL "))
	}
	fn := quote(name)
	stmts := []string{
		fmt.Sprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    %s\n"+
			"  ELSIF TG_OP = 'DELETE' THEN\n    %s\n  ELSE\n    %s\n  END IF;\n  RETURN NULL;\nEND\n$$;",
			fn, apply("new_rows"), apply("old_rows"), apply("new_rows", "old_rows")),
	}
	for _, ev := range []struct{ event, tables string }{
		{"INSERT", "NEW TABLE AS new_rows"},
		{"UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"},
		{"DELETE", "OLD TABLE AS old_rows"},
	} {
		stmts = append(stmts, fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %s();",
			quote(name+"_"+strings.ToLower(ev.event)), ev.event, rows, ev.tables, fn))
	}
	return stmts
}

// fillCounter returns the statement setting every count of c from the rows
// it counts (those already right are not written).
func fillCounter(c restkit.StoredCount) string {
	return fmt.Sprintf("UPDATE %[1]s SET %[2]s = (SELECT COUNT(*) FROM %[3]s WHERE %[3]s.%[4]s = %[1]s.\"id\") "+
		"WHERE %[2]s <> (SELECT COUNT(*) FROM %[3]s WHERE %[3]s.%[4]s = %[1]s.\"id\");",
		quote(c.Table), quote(c.Column), quote(c.Rows), quote(c.Key))
}

// dropCounter returns the statements dropping the triggers named name
// from the table rows.
func dropCounter(dia, name, rows string) []string {
	var stmts []string
	for _, ev := range []string{"insert", "update", "delete"} {
		if dia == dialect.Postgres {
			stmts = append(stmts, fmt.Sprintf("DROP TRIGGER IF EXISTS %s ON %s;", quote(name+"_"+ev), quote(rows)))
		} else {
			stmts = append(stmts, fmt.Sprintf("DROP TRIGGER IF EXISTS %s;", quote(name+"_"+ev)))
		}
	}
	if dia == dialect.Postgres {
		stmts = append(stmts, fmt.Sprintf("DROP FUNCTION IF EXISTS %s();", quote(name)))
	}
	return stmts
}

// counterMark is the comment before the statements of one counter in a
// migration: what Diff reads back to know which counters exist.
var counterMark = regexp.MustCompile(`(?m)^-- (Create|Drop) counter "([^"]+)" on "([^"]+)"`)

// existingCounters returns the counters the files create and do not drop
// later, by name, with the table their triggers are on.
func existingCounters(files []atlasmigrate.File) map[string]string {
	have := make(map[string]string)
	for _, f := range files {
		for _, m := range counterMark.FindAllStringSubmatch(string(f.Bytes()), -1) {
			if m[1] == "Create" {
				have[m[2]] = m[3]
			} else {
				delete(have, m[2])
			}
		}
	}
	return have
}

// counterChanges returns the statements that take a database migrated by
// files to the counters want: drops first, then creations. rebuilt are the
// tables the new migration rebuilds (SQLite): a table's triggers go with
// it, and a rebuild of a table the triggers update fails while they exist,
// so the counters touching one are dropped before the migration and made
// again after it. before holds the statements to put first, after those
// to put last.
func counterChanges(dia string, files []atlasmigrate.File, want []restkit.StoredCount, rebuilt []string) (before, after []string) {
	have := existingCounters(files)
	wanted := make(map[string]bool)
	for _, c := range want {
		wanted[counterName(dia, c)] = true
	}
	var names []string
	for name := range have {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !wanted[name] {
			before = append(before, fmt.Sprintf("-- Drop counter %q on %q", name, have[name]))
			before = append(before, dropCounter(dia, name, have[name])...)
		}
	}
	for _, c := range want {
		name := counterName(dia, c)
		_, exists := have[name]
		if exists && !slices.Contains(rebuilt, c.Rows) && !slices.Contains(rebuilt, c.Table) {
			continue
		}
		if exists {
			before = append(before, fmt.Sprintf("-- Drop counter %q on %q (its tables are rebuilt)", name, c.Rows))
			before = append(before, dropCounter(dia, name, c.Rows)...)
		}
		after = append(after, fmt.Sprintf("-- Create counter %q on %q (%s.%s counts the rows of %s by %s)",
			name, c.Rows, c.Table, c.Column, c.Rows, c.Key))
		after = append(after, createCounter(dia, c)...)
	}
	return before, after
}

// rebuiltTables lists the tables a migration drops and creates again
// (Atlas's SQLite table rebuild: DROP TABLE `t` after copying its rows).
func rebuiltTables(body string) []string {
	var out []string
	for _, m := range rebuildPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// CreateCounters gives db (a dia database whose tables exist) the triggers
// of counts, in place of the counter triggers it has on their tables, and
// fills every count from the rows: for schemas migrated by ent's
// auto-migration (Schema.Create), which makes no triggers. Versioned
// migrations get them from Diff.
//
// Every counter trigger on the counted tables is dropped before any is
// created: one table may hold the rows of several counts (post_tags counts
// both a post's tags and a tag's posts).
func CreateCounters(ctx context.Context, db *sql.DB, dia string, counts []restkit.StoredCount) error {
	var tables []string
	for _, c := range counts {
		if !slices.Contains(tables, c.Rows) {
			tables = append(tables, c.Rows)
		}
	}
	for _, table := range tables {
		names, err := counterTriggers(ctx, db, dia, table)
		if err != nil {
			return fmt.Errorf("reading the triggers of %s: %w", table, err)
		}
		for _, name := range names {
			for _, stmt := range dropCounter(dia, name, table) {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("dropping the triggers %s of %s: %w", name, table, err)
				}
			}
		}
	}
	for _, c := range counts {
		for _, stmt := range createCounter(dia, c) {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("creating the triggers of %s.%s: %w", c.Table, c.Column, err)
			}
		}
	}
	return nil
}

// counterTriggers returns the names of the counters whose triggers are on
// table (count_…, without the event suffix).
func counterTriggers(ctx context.Context, db *sql.DB, dia, table string) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`
	if dia == dialect.Postgres {
		query = `SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(quote_ident($1))`
	}
	rows, err := db.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		i := strings.LastIndexByte(name, '_')
		if !strings.HasPrefix(name, counterPrefix) || i < 0 {
			continue
		}
		if base := name[:i]; !slices.Contains(names, base) {
			names = append(names, base)
		}
	}
	return names, rows.Err()
}
