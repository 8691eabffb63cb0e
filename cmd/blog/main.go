// Command blog runs the blog API.
//
//	blog serve [--addr :8080] [--database-url URL] [--migrate]
//	blog migrate diff NAME | apply [--dry-run] | status | lint
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
	"os"
	"os/signal"
	"syscall"

	"blog/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// errUsage marks errors in the command line; they exit with status 2.
var errUsage = errors.New("usage")

// run runs the command in args and returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: blog serve|migrate [flags]   (blog serve --help lists the flags)")
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		err = migrateCmd(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "usage: blog serve|migrate [flags]   (blog serve --help lists the flags)")
		return 0
	default:
		fmt.Fprintf(stderr, "blog: unknown command %q\n", args[0])
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

// serve parses the serve flags into a server.Config and runs the server.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blog serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", ":8080", "TCP address to listen on")
	fs.StringVar(&cfg.DatabaseURL, "database-url", getenv("DATABASE_URL"),
		"database: postgres://… or sqlite:PATH (env DATABASE_URL; default sqlite:blog.db)")
	fs.BoolVar(&cfg.Migrate, "migrate", false,
		"apply pending migrations at start-up on PostgreSQL (SQLite always does)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	return server.Run(ctx, cfg, log)
}
