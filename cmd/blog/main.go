// Command blog runs the blog API and its tools.
//
//	blog serve [flags]                       serve the API (blog serve --help)
//	blog migrate diff NAME | apply | status | lint | hash
//	blog seed [flags]                        fill a database with demo data
//	blog db copy --from URL --to URL         copy a database into PostgreSQL
//	blog openapi [--yaml]                    print the OpenAPI spec
//	blog version                             print the version and commit
//
// With no database URL (flag or DATABASE_URL) it uses a SQLite file, blog.db,
// in the working directory; an empty one is an error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// errUsage marks errors in the command line or configuration: exit 2.
var errUsage = errors.New("usage")

const usage = `usage: blog COMMAND [flags]

  serve      serve the API (blog serve --help lists every setting)
  migrate    diff NAME | apply [--dry-run] [--allow-destructive] [--allow-data-dependent] | status | lint | hash
  seed       fill a database with demo data
  db         copy: move every row of a SQLite database into PostgreSQL
  openapi    print the OpenAPI spec (--yaml for YAML)
  version    print the version, the commit and the Go version

blog COMMAND --help describes each command and its flags.`

// run runs the command in args and returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		err = migrateCmd(ctx, args[1:], getenv, stdout)
	case "seed":
		err = seedCmd(ctx, args[1:], getenv, stdout, stderr)
	case "db":
		err = dbCmd(ctx, args[1:], stdout)
	case "openapi":
		err = openapiCmd(args[1:], stdout)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, server.BuildInfo())
		return 0
	case "help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprintln(stdout, usage)
		return 0
	case "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "blog: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errPending):
		fmt.Fprintln(stderr, "blog:", err)
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "blog:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "blog:", err)
		return 1
	}
}

// envName is the environment variable of a flag: BLOG_DB_MAX_OPEN for
// db-max-open, DATABASE_URL for database-url.
func envName(flagName string) string {
	if flagName == "database-url" {
		return "DATABASE_URL"
	}
	return "BLOG_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args into fs, then sets every flag the command line left
// out from its environment variable: flags win over the environment. -h or
// --help prints the command's help on stdout (flag.ErrHelp: exit 0). A bad
// flag or value, in either place, is one usage error naming it and the form
// expected; run prints it once, without the help.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return err
		}
		return fmt.Errorf("%w: %s (%s --help lists the flags)", errUsage, flagError(fs, err), fs.Name())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !set[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %s", envName(f.Name), v, valueError(f, err)))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if f := fs.Lookup("database-url"); f != nil && strings.TrimSpace(f.Value.String()) == "" {
		return fmt.Errorf("%w: the database URL is empty: give postgres://… or sqlite:PATH, or leave --database-url and DATABASE_URL out for %s", errUsage, database.DefaultURL)
	}
	return nil
}

// flagError rewrites the flag package's error for a value it cannot parse
// ("invalid value "30" for flag -read-timeout: parse error") to name the
// flag as it is written and the form expected.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "invalid value ")
	if !ok {
		return msg
	}
	value, rest, _ := strings.Cut(rest, " for flag -")
	name, cause, _ := strings.Cut(rest, ": ")
	f := fs.Lookup(name)
	if f == nil {
		return msg
	}
	return fmt.Sprintf("--%s %s: %s", name, value, valueError(f, errors.New(cause)))
}

// valueError says what a value of flag f must look like, for err, the
// error of setting it: the form of its type where the flag package only
// says "parse error", else err.
func valueError(f *flag.Flag, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok || !strings.Contains(err.Error(), "parse error") && !strings.Contains(err.Error(), "invalid syntax") {
		return err.Error()
	}
	switch g.Get().(type) {
	case time.Duration:
		return "want a duration with a unit, such as 30s, 1m or 1h30m"
	case bool:
		return "want true or false"
	case int, int64:
		return "want a whole number"
	case uint, uint64:
		return "want a whole number, not negative"
	}
	return err.Error()
}

// flagUsage prints each flag with its default and, when fromEnv says the
// command reads it from the environment, its environment variable.
func flagUsage(fs *flag.FlagSet, synopsis string, fromEnv func(flagName string) bool) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: %s\n\n", synopsis)
		var lines []string
		env := false
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
				def = " (default " + f.DefValue + ")"
			}
			name := ""
			if fromEnv(f.Name) {
				name, env = envName(f.Name), true
			}
			lines = append(lines, fmt.Sprintf("  --%-22s %-26s %s%s", f.Name, name, f.Usage, def))
		})
		if env {
			fmt.Fprint(out, "A flag with an environment variable can be set by it too; the flag wins.\n\n")
		}
		sort.Strings(lines)
		fmt.Fprintln(out, strings.Join(lines, "\n"))
	}
}

// serve parses the serve flags into a server.Config, validates it, and runs
// the server.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blog serve", flag.ContinueOnError)
	cfg := server.DefaultConfig()
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "TCP address to listen on (:8080 for every interface)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", database.DefaultURL, "postgres://… (pgx; driver=pq for lib/pq) or sqlite:PATH")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending migrations at start-up on PostgreSQL (SQLite always does)")
	fs.IntVar(&cfg.Pool.MaxOpen, "db-max-open", cfg.Pool.MaxOpen, "most open database connections (pool_size + max_overflow; 0: no limit)")
	fs.IntVar(&cfg.Pool.MaxIdle, "db-max-idle", cfg.Pool.MaxIdle, "most idle database connections kept (pool_size)")
	fs.DurationVar(&cfg.Pool.MaxLifetime, "db-max-lifetime", cfg.Pool.MaxLifetime, "close database connections older than this (0: never)")
	fs.Func("replica-urls", "comma-separated postgres:// URLs of streaming standbys of the database: reads go to them, reads after a write to one that has replayed it", commaList(&cfg.ReplicaURLs))
	fs.DurationVar(&cfg.Replica.MaxLag, "replica-max-lag", 5*time.Second, "a standby further behind the primary than this serves no reads")
	fs.DurationVar(&cfg.Replica.Wait, "replica-wait", 100*time.Millisecond, "how long a read after a write waits for a standby to replay it before going to the primary")
	fs.BoolVar(&cfg.SQLLog, "sql-log", false, "log every SQL statement and its arguments (echo)")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "HTTP read header timeout")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "HTTP read timeout (whole request)")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "HTTP write timeout")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "HTTP keep-alive idle timeout")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "database work per request; past it 503")
	fs.DurationVar(&cfg.DrainDelay, "drain-delay", cfg.DrainDelay, "after SIGTERM, keep serving this long with /readyz at 503 before closing the listener")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "wait for in-flight requests on SIGTERM")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body; larger gets 413")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	format := fs.String("log-format", "text", "log format: text or json")
	fs.Func("api-tokens", "comma-separated bearer tokens required by mutating routes (none: open)", commaList(&cfg.APITokens))
	fs.BoolVar(&cfg.ReadAuth, "read-auth", false, "require a token on reads too")
	fs.Func("cors-origins", "comma-separated origins whose web pages may call the API (https://app.example.com; * for any; none: same origin only)", commaList(&cfg.CORSOrigins))
	var memLimit int64
	fs.Func("memory-limit", "soft memory limit of the Go runtime, as GOMEMLIMIT: 48MiB, 1GiB… (0 or absent: GOMEMLIMIT, else none)", func(v string) error {
		n, err := parseBytes(v)
		memLimit = n
		return err
	})
	fs.Usage = flagUsage(fs, "blog serve [flags]", allFromEnv)
	if err := parseFlags(fs, args, getenv, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	log, err := newLogger(stdout, *level, *format)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: invalid configuration: %v", errUsage, err)
	}
	if memLimit > 0 {
		debug.SetMemoryLimit(memLimit)
	}
	return server.Run(ctx, cfg, log)
}

// allFromEnv says every flag of a command is read from the environment too.
func allFromEnv(string) bool { return true }

// commaList returns a flag setter storing a comma-separated list in dst,
// items trimmed, empty ones dropped.
func commaList(dst *[]string) func(string) error {
	return func(v string) error {
		*dst = nil
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				*dst = append(*dst, item)
			}
		}
		return nil
	}
}

// parseBytes reads a size as GOMEMLIMIT writes it: a whole number of bytes
// with an optional unit B, KiB, MiB, GiB or TiB.
func parseBytes(v string) (int64, error) {
	num := strings.TrimRight(v, "BKMGTi")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: want a size like 48MiB or 1GiB", v)
	}
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}
	s, ok := shift[v[len(num):]]
	if !ok || n > math.MaxInt64>>s {
		return 0, fmt.Errorf("%q: want a size like 48MiB or 1GiB (units B, KiB, MiB, GiB, TiB)", v)
	}
	return n << s, nil
}

// newLogger returns the structured logger of the level and format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}
