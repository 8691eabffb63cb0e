package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestRefusedConnectionsAre503: when PostgreSQL refuses new connections —
// the database does not allow connections (SQLSTATE 55000), the role is
// over its connection limit (53300) — requests get 503 with Retry-After,
// and the service answers again once connections are allowed.
func TestRefusedConnectionsAre503(t *testing.T) {
	dbURL := dbtest.Postgres(t)
	api := newAPI(t, dbURL)
	u, err := neturl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := api.DB.SQL
	// Every request opens a new connection.
	noPool := func() {
		admin.SetMaxIdleConns(0)
		admin.SetConnMaxLifetime(time.Millisecond)
		time.Sleep(5 * time.Millisecond)
	}
	check := func(t *testing.T, want int) {
		t.Helper()
		resp, body := api.do(t, "GET", "/users", "", "")
		if resp.StatusCode != want {
			t.Fatalf("got %d %s, want %d", resp.StatusCode, body, want)
		}
		if want == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
			t.Error("a 503 without Retry-After")
		}
	}
	t.Run("DatabaseNotAllowingConnections", func(t *testing.T) {
		// The statement runs on a connection to another database.
		other, closeOther := adminConn(t, dbURL)
		defer closeOther()
		if _, err := other.ExecContext(context.Background(), fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS false", name)); err != nil {
			t.Fatal(err)
		}
		noPool()
		check(t, http.StatusServiceUnavailable)
		if _, err := other.ExecContext(context.Background(), fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS true", name)); err != nil {
			t.Fatal(err)
		}
		check(t, http.StatusOK)
	})
	t.Run("RoleOverConnectionLimit", func(t *testing.T) {
		role := fmt.Sprintf("blog_limited_%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 1"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP ROLE " + role) })
		if _, err := admin.Exec("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP OWNED BY " + role) })
		ru := *u
		ru.User = neturl.User(role)
		limited := newAPI(t, ru.String())
		// Hold the role's one connection.
		conn, err := limited.DB.SQL.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		resp, body := limited.do(t, "GET", "/users", "", "")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("got %d %s, want 503 with Retry-After", resp.StatusCode, body)
		}
	})
}

// adminConn opens a pool on the maintenance database ("postgres") of the
// server at dbURL.
func adminConn(t *testing.T, dbURL string) (*sql.DB, func()) {
	t.Helper()
	u, err := neturl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/postgres"
	conn, err := database.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	return conn.SQL, func() { conn.SQL.Close() }
}
