package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
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
		rankIndex := regexp.MustCompile(`SEARCH (posts|post_tags) USING (COVERING )?INDEX (post_author_id|post_tags_tag_id)`)
		// A statement by id: an id list (= ANY, json_each), or the one id of
		// a single row or parent (= $1).
		byID := regexp.MustCompile("ANY\\(|json_each\\(|[\"`] = (\\$\\d+|\\?)")
		checked := 0
		for _, path := range []string{
			// A user whose posts come last in id order.
			"/users/977?include=profile,posts.tags",
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
				if !byID.MatchString(q) {
					continue // a list's page or count, not a statement by id
				}
				checked++
				plan := explain(t, api.DB, q, args[i])
				if strings.Contains(plan, "CO-ROUTINE posts") {
					plan = strings.Replace(plan, "\nSCAN posts\n", "\n", 1)
				}
				// A capped statement ranks the listed parents' children
				// (a user's posts, a tag's links) through the foreign key's
				// index.
				if strings.Contains(q, "capped_rank") && !rankIndex.MatchString(plan) {
					t.Errorf("GET %s: the capped statement does not rank through post_author_id or post_tags_tag_id:\n%s", path, plan)
				}
				if scan.MatchString(plan) {
					t.Errorf("GET %s: %s\nscans a large table:\n%s", path, q, plan)
				}
				if api.DB.Dialect == dialect.Postgres {
					// The service prepares its statements: after five runs
					// PostgreSQL may keep one plan for any argument.
					if read, plan := genericRowsRead(t, api.DB, q, args[i]); read["posts"] > 1000 || read["post_tags"] > 1000 {
						t.Errorf("GET %s: %s\nits generic plan reads %v rows:\n%s", path, q, read, plan)
					}
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

// genericRowsRead runs query with args on PostgreSQL as a prepared
// statement under its generic plan (the plan PostgreSQL may keep for a
// statement it has run five times), with EXPLAIN ANALYZE, and returns the
// rows its scans read from each table and the plan.
func genericRowsRead(t *testing.T, db *database.DB, query string, args []any) (map[string]float64, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// EXECUTE takes its arguments as literals.
	params := make([]string, len(args))
	for i, a := range args {
		var lit string
		if n, ok := a.(int); ok { // the one id of a single row or parent
			a = strconv.Itoa(n)
		}
		if err := conn.QueryRowContext(ctx, "SELECT quote_literal($1::text)", a).Scan(&lit); err != nil {
			t.Fatalf("argument %d (%T): %v", i+1, a, err)
		}
		params[i] = lit
	}
	// Each change to the session is undone before the connection goes back
	// to the pool (Close returns it there): the plan is chosen at EXECUTE.
	for _, step := range [][2]string{
		{"PREPARE generic AS " + query, "DEALLOCATE generic"},
		{"SET plan_cache_mode = force_generic_plan", "RESET plan_cache_mode"},
	} {
		if _, err := conn.ExecContext(ctx, step[0]); err != nil {
			t.Fatalf("%s: %v", step[0], err)
		}
		defer func() {
			if _, err := conn.ExecContext(ctx, step[1]); err != nil {
				t.Errorf("%s: %v", step[1], err)
			}
		}()
	}
	var out []byte
	if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE generic("+strings.Join(params, ", ")+")").Scan(&out); err != nil {
		t.Fatal(err)
	}
	read := planRowsRead(t, out)
	return read, string(out)
}
