package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/entblog/blog/server/database"
)

// dbUsage is the help of `blog db`.
const dbUsage = `usage: blog db COMMAND [flags]

  copy   copy every row of a migrated database into a migrated, empty PostgreSQL one
         (SQLite to PostgreSQL: blog db copy --from sqlite:blog.db --to postgres://…)

blog db COMMAND --help lists the flags of each.`

// dbCmd runs `blog db copy`.
func dbCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: a db command is required\n%s", errUsage, dbUsage)
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, dbUsage)
		return flag.ErrHelp
	case "copy":
	default:
		return fmt.Errorf("%w: unknown db command %q\n%s", errUsage, args[0], dbUsage)
	}
	fs := flag.NewFlagSet("blog db copy", flag.ContinueOnError)
	from := fs.String("from", database.DefaultURL, "the database to copy: sqlite:PATH (or postgres://…), migrated")
	to := fs.String("to", "", "the database to fill: postgres://…, migrated (blog migrate apply) and empty")
	fs.Usage = flagUsage(fs, "blog db copy --from URL --to URL", func(string) bool { return false })
	if err := parseFlags(fs, args[1:], func(string) string { return "" }, stdout); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: blog db copy --from URL --to postgres://…", errUsage)
	}
	if err := database.Exists(*from); err != nil {
		return err
	}
	src, err := database.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := database.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	start := time.Now()
	var rows int
	bar := progressBar(stdout, "copying")
	if err := database.Copy(ctx, src, dst, func(done, total int) {
		rows = done
		if bar != nil {
			bar(done, total)
		}
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %d rows from %s to %s in %s; the row counts match\n",
		rows, database.Redact(*from), database.Redact(*to), time.Since(start).Round(time.Millisecond))
	return nil
}
