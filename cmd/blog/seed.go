package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/server/database"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// seedCmd fills a database with demo data.
func seedCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blog seed", flag.ContinueOnError)
	dbURL := fs.String("database-url", database.DefaultURL, "postgres://… or sqlite:PATH")
	c := database.SeedConfig{Batch: 1000}
	fs.IntVar(&c.Users, "users", 1000, "users (each with a profile)")
	fs.IntVar(&c.PostsPerUser, "posts-per-user", 10, "posts per user")
	fs.IntVar(&c.Tags, "tags", 50, "tags")
	fs.IntVar(&c.TagsPerPost, "tags-per-post", 3, "tags per post")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed: the same seed, the same data")
	ifEmpty := fs.Bool("if-empty", false, "do nothing, successfully, when the database already has users")
	fs.BoolVar(&c.Reset, "reset", false, "empty every table first (in the seed's transaction): the database then holds only the new data")
	fs.Usage = flagUsage(fs, "blog seed [flags]", allFromEnv)
	if err := parseFlags(fs, args, getenv, stdout); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	db, err := database.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	dir, err := db.Migrations()
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx, dir, database.ApplyOptions{}); err != nil {
		return err
	}
	if *ifEmpty && !c.Reset {
		if n, err := db.Client.User.Query().Count(softdelete.Show(ctx, softdelete.All)); err != nil {
			return err
		} else if n > 0 {
			fmt.Fprintf(stdout, "the database already has %d users; not seeding\n", n)
			return nil
		}
	}
	start := time.Now()
	if err := db.Seed(ctx, c, progressBar(stdout, "seeding")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d users, %d profiles, %d posts, %d tags (%d per post) in %s\n",
		c.Users, c.Users, c.Users*c.PostsPerUser, c.Tags, c.TagsPerPost, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar shows, on w when it is a terminal (and nothing otherwise),
// the rows written of the total, the rate and the time left, after what.
func progressBar(w io.Writer, what string) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return nil
	}
	return newProgress(w, what)
}

// newProgress draws the progress of what on w.
func newProgress(w io.Writer, what string) func(done, total int) {
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionFullWidth(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set(done)
	}
}
