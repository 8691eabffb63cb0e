package database_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
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

// TestRedact: no form of a database URL reaches a log or an error with its
// password.
func TestRedact(t *testing.T) {
	for _, raw := range []string{
		"postgres://blog:s3cret@db:5432/blog?sslmode=disable",
		"postgres://blog@db:5432/blog?password=s3cret&sslmode=disable",
		"host=db user=blog password=s3cret dbname=blog",
		"host=db user=blog password='s3 cret' dbname=blog",
		"host=db password = s3cret",
		"postgres://blog:s3cret@db:5432/bl og%zz",
	} {
		got := database.Redact(raw)
		if strings.Contains(got, "s3") || !strings.Contains(got, "db") {
			t.Errorf("Redact(%q) = %q, want the password hidden and the rest kept", raw, got)
		}
	}
}

// TestOpenKeyValueDSN: a libpq key=value connection string opens PostgreSQL.
func TestOpenKeyValueDSN(t *testing.T) {
	u, err := url.Parse(dbtest.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable password=unused", u.Hostname(), u.Port(), u.User.Username(), strings.TrimPrefix(u.Path, "/"))
	db, err := database.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("opening %s: %v", database.Redact(dsn), err)
	}
	defer db.Close()
	if db.Dialect != dialect.Postgres {
		t.Errorf("got dialect %s, want postgres", db.Dialect)
	}
	dev, closeDev, err := database.DevDatabase(t.Context(), dsn)
	if err != nil {
		t.Fatalf("a dev database beside a key=value DSN: %v", err)
	}
	defer closeDev()
	var name string
	if err := dev.SQL.QueryRow("SELECT current_database()").Scan(&name); err != nil || !strings.HasPrefix(name, "blog_dev_") {
		t.Errorf("dev database is %q (%v), want a blog_dev_ one", name, err)
	}
}

// TestJSONValuesReachJSONB: ent passes JSON field values as
// json.RawMessage; over lib/pq with binary parameters they must still reach
// a jsonb column as JSON (not as jsonb's binary encoding), while bytes for a
// bytea column stay bytes.
func TestJSONValuesReachJSONB(t *testing.T) {
	db := dbtest.Open(t, dbtest.Postgres(t))
	ctx := t.Context()
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE probe (j jsonb, b bytea)"); err != nil {
		t.Fatal(err)
	}
	var res stdsql.Result
	err := db.Driver.Exec(ctx, "INSERT INTO probe (j, b) VALUES ($1, $2)", []any{json.RawMessage(`["a","b"]`), []byte{0, 1, 255}}, &res)
	if err != nil {
		t.Fatalf("inserting a JSON value through the ent driver: %v", err)
	}
	var j string
	var b []byte
	if err := db.SQL.QueryRowContext(ctx, "SELECT j::text, b FROM probe").Scan(&j, &b); err != nil {
		t.Fatal(err)
	}
	if j != `["a", "b"]` || string(b) != "\x00\x01\xff" {
		t.Errorf("got %s and %x, want the JSON array and the bytes 0001ff", j, b)
	}
}

// TestPostgresDrivers: a postgres:// URL or key=value string goes through
// pgx unless driver=pq chooses lib/pq; each works (lib/pq's
// binary_parameters in a URL read by pgx is dropped, not sent to the server
// as a setting); an unknown driver is an error naming the choices.
func TestPostgresDrivers(t *testing.T) {
	base, err := url.Parse(dbtest.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	q := base.Query()
	q.Del("driver")
	base.RawQuery = q.Encode()
	with := func(kv ...string) string {
		u := *base
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	kv := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", base.Hostname(), base.Port(), base.User.Username(), strings.TrimPrefix(base.Path, "/"))
	for _, tc := range []struct {
		name, url string
		want      string // the database/sql driver's type, by package
	}{
		{"default", base.String(), "stdlib"},
		{"pgx", with("driver", "pgx"), "stdlib"},
		{"pgx with lib/pq's option", with("binary_parameters", "yes"), "stdlib"},
		{"pq", with("driver", "pq"), "pq"},
		{"key=value", kv, "stdlib"},
		{"key=value pq", kv + " driver=pq", "pq"},
		{"key=value pgx with lib/pq's option", "binary_parameters=yes " + kv + " driver = pgx", "stdlib"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := database.Open(t.Context(), tc.url)
			if err != nil {
				t.Fatalf("opening %s: %v", database.Redact(tc.url), err)
			}
			defer db.Close()
			if got := fmt.Sprintf("%T", db.SQL.Driver()); !strings.Contains(got, tc.want+".") {
				t.Errorf("driver %s, want %s's", got, tc.want)
			}
			var one int
			if err := db.SQL.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Errorf("SELECT 1: %d %v", one, err)
			}
		})
	}
	if _, err := database.Open(t.Context(), with("driver", "mysql")); err == nil || !strings.Contains(err.Error(), "want pgx (the default) or pq") {
		t.Errorf("driver=mysql: got %v, want an error naming the choices", err)
	}
}

// TestPatternStatementsPlannedPerValue: on pgx, which prepares and caches
// statements (and PostgreSQL may then plan them once for any value), a
// statement matching a substring pattern is never kept prepared: it is
// planned for its pattern on every run, so that a pattern nothing matches
// is looked up in a trigram index rather than read off every row. Other
// statements stay prepared.
func TestPatternStatementsPlannedPerValue(t *testing.T) {
	db, err := database.Open(t.Context(), dbtest.Postgres(t), database.WithPool(database.Pool{MaxOpen: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE probe (id int PRIMARY KEY, s text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, "INSERT INTO probe SELECT g, 'row ' || g FROM generate_series(1, 100) g"); err != nil {
		t.Fatal(err)
	}
	run := func(query string, arg any) int {
		var rows entsql.Rows
		if err := db.Driver.Query(ctx, query, []any{arg}, &rows); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n
	}
	for range 10 {
		if n := run("SELECT id FROM probe WHERE s ILIKE $1 ORDER BY id LIMIT 5", "%ow 1%"); n != 5 {
			t.Fatalf("the pattern statement found %d rows, want 5", n)
		}
		if n := run("SELECT id FROM probe WHERE id <= $1", 3); n != 3 {
			t.Fatalf("the other statement found %d rows, want 3", n)
		}
	}
	prepared := func(like string) int {
		var n int
		if err := db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE $1", like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := prepared("%s ILIKE%"); n != 0 {
		t.Errorf("the pattern statement is prepared %d times, want never", n)
	}
	if strings.Contains(fmt.Sprintf("%T", db.SQL.Driver()), "stdlib.") {
		if n := prepared("%id <= $1%"); n != 1 {
			t.Errorf("the other statement is prepared %d times, want once (pgx caches it)", n)
		}
	}
}

// TestMissingDatabaseSaysSo: a SQLite file that is not there is reported
// by Exists without being created (in-memory databases and PostgreSQL pass),
// and connecting to a PostgreSQL database that does not exist says to
// create it.
func TestMissingDatabaseSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.db")
	if err := database.Exists("sqlite:" + path); !errors.Is(err, database.ErrNoDatabase) {
		t.Errorf("Exists(missing file): %v, want ErrNoDatabase", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("Exists created the file")
	}
	for _, url := range []string{"sqlite:x?mode=memory&cache=shared", "sqlite::memory:", "postgres://127.0.0.1/any"} {
		if err := database.Exists(url); err != nil {
			t.Errorf("Exists(%s): %v, want nil", url, err)
		}
	}
	u, err := url.Parse(dbtest.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/blog_no_such_database"
	_, err = database.Open(context.Background(), u.String())
	if err == nil || !strings.Contains(err.Error(), "does not exist; create it first") {
		t.Errorf("opening a missing PostgreSQL database: %v, want a hint to create it", err)
	}
}
