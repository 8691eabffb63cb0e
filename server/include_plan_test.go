package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"entgo.io/ent/dialect"
)

// TestIncludeStatementsUseIndexes checks, with EXPLAIN over seeded data on
// both databases, that the statements loading included edges reach posts and
// post_tags through indexes: their id list is one array argument (= ANY on
// PostgreSQL, json_each on SQLite), and the per-parent cap ranks only the
// listed parents' posts (SQLite ranked the whole table before).
func TestIncludeStatementsUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a dataset")
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		api, c := newCountingAPI(t, url)
		ctx := context.Background()
		seed := database.SeedConfig{Users: 1000, PostsPerUser: 10, Tags: 50, TagsPerPost: 3, Seed: 1, Batch: 1000}
		if err := api.DB.Seed(ctx, seed, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := api.DB.SQL.Exec("ANALYZE"); err != nil {
			t.Fatal(err)
		}
		scan := regexp.MustCompile(`Seq Scan on (posts|post_tags)\b`)
		if api.DB.Dialect == dialect.SQLite {
			// A capped statement reads from a subquery also named posts
			// (its plan line is "SCAN posts" after "CO-ROUTINE posts").
			scan = regexp.MustCompile(`(?m)^SCAN (posts|post_tags|t1)\b`)
		}
		checked := 0
		for _, path := range []string{
			"/users/7?include=profile,posts.tags",
			"/users?itemsPerPage=5&include=profile,posts.tags",
			// A tag's posts: 600 of the 10,000 rows.
			"/tags/7?include=posts",
			"/tags?itemsPerPage=5&include=posts",
		} {
			c.reset()
			if resp, body := api.do(t, http.MethodGet, path, "", ""); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			stmts, args := c.last()
			for i, q := range stmts {
				if !strings.Contains(q, "ANY(") && !strings.Contains(q, "json_each(") {
					continue // a list's page or count, not a statement by id list
				}
				checked++
				plan := explain(t, api.DB, q, args[i])
				if strings.Contains(plan, "CO-ROUTINE posts") {
					plan = strings.Replace(plan, "\nSCAN posts\n", "\n", 1)
				}
				if strings.Contains(q, "capped_rank") && !strings.Contains(plan, "post_author_id") {
					t.Errorf("GET %s: the capped statement does not rank through post_author_id:\n%s", path, plan)
				}
				if scan.MatchString(plan) {
					t.Errorf("GET %s: %s\nscans a large table:\n%s", path, q, plan)
				}
			}
		}
		if checked != 10 {
			t.Errorf("checked %d statements by id list, want the 10 the four requests make (8 loaders, the 2 reads' own rows)", checked)
		}
	})
}

// explain returns the plan of query with args on db.
func explain(t *testing.T, db *database.DB, query string, args []any) string {
	t.Helper()
	prefix := "EXPLAIN "
	if db.Dialect == dialect.SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.SQL.Query(prefix+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		switch v := vals[len(vals)-1].(type) {
		case string:
			lines = append(lines, v)
		case []byte:
			lines = append(lines, string(v))
		}
	}
	return strings.Join(lines, "\n")
}
