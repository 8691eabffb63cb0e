package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// runtimeGrants are the privileges of the runtime role the README
// documents: data, not schema.
const runtimeGrants = `
GRANT CONNECT ON DATABASE %[1]s TO %[2]s;
GRANT USAGE ON SCHEMA public TO %[2]s;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[2]s;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[2]s;`

// TestRuntimeRole: the service runs with a role that may read and write
// rows but not change the schema — the migrations having been applied by
// another (the database's owner): every kind of write works through it
// (nested create with tags found or created, the stored counts' triggers,
// links, bulk update, soft and hard delete) and /readyz is ready, while DDL
// and serving with --migrate are refused.
func TestRuntimeRole(t *testing.T) {
	ownerURL := dbtest.Postgres(t)
	owner := dbtest.Open(t, ownerURL) // migrated by the owner
	u, err := url.Parse(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	role := "blog_runtime_" + hex.EncodeToString(b)
	dbName := strings.TrimPrefix(u.Path, "/")
	if _, err := owner.SQL.Exec("CREATE ROLE " + role + " LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The database goes first (dbtest's clean-up runs after this one
		// is registered… so drop what the role holds here).
		_, _ = owner.SQL.Exec("DROP OWNED BY " + role)
		_, _ = owner.SQL.Exec("REVOKE ALL ON DATABASE " + dbName + " FROM " + role)
		if _, err := owner.SQL.Exec("DROP ROLE " + role); err != nil {
			t.Errorf("dropping role %s: %v", role, err)
		}
	})
	for _, stmt := range strings.Split(strings.TrimSpace(strings.ReplaceAll(runtimeGrants, "%[1]s", dbName)), "\n") {
		if _, err := owner.SQL.Exec(strings.ReplaceAll(stmt, "%[2]s", role)); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	u.User = url.User(role)
	runtimeURL := u.String()

	db, err := database.Open(context.Background(), runtimeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL.Exec("CREATE TABLE intruder (id int)"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("DDL as the runtime role: %v, want permission denied", err)
	}
	api := serveWith(t, db, server.DefaultConfig())
	ctx := context.Background()
	ada, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada", Profile: &rest.UserProfileCreate{Bio: "b"},
		Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"go", "sql"}}}})
	if err != nil {
		t.Fatalf("nested create as the runtime role: %v", err)
	}
	if _, err := api.SetPostTags(ctx, ada.Posts[0].ID, "db"); err != nil {
		t.Errorf("replacing tags: %v", err)
	}
	if _, err := api.UpdateWhereUser(ctx, rest.UserWhere().NameEq("ada").Values(), rest.UserUpdate{Name: ptr("ada2")}); err != nil {
		t.Errorf("bulk update: %v", err)
	}
	if err := api.DeleteUser(ctx, ada.ID); err != nil {
		t.Errorf("soft delete: %v", err)
	}
	if _, err := api.RestoreUser(ctx, ada.ID); err != nil {
		t.Errorf("restore: %v", err)
	}
	if err := api.HardDeleteUser(ctx, ada.ID); err != nil {
		t.Errorf("hard delete (cascades): %v", err)
	}
	if resp, body := sendH(t, "GET", api.URL+"/readyz", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz as the runtime role: %d %s", resp.StatusCode, body)
	}
	cfg := server.DefaultConfig()
	cfg.DatabaseURL, cfg.Migrate, cfg.Addr = runtimeURL, true, "127.0.0.1:0"
	if _, err := owner.SQL.Exec("DELETE FROM " + database.RevisionsTable + " WHERE version = (SELECT MAX(version) FROM " + database.RevisionsTable + ")"); err != nil {
		t.Fatal(err)
	}
	err = server.Run(ctx, cfg, testLogger())
	if err == nil || !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
		t.Errorf("serve --migrate as the runtime role with a migration pending: %v, want a refusal naming the privilege", err)
	}
}
