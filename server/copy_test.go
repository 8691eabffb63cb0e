package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestCopySQLiteToPostgres: database.Copy (blog db copy) moves a seeded
// SQLite database — and rows with every kind of value: NULLs, unicode,
// quotes and newlines, times to the microsecond, a soft-deleted user — into
// an empty PostgreSQL one; the API then answers every list and read byte for
// byte as it did, the ids' sequences continue past the copied ids, the
// stored counts stay right, and a second copy into the filled database is
// refused.
func TestCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	src := dbtest.Open(t, dbtest.SQLite(t))
	if err := src.Seed(ctx, database.SeedConfig{Users: 60, PostsPerUser: 3, Tags: 12, TagsPerPost: 2, Seed: 3, Batch: 25}, nil); err != nil {
		t.Fatal(err)
	}
	srcAPI := serveWith(t, src, server.DefaultConfig())
	odd, err := srcAPI.CreateUser(ctx, rest.UserCreate{Name: "Zoë 日本 🚀 \"q\"", Profile: &rest.UserProfileCreate{Bio: "line one\nline 'two'\t✓"},
		Posts: []rest.UserPostCreate{{Title: "ümlaut", Content: "a\\b \"c\"\n", Tags: []string{"ταγ", "x y"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srcAPI.DeleteUser(ctx, odd.ID-1); err != nil { // a seeded user, soft-deleted
		t.Fatal(err)
	}

	dst := dbtest.Open(t, dbtest.Postgres(t))
	if err := database.Copy(ctx, src, dst, nil); err != nil {
		t.Fatal(err)
	}
	dstAPI := serveWith(t, dst, server.DefaultConfig())
	for _, path := range []string{
		"/users?itemsPerPage=100&include=profile,posts.tags&count=posts&deleted=include",
		"/users?itemsPerPage=100&sort=-posts_count,name&count=posts",
		"/posts?itemsPerPage=100&include=tags,author",
		"/tags?itemsPerPage=100&count=posts&sort=-posts_count,name",
		"/profiles?itemsPerPage=100&include=user",
		"/users/" + strconv.Itoa(odd.ID) + "?include=profile,posts.tags",
		"/users?deleted=only",
	} {
		h := map[string]string{"Prefer": "count=exact"}
		a, ab := sendH(t, "GET", srcAPI.URL+path, "", h)
		b, bb := sendH(t, "GET", dstAPI.URL+path, "", h)
		if a.StatusCode != http.StatusOK || ab != bb || a.Header.Get("ETag") != b.Header.Get("ETag") {
			t.Errorf("GET %s: SQLite %d and PostgreSQL %d answer differently:\n%s\n%s", path, a.StatusCode, b.StatusCode, clip(ab), clip(bb))
		}
	}
	u, err := dstAPI.CreateUser(ctx, rest.UserCreate{Name: "after the copy", Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"ταγ"}}}})
	if err != nil || u.ID != odd.ID+1 {
		t.Errorf("a user created after the copy: %+v, %v; want id %d (the sequence continues)", u, err, odd.ID+1)
	}
	if wrong, _ := dbtest.WrongCounts(t, dst.SQL, rest.StoredCounts()); len(wrong) > 0 {
		t.Errorf("stored counts wrong after the copy: %v", wrong)
	}
	n, err := dst.Client.User.Query().Count(softdelete.Show(ctx, softdelete.All))
	if err != nil || n != 62 {
		t.Errorf("%d users in the target, %v; want 62", n, err)
	}
	if err := database.Copy(ctx, src, dst, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a copy into a filled database: %v, want a refusal", err)
	}
}

// clip shortens a body for a message.
func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
