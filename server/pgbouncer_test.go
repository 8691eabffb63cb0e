package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// TestBehindPgBouncer: the service works behind pgbouncer in transaction
// pooling mode — 16 client connections over 3 server connections, so
// consecutive transactions of one client land on different server
// connections — when its URL sets pgx's default_query_exec_mode=exec (no
// statement state on the server connection): concurrent nested creates
// finding or creating the same tags, reads with include (batched), lists
// with a contains filter, updates, bulk updates, soft delete and restore
// all succeed.
func TestBehindPgBouncer(t *testing.T) {
	direct := dbtest.Postgres(t)
	dbtest.Open(t, direct) // migrated, directly
	through := dbtest.PgBouncer(t, 3, direct)
	u, _ := url.Parse(through)
	q := u.Query()
	q.Set("default_query_exec_mode", "exec")
	u.RawQuery = q.Encode()
	db, err := database.Open(context.Background(), u.String(), database.WithPool(database.Pool{MaxOpen: 16, MaxIdle: 16}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	api := serveWith(t, db, server.DefaultConfig())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				u, err := api.CreateUser(ctx, rest.UserCreate{Name: fmt.Sprintf("w%d-%d", w, i), Profile: &rest.UserProfileCreate{Bio: "b"},
					Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"shared", fmt.Sprintf("t%d", i)}}}})
				if err != nil {
					errs <- fmt.Errorf("create: %w", err)
					continue
				}
				steps := []func() error{
					func() error { _, err := api.ReadUser(ctx, u.ID, "profile", "posts.tags"); return err },
					func() error {
						_, err := api.UpdateUser(ctx, u.ID, rest.UserUpdate{Name: ptr(u.Name + "!")})
						return err
					},
					func() error {
						resp, body := sendH(t, "GET", fmt.Sprintf("%s/users?name.contains=w%d&include=posts", api.URL, w), "", nil)
						if resp.StatusCode != http.StatusOK {
							return fmt.Errorf("list: %d %s", resp.StatusCode, body)
						}
						return nil
					},
					func() error {
						_, err := api.UpdateWhereUser(ctx, rest.UserWhere().IDEq(u.ID).Values(), rest.UserUpdate{Email: restkit.Null[string]()})
						return err
					},
					func() error { return api.DeleteUser(ctx, u.ID) },
					func() error { _, err := api.RestoreUser(ctx, u.ID); return err },
				}
				for _, step := range steps {
					if err := step(); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d requests failed behind pgbouncer", n)
	}
	if got := api.count(t, "users", ""); got != 80 {
		t.Errorf("%d users, want 80", got)
	}
}
