// Command blog runs the blog API and its tools.
//
//	blog serve [flags]                       serve the API (blog serve --help)
//	blog migrate diff NAME | apply | status | lint | hash
//	blog seed [flags]                        fill a database with demo data
//	blog openapi [--yaml]                    print the OpenAPI spec
//
// With no database URL (flag or DATABASE_URL) it uses a SQLite file, blog.db,
// in the working directory.
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

	"github.com/entblog/blog/server"
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
  openapi    print the OpenAPI spec (--yaml for YAML)`

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
		err = migrateCmd(ctx, args[1:], getenv, stdout, stderr)
	case "seed":
		err = seedCmd(ctx, args[1:], getenv, stdout, stderr)
	case "openapi":
		err = openapiCmd(args[1:], stdout, stderr)
	case "-h", "--help", "help":
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
// out from its environment variable: flags win over the environment. A bad
// value, in either, is a usage error naming it.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !set[f.Name] {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(f.Name), v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// flagUsage prints each flag with its environment variable and default.
func flagUsage(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: %s\n\nEvery flag can also be set by the environment variable shown; flags win.\n\n", synopsis)
		var lines []string
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
				def = " (default " + f.DefValue + ")"
			}
			lines = append(lines, fmt.Sprintf("  --%-22s %-26s %s%s", f.Name, envName(f.Name), f.Usage, def))
		})
		sort.Strings(lines)
		fmt.Fprintln(out, strings.Join(lines, "\n"))
	}
}

// serve parses the serve flags into a server.Config, validates it, and runs
// the server.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blog serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := server.DefaultConfig()
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "TCP address to listen on")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://… (pgx; driver=pq for lib/pq) or sqlite:PATH (default sqlite:blog.db)")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending migrations at start-up on PostgreSQL (SQLite always does)")
	fs.IntVar(&cfg.Pool.MaxOpen, "db-max-open", cfg.Pool.MaxOpen, "most open database connections (pool_size + max_overflow; 0: no limit)")
	fs.IntVar(&cfg.Pool.MaxIdle, "db-max-idle", cfg.Pool.MaxIdle, "most idle database connections kept (pool_size)")
	fs.DurationVar(&cfg.Pool.MaxLifetime, "db-max-lifetime", cfg.Pool.MaxLifetime, "close database connections older than this (0: never)")
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
	fs.Usage = flagUsage(fs, "blog serve [flags]")
	if err := parseFlags(fs, args, getenv); err != nil {
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
