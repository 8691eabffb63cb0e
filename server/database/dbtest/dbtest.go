// Package dbtest gives each test its own freshly created database, on SQLite
// and on PostgreSQL, and drops it when the test ends.
//
// PostgreSQL comes from TEST_DATABASE_URL, else DefaultPostgresURL, through
// the driver TEST_PG_DRIVER names (pgx, the default, or pq). When it cannot
// be reached the PostgreSQL subtests skip, saying how to enable them,
// unless CI=true, where they fail.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entblog/blog/server/database"

	_ "github.com/lib/pq" // PostgreSQL driver.
)

// DefaultPostgresURL is the server the PostgreSQL tests use unless
// TEST_DATABASE_URL says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs fn as two subtests, "sqlite" and "postgres", each given the URL
// of a new, empty database of its kind.
func Each(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns the URL of a new SQLite file in a temporary directory.
func SQLite(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "blog.db")
}

// Postgres creates a uniquely named PostgreSQL database, drops it when the
// test ends, and returns its URL.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", admin)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		msg := "PostgreSQL is not reachable at %s (%v); start it or set TEST_DATABASE_URL to run the PostgreSQL tests"
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg, database.Redact(admin), err)
		}
		t.Skipf(msg, database.Redact(admin), err)
	}
	name := "blog_test_" + randomHex(t)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parsing %s: %v", database.Redact(admin), err)
	}
	u.Path = "/" + name
	if d := os.Getenv("TEST_PG_DRIVER"); d != "" {
		q := u.Query()
		q.Set("driver", d)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Open opens the database at rawURL with every embedded migration applied,
// and closes it when the test ends.
func Open(t testing.TB, rawURL string) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	dir, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	return db
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Connect opens the database at rawURL without the blog's ent client or
// migrations, for another graph's tests, and closes it when the test ends.
func Connect(t testing.TB, rawURL string) *database.Conn {
	t.Helper()
	conn, err := database.Connect(context.Background(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.SQL.Close() })
	return conn
}
