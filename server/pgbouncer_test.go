package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"
)

// startPgBouncer starts a pgbouncer of its own (Debian's 1.18, in
// transaction pooling mode, 3 server connections) in front of the
// PostgreSQL server of pgURL, stopped when the test ends, and returns pgURL
// pointed at it. It skips where pgbouncer is not installed, unless CI=true.
func startPgBouncer(t *testing.T, pgURL string) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = "/usr/sbin/pgbouncer"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("pgbouncer is not installed (.ci/run installs it)")
			}
			t.Skip("pgbouncer is not installed (apt-get install pgbouncer)")
		}
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// Not t.TempDir: its parent is private, and pgbouncer run as root
	// drops to the postgres user (-u), which must reach its log.
	dir, err := os.MkdirTemp("", "pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	host, pgPort := u.Hostname(), u.Port()
	if pgPort == "" {
		pgPort = "5432"
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s user=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 3
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
`, host, pgPort, u.User.Username(), port, filepath.Join(dir, "pgbouncer.log"))
	conf := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{conf}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", conf}
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer did not listen on %d:\n%s", port, log)
		}
	}
	u.Host = "127.0.0.1:" + strconv.Itoa(port)
	return u.String()
}

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
	through := startPgBouncer(t, direct)
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
