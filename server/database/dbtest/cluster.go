package dbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Cluster is a PostgreSQL cluster of a test's own — initdb into a temporary
// directory, its own port on 127.0.0.1 — for what the shared server must
// never see: outages, replication. It is stopped when the test ends.
type Cluster struct {
	t      testing.TB
	bin    string // PostgreSQL's server binaries
	dir    string // owned by the cluster's user
	data   string
	Port   int
	asUser func(name string, args ...string) *exec.Cmd
}

// NewCluster initdbs and starts a cluster. It skips where PostgreSQL's
// server binaries are not installed, unless CI=true.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c := newCluster(t)
	c.Run("initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "--no-sync")
	c.start()
	return c
}

// Standby makes a streaming standby of c (pg_basebackup -R, hot standby)
// on a port of its own and starts it.
func (c *Cluster) Standby(t testing.TB) *Cluster {
	t.Helper()
	s := newCluster(t)
	s.Run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres",
		"-D", s.data, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	s.start()
	return s
}

func newCluster(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL server binaries not found under /usr/lib/postgresql")
		}
		t.Skip("PostgreSQL server binaries not found under /usr/lib/postgresql; install postgresql to run this test")
	}
	// Not t.TempDir: its parent is private to root, and the cluster runs
	// as the postgres user.
	dir, err := os.MkdirTemp("", "blog-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c := &Cluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: dir, data: filepath.Join(dir, "data"),
		asUser: exec.Command}
	// initdb refuses to run as root: run the cluster as the postgres user.
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asUser = func(name string, args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.Port = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return c
}

func (c *Cluster) start() {
	c.t.Helper()
	c.PgCtl("start")
	c.t.Cleanup(func() {
		_ = c.asUser(filepath.Join(c.bin, "pg_ctl"), "-D", c.data, "-m", "immediate", "stop").Run()
	})
}

// Run runs one of PostgreSQL's server programs (initdb, pg_ctl…) as the
// cluster's user, failing the test if it fails.
func (c *Cluster) Run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.asUser(filepath.Join(c.bin, name), args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// PgCtl runs pg_ctl on the cluster (start, stop, restart…), waiting for it.
func (c *Cluster) PgCtl(args ...string) {
	c.t.Helper()
	c.Run("pg_ctl", append([]string{"-D", c.data, "-w", "-l", filepath.Join(c.dir, "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.Port, c.dir)}, args...)...)
}

// URL is the URL of database name on the cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}
