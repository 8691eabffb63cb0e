package dbtest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PgBouncer starts a pgbouncer of the test's own (Debian's 1.18, in
// transaction pooling mode, with poolSize server connections per database
// and user) in front of the PostgreSQL server of pgURL, stopped when the
// test ends, and returns pgURL pointed at it. It skips where pgbouncer is not
// installed, unless CI=true.
func PgBouncer(t testing.TB, poolSize int, pgURL string) string {
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
	logFile := filepath.Join(dir, "pgbouncer.log")
	readLog := func() string {
		b, _ := os.ReadFile(logFile)
		return string(b)
	}
	// The port is free when picked, but another process may take it before
	// pgbouncer binds it: then pgbouncer exits, and a connection check
	// alone would reach the other process. Start again on a new port.
	var port int
	for attempt := 1; ; attempt++ {
		port = FreePort(t)
		exited, ok := startPgBouncer(t, bin, dir, logFile, u, port, poolSize)
		if ok {
			t.Cleanup(func() {
				// Logged on failure: the first thing to read when a test
				// behind pgbouncer fails.
				select {
				case err := <-exited:
					t.Errorf("pgbouncer exited during the test (%v); its log:\n%s", err, readLog())
				default:
					if t.Failed() {
						t.Logf("pgbouncer's log:\n%s", readLog())
					}
				}
			})
			break
		}
		if attempt == 3 {
			t.Fatalf("pgbouncer did not serve on port %d; its log:\n%s", port, readLog())
		}
	}
	u.Host = "127.0.0.1:" + strconv.Itoa(port)
	return u.String()
}

// FreePort returns a TCP port of 127.0.0.1 that is free now (another
// process may take it before the caller binds it).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPgBouncer runs pgbouncer on port, killed when the test ends, and
// waits until it accepts connections; it reports false if it exited
// instead. exited receives its exit once it ends on its own.
func startPgBouncer(t testing.TB, bin, dir, logFile string, u *url.URL, port, poolSize int) (exited chan error, ok bool) {
	t.Helper()
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
default_pool_size = %d
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
`, host, pgPort, u.User.Username(), port, poolSize, logFile)
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
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Logf("pgbouncer on port %d exited: %v", port, err)
			return nil, false
		default:
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			_ = c.Close()
			// Listening — unless the listener is another process's and
			// pgbouncer is about to exit for want of the port.
			select {
			case err := <-exited:
				t.Logf("pgbouncer on port %d exited: %v", port, err)
				return nil, false
			case <-time.After(100 * time.Millisecond):
			}
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
			})
			return exited, true
		}
	}
	_ = cmd.Process.Kill()
	t.Logf("pgbouncer on port %d did not listen within 10s (%v)", port, <-exited)
	return nil, false
}
