package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestTypedClientTokenAndMetadata: the generated Go client sends a bearer
// token (restkit.WithToken), reports each response's status and headers
// (restkit.Capture: 201 vs 200 of PUT profile, Location, ETag) and sends
// extra headers (restkit.WithHeader: If-Match, answered 412 when stale).
func TestTypedClientTokenAndMetadata(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		const token = "client-token-0123456789"
		cfg := server.DefaultConfig()
		cfg.APITokens = []string{token}
		srv := serveWith(t, dbtest.Open(t, dbURL), cfg)
		ctx := context.Background()

		anon := rest.NewClient(srv.URL, nil)
		if _, err := anon.CreateUser(ctx, rest.UserCreate{Name: "x"}); err == nil {
			t.Fatal("a create without a token succeeded")
		} else {
			apiError(t, err, http.StatusUnauthorized)
		}
		api := rest.NewClient(srv.URL, nil, restkit.WithToken(token))
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada"})
		if err != nil {
			t.Fatalf("create with the token: %v", err)
		}

		var meta restkit.Response
		if _, err := api.PutUserProfile(restkit.Capture(ctx, &meta), u.ID, rest.UserProfileCreate{Bio: "first"}); err != nil {
			t.Fatal(err)
		}
		if meta.Status != http.StatusCreated || meta.Header.Get("Location") == "" || meta.Header.Get("ETag") == "" {
			t.Errorf("first PUT profile: status %d, Location %q, ETag %q; want 201 with both", meta.Status, meta.Header.Get("Location"), meta.Header.Get("ETag"))
		}
		stale := meta.Header.Get("ETag")
		if _, err := api.PutUserProfile(restkit.Capture(ctx, &meta), u.ID, rest.UserProfileCreate{Bio: "second"}); err != nil || meta.Status != http.StatusOK {
			t.Errorf("second PUT profile: status %d, %v; want 200", meta.Status, err)
		}
		_, err = api.PutUserProfile(restkit.WithHeader(ctx, "If-Match", stale), u.ID, rest.UserProfileCreate{Bio: "third"})
		apiError(t, err, http.StatusPreconditionFailed)
		if p, err := api.ReadUserProfile(ctx, u.ID); err != nil || p.Bio != "second" {
			t.Errorf("after the stale PUT: %+v, %v; want bio second", p, err)
		}
	})
}

// TestTypedFilters: the generated filter builders send the parameters the
// untyped Filter would, values formatted as the API reads them (times in
// RFC 3339, in lists comma-separated), and select the same rows.
func TestTypedFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		var ids []int
		for _, name := range []string{"ada", "alan", "grace"} {
			u, err := api.CreateUser(ctx, rest.UserCreate{Name: name, Posts: []rest.UserPostCreate{{Title: "t", Content: "c"}}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		first, err := api.ReadUser(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			typed   *rest.UserFilter
			untyped url.Values
			want    int
		}{
			{rest.UserWhere().NamePrefix("a"), url.Values{"name.prefix": {"a"}}, 2},
			{rest.UserWhere().IDIn(ids[0], ids[2]), url.Values{"id.in": {fmt.Sprintf("%d,%d", ids[0], ids[2])}}, 2},
			{rest.UserWhere().CreatedAtAfter(first.CreatedAt).NameNeq("grace"), url.Values{"created_at.after": {first.CreatedAt.Format(time.RFC3339Nano)}, "name.neq": {"grace"}}, 1},
			{rest.UserWhere().PostsCountGte(1).HasProfile(false), url.Values{"posts_count.gte": {"1"}, "has_profile": {"false"}}, 3},
		} {
			if !reflect.DeepEqual(tc.typed.Values(), tc.untyped) {
				t.Errorf("typed filter %v, want %v", tc.typed.Values(), tc.untyped)
			}
			page, err := api.ListUser(ctx, restkit.ListParams{Filter: tc.typed.Values()})
			if err != nil || len(page.Items) != tc.want {
				t.Errorf("ListUser with %v: %v items, %v; want %d", tc.typed.Values(), page, err, tc.want)
			}
		}
	})
}
