package dbtest

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/entblog/blog/openapi/restkit"
)

// WrongCounts returns, for each stored count of counts ("users.posts_count"),
// how many rows of db hold a count that differs from the rows it counts
// (none: an empty map), and how many rows hold a count above zero in all.
func WrongCounts(t testing.TB, db *sql.DB, counts []restkit.StoredCount) (wrong map[string]int, nonzero int) {
	t.Helper()
	wrong = make(map[string]int)
	for _, c := range counts {
		var n, above int
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s o WHERE o.%[2]s <> (SELECT COUNT(*) FROM %[3]s r WHERE r.%[4]s = o.id)`,
			c.Table, c.Column, c.Rows, c.Key)
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			wrong[c.Table+"."+c.Column] = n
		}
		if err := db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s > 0", c.Table, c.Column)).Scan(&above); err != nil {
			t.Fatal(err)
		}
		nonzero += above
	}
	return wrong, nonzero
}
