package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server/database"

	atlasmigrate "ariga.io/atlas/sql/migrate"
)

// errPending marks `migrate status` finding pending migrations: exit 1.
var errPending = errors.New("pending migrations")

// migrateUsage is the help of `blog migrate`.
const migrateUsage = `usage: blog migrate COMMAND [flags]

  diff NAME   write the migration from the last one to the schema, for the dialect of --database-url
  apply       apply pending migrations (--dry-run prints their SQL)
  status      list applied and pending migrations; exit status 1 while any are pending
  lint        check pending migrations for destructive and data-dependent changes
  hash        rewrite atlas.sum of a migration directory after a hand edit

blog migrate COMMAND --help lists the flags of each.`

// migrateSynopsis is the first line of the help of each migrate command.
var migrateSynopsis = map[string]string{
	"diff":   "blog migrate diff [flags] NAME",
	"apply":  "blog migrate apply [flags]",
	"status": "blog migrate status [flags]",
	"lint":   "blog migrate lint [flags]",
	"hash":   "blog migrate hash [flags]",
}

// migrateCmd runs `blog migrate diff|apply|status|lint|hash`. Each command
// takes the flags that concern it; only --database-url also comes from the
// environment (DATABASE_URL).
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: a migrate command is required\n%s", errUsage, migrateUsage)
	}
	cmd := args[0]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, migrateUsage)
		return flag.ErrHelp
	}
	if migrateSynopsis[cmd] == "" {
		return fmt.Errorf("%w: unknown migrate command %q\n%s", errUsage, cmd, migrateUsage)
	}
	fs := flag.NewFlagSet("blog migrate "+cmd, flag.ContinueOnError)
	dbURL := fs.String("database-url", database.DefaultURL, "postgres://… or sqlite:PATH")
	if cmd == "diff" || cmd == "lint" {
		fs.Lookup("database-url").Usage += "; " + cmd + " also uses a throwaway database of the same kind"
	}
	dirFlag := fs.String("dir", "", "migration directory on disk (default: server/database/migrations/<dialect> for diff and hash, the embedded one otherwise)")
	var dryRun, all, allowDestructive, allowData, skipLint bool
	if cmd == "apply" {
		fs.BoolVar(&dryRun, "dry-run", false, "print the SQL of pending migrations instead of running it")
		fs.BoolVar(&skipLint, "skip-lint", false, "do not lint pending migrations first (they were linted elsewhere)")
	}
	if cmd == "lint" {
		fs.BoolVar(&all, "all", false, "every migration, not only the pending ones")
	}
	if cmd == "apply" || cmd == "lint" {
		fs.BoolVar(&allowDestructive, "allow-destructive", false, "do not refuse destructive changes (drop table or column)")
		fs.BoolVar(&allowData, "allow-data-dependent", false, "do not refuse data-dependent changes (new unique index, NOT NULL column without default)")
	}
	fs.Usage = flagUsage(fs, migrateSynopsis[cmd], func(name string) bool { return name == "database-url" })
	onlyURL := func(name string) string {
		if name == "DATABASE_URL" {
			return getenv(name)
		}
		return ""
	}
	if err := parseFlags(fs, args[1:], onlyURL, stdout); err != nil {
		return err
	}
	if cmd == "diff" {
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: %s (the migration's name, such as add_comments)", errUsage, migrateSynopsis[cmd])
		}
		return diffCmd(ctx, *dbURL, *dirFlag, fs.Arg(0), stdout)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	switch cmd {
	case "hash":
		return hashCmd(*dbURL, *dirFlag, stdout)
	case "apply":
		if dryRun {
			// A dry run reports; it must not create the database.
			if err := database.Exists(*dbURL); err != nil {
				return err
			}
		}
		return applyCmd(ctx, *dbURL, *dirFlag, stdout, database.ApplyOptions{
			DryRun: dryRun, AllowDestructive: allowDestructive, AllowDataDependent: allowData, SkipLint: skipLint,
		})
	case "status":
		if err := database.Exists(*dbURL); err != nil {
			return err
		}
		return statusCmd(ctx, *dbURL, *dirFlag, stdout)
	default:
		if err := database.Exists(*dbURL); err != nil {
			return err
		}
		return lintCmd(ctx, *dbURL, *dirFlag, all, allowDestructive, allowData, stdout)
	}
}

// openWithDir opens the database at dbURL and its migration directory: the
// one at path, or the embedded one of the database's dialect.
func openWithDir(ctx context.Context, dbURL, path string) (*database.DB, atlasmigrate.Dir, error) {
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	var dir atlasmigrate.Dir
	if path == "" {
		dir, err = db.Migrations()
	} else {
		dir, err = atlasmigrate.NewLocalDir(path)
	}
	if err != nil {
		_ = db.Close() // the directory's error is the one to report
		return nil, nil, err
	}
	return db, dir, nil
}

func diffCmd(ctx context.Context, dbURL, dirPath, name string, stdout io.Writer) error {
	dev, closeDev, err := database.DevDatabase(ctx, dbURL)
	if err != nil {
		return err
	}
	defer closeDev()
	if dirPath == "" {
		dirPath = filepath.Join("server", "database", "migrations", database.DirName(dev.Dialect))
	}
	if _, err := os.Stat(dirPath); err != nil {
		return fmt.Errorf("migration directory %s: %w (run from the repository root or pass --dir)", dirPath, err)
	}
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	file, err := database.Diff(ctx, dev, dir, name, nil, rest.StoredCounts())
	if errors.Is(err, database.ErrNoChanges) {
		fmt.Fprintf(stdout, "%s: no changes; the migrations match the schema\n", dirPath)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dirPath, file))
	return nil
}

func applyCmd(ctx context.Context, dbURL, dirPath string, stdout io.Writer, opts database.ApplyOptions) error {
	db, dir, err := openWithDir(ctx, dbURL, dirPath)
	if err != nil {
		return err
	}
	defer db.Close()
	opts.Out = stdout
	applied, err := db.Migrate(ctx, dir, opts)
	if err != nil {
		return err
	}
	if !opts.DryRun {
		fmt.Fprintf(stdout, "%d migration(s) applied; the database is at the latest revision\n", len(applied))
	}
	return nil
}

// hashCmd rewrites atlas.sum of the migration directory on disk after a
// hand edit (a RENAME COLUMN in place of drop + add, say).
func hashCmd(dbURL, dirPath string, stdout io.Writer) error {
	if dirPath == "" {
		dia, err := database.DialectOf(dbURL)
		if err != nil {
			return err
		}
		dirPath = filepath.Join("server", "database", "migrations", database.DirName(dia))
	}
	if _, err := os.Stat(dirPath); err != nil {
		return fmt.Errorf("migration directory %s: %w (run from the repository root or pass --dir)", dirPath, err)
	}
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	if err := atlasmigrate.WriteSumFile(dir, sum); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s for %d migration(s)\n", filepath.Join(dirPath, atlasmigrate.HashFileName), len(sum))
	return nil
}

func statusCmd(ctx context.Context, dbURL, dirPath string, stdout io.Writer) error {
	db, dir, err := openWithDir(ctx, dbURL, dirPath)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.MigrationStatus(ctx, dir)
	if err != nil {
		return err
	}
	for _, r := range st.Applied {
		fmt.Fprintf(stdout, "applied  %s_%s  (%s)\n", r.Version, r.Description, r.AppliedAt.Format("2006-01-02 15:04:05"))
	}
	for _, f := range st.Pending {
		fmt.Fprintf(stdout, "pending  %s\n", strings.TrimSuffix(f.Name(), ".sql"))
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("%w: %d", errPending, len(st.Pending))
	}
	fmt.Fprintln(stdout, "the database is at the latest revision")
	return nil
}

func lintCmd(ctx context.Context, dbURL, dirPath string, all, allowDestructive, allowData bool, stdout io.Writer) error {
	db, dir, err := openWithDir(ctx, dbURL, dirPath)
	if err != nil {
		return err
	}
	defer db.Close()
	files, err := dir.Files()
	if err != nil {
		return err
	}
	if !all {
		st, err := db.MigrationStatus(ctx, dir)
		if err != nil {
			return err
		}
		files = st.Pending
	}
	dev, closeDev, err := database.DevDatabase(ctx, dbURL)
	if err != nil {
		return err
	}
	defer closeDev()
	findings, err := database.Lint(ctx, dev, dir, files)
	if err != nil {
		return err
	}
	failed := 0
	for _, f := range findings {
		mark := "error"
		switch {
		case f.Incompatible:
			mark = "warning"
		case !f.Refused(allowDestructive, allowData):
			mark = "allowed"
		default:
			failed++
		}
		fmt.Fprintf(stdout, "%s: %s\n", mark, f)
	}
	fmt.Fprintf(stdout, "linted %d migration(s): %d finding(s), %d not allowed\n", len(files), len(findings), failed)
	if failed > 0 {
		return fmt.Errorf("lint: %d finding(s) not allowed (see --allow-destructive, --allow-data-dependent)", failed)
	}
	return nil
}
