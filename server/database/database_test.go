package database_test

import (
	"testing"

	"blog/server/database"
	"blog/server/database/dbtest"

	"entgo.io/ent/dialect"
)

// TestForeignKeysIndexed checks that every foreign-key column leads an index,
// so joins and cascades never scan.
func TestForeignKeysIndexed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		db := dbtest.Open(t, url)
		for _, fk := range []struct{ table, column string }{
			{"profiles", "user_id"},
			{"posts", "author_id"},
			{"post_tags", "post_id"},
			{"post_tags", "tag_id"},
		} {
			if n := leadingIndexes(t, db, fk.table, fk.column); n == 0 {
				t.Errorf("%s.%s: no index starts with it", fk.table, fk.column)
			}
		}
	})
}

func leadingIndexes(t *testing.T, db *database.DB, table, column string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
		WHERE ii.seqno = 0 AND ii.name = ?`
	if db.Dialect == dialect.Postgres {
		q = `SELECT COUNT(*) FROM pg_index i
			JOIN pg_class t ON t.oid = i.indrelid
			JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
			WHERE t.relname = $1 AND a.attname = $2`
	}
	var n int
	if err := db.SQL.QueryRow(q, table, column).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOpenRejectsUnknownScheme checks the error for an unsupported URL.
func TestOpenRejectsUnknownScheme(t *testing.T) {
	for _, url := range []string{"mysql://root@localhost/blog", "blog.db"} {
		if _, err := database.Open(t.Context(), url); err == nil {
			t.Errorf("Open(%q): got nil error, want one", url)
		}
	}
}
