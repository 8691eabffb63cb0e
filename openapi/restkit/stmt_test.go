package restkit_test

import (
	"reflect"
	"testing"

	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
)

// TestBulkStatements checks the text and arguments of the bulk statements of
// nested creates on both dialects: one argument per column, not per value,
// and the shared values numbered once and referenced by every row.
func TestBulkStatements(t *testing.T) {
	for _, c := range []struct {
		name, query string
		got         func() (string, []any)
		args        []any
	}{
		{
			name:  "rows/postgres",
			got:   restkit.InsertRows(dialect.Postgres, "posts", []string{"author_id", "created_at"}, []any{7, "now"}, []string{"title"}, [][]any{{"a"}, {"b"}}, "id").Query,
			query: `INSERT INTO "posts" ("author_id", "created_at", "title") VALUES ($1, $2, $3), ($1, $2, $4) RETURNING "id"`,
			args:  []any{7, "now", "a", "b"},
		},
		{
			name:  "rows/sqlite",
			got:   restkit.InsertRows(dialect.SQLite, "posts", []string{"author_id"}, []any{7}, []string{"title", "content"}, [][]any{{"a", "x"}, {"b", "y"}}, "id").Query,
			query: "INSERT INTO `posts` (`author_id`, `title`, `content`) VALUES (?1, ?2, ?3), (?1, ?4, ?5) RETURNING `id`",
			args:  []any{7, "a", "x", "b", "y"},
		},
		{
			name:  "keys/postgres",
			got:   restkit.InsertKeys(dialect.Postgres, "tags", "name", []string{"go", "sql"}, []string{"created_at"}, []any{"now"}).Query,
			query: `INSERT INTO "tags" ("created_at", "name") SELECT $1, unnest($2::text[]) ON CONFLICT ("name") DO NOTHING`,
			args:  []any{"now", pq.StringArray{"go", "sql"}},
		},
		{
			name:  "keys/sqlite",
			got:   restkit.InsertKeys(dialect.SQLite, "tags", "name", []string{"go", `"q"`}, []string{"created_at"}, []any{"now"}).Query,
			query: "INSERT INTO `tags` (`created_at`, `name`) SELECT ?, value FROM json_each(?) WHERE true ON CONFLICT (`name`) DO NOTHING",
			args:  []any{"now", `["go","\"q\""]`},
		},
		{
			name:  "pairs/postgres",
			got:   restkit.InsertPairs(dialect.Postgres, "post_tags", []string{"post_id", "tag_id"}, [][2]any{{1, 2}, {1, 3}}).Query,
			query: `INSERT INTO "post_tags" ("post_id", "tag_id") SELECT unnest($1::bigint[]), unnest($2::bigint[])`,
			args:  []any{pq.Int64Array{1, 1}, pq.Int64Array{2, 3}},
		},
		{
			name:  "pairs/sqlite",
			got:   restkit.InsertPairs(dialect.SQLite, "post_tags", []string{"post_id", "tag_id"}, [][2]any{{1, 2}, {1, 3}}).Query,
			query: "INSERT INTO `post_tags` (`post_id`, `tag_id`) SELECT value ->> 0, value ->> 1 FROM json_each(?)",
			args:  []any{"[[1,2],[1,3]]"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			query, args := c.got()
			if query != c.query || !reflect.DeepEqual(args, c.args) {
				t.Errorf("got  %s %#v\nwant %s %#v", query, args, c.query, c.args)
			}
		})
	}
}
