package database

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/migrations"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
)

// RevisionsTable records the applied migrations.
const RevisionsTable = "blog_schema_revisions"

// advisoryLockKey is the PostgreSQL advisory lock appliers hold, so that
// processes starting at once apply each migration exactly once.
const advisoryLockKey = 7_265_483_120_555

// DirName is the migration directory name of an ent dialect.
func DirName(dia string) string {
	if dia == dialect.SQLite {
		return "sqlite"
	}
	return dia
}

// Migrations returns the embedded migration directory of the database.
func (db *DB) Migrations() (atlasmigrate.Dir, error) {
	return migrations.Dir(DirName(db.Dialect))
}

// Revision is an applied migration.
type Revision struct {
	Version     string
	Description string
	AppliedAt   time.Time
}

// Status is the migration state of a database against a directory.
type Status struct {
	Applied []Revision
	// Pending are the files not applied yet, in order.
	Pending []atlasmigrate.File
}

// MigrationStatus reports which migrations of dir are applied and pending.
// It only reads: a database without the revisions table has every migration
// pending, so it works for a role that may not create tables, and processes
// starting at once do not race to create the table.
func (db *DB) MigrationStatus(ctx context.Context, dir atlasmigrate.Dir) (*Status, error) {
	if err := VerifySum(dir); err != nil {
		return nil, err
	}
	return db.status(ctx, db.SQL, dir)
}

// queryer is what status needs of a pool, a connection or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) status(ctx context.Context, q queryer, dir atlasmigrate.Dir) (*Status, error) {
	st := &Status{}
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	exists, err := db.revisionsExist(ctx, q)
	if err != nil {
		return nil, err
	}
	if !exists {
		st.Pending = files
		return st, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT version, description, applied_at FROM "+RevisionsTable+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", RevisionsTable, err)
	}
	defer rows.Close()
	applied := make(map[string]bool)
	for rows.Next() {
		var r Revision
		if err := rows.Scan(&r.Version, &r.Description, &r.AppliedAt); err != nil {
			return nil, err
		}
		st.Applied = append(st.Applied, r)
		applied[r.Version] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range files {
		if !applied[f.Version()] {
			st.Pending = append(st.Pending, f)
		}
	}
	return st, nil
}

// revisionsExist reports whether the revisions table exists, without
// touching it.
func (db *DB) revisionsExist(ctx context.Context, q queryer) (bool, error) {
	query := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.Dialect == dialect.Postgres {
		query = "SELECT COUNT(*) FROM (SELECT to_regclass($1) AS t) r WHERE t IS NOT NULL"
	}
	rows, err := q.QueryContext(ctx, query, RevisionsTable)
	if err != nil {
		return false, fmt.Errorf("looking for %s: %w", RevisionsTable, err)
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, err
		}
	}
	return n > 0, rows.Err()
}

// ensureRevisions creates the revisions table if it is missing.
func (db *DB) ensureRevisions(ctx context.Context, x interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) error {
	_, err := x.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+RevisionsTable+
		" (version VARCHAR(255) NOT NULL PRIMARY KEY, description VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL)")
	if err != nil {
		return fmt.Errorf("creating %s: %w", RevisionsTable, err)
	}
	return nil
}

// VerifySum checks the directory against its atlas.sum and names each file
// whose content does not match it.
func VerifySum(dir atlasmigrate.Dir) error {
	b, err := dir.Open(atlasmigrate.HashFileName)
	if err != nil {
		return fmt.Errorf("migration directory has no %s: %w", atlasmigrate.HashFileName, err)
	}
	defer b.Close()
	raw, err := io.ReadAll(b)
	if err != nil {
		return err
	}
	var want atlasmigrate.HashFile
	if err := want.UnmarshalText(raw); err != nil {
		return fmt.Errorf("reading %s: %w", atlasmigrate.HashFileName, err)
	}
	got, err := dir.Checksum()
	if err != nil {
		return err
	}
	var bad []string
	for _, f := range got {
		if h, err := want.SumByName(f.N); err != nil || h != f.H {
			bad = append(bad, f.N)
		}
	}
	for _, f := range want {
		if _, err := got.SumByName(f.N); err != nil {
			bad = append(bad, f.N+" (missing)")
		}
	}
	if len(bad) > 0 || want.Sum() != got.Sum() {
		return fmt.Errorf("migration files do not match %s, refusing to apply: %s", atlasmigrate.HashFileName, strings.Join(bad, ", "))
	}
	return nil
}

// ApplyOptions configures Migrate.
type ApplyOptions struct {
	// DryRun prints the SQL of the pending migrations instead of running it.
	DryRun bool
	// Out receives progress lines and, with DryRun, the SQL.
	Out io.Writer
	// AllowDestructive applies pending migrations that lint finds
	// destructive (drop table or column); they are refused otherwise.
	AllowDestructive bool
	// AllowDataDependent applies pending migrations that lint finds
	// data-dependent (a new unique index, a NOT NULL column without default).
	AllowDataDependent bool
	// SkipLint applies without linting: for operators whose migrations were
	// linted elsewhere (CI lints every one) and whose role may not create
	// the throwaway database linting needs on PostgreSQL.
	SkipLint bool
}

// LintError is Migrate's refusal to apply pending migrations that lint
// flags and the options do not allow.
type LintError struct {
	Findings []Finding
}

func (e *LintError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refusing to apply: lint found %d change(s) that can lose data or fail on existing rows:", len(e.Findings))
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "\n  %s", f)
	}
	b.WriteString("\nreview them, then apply with `blog migrate apply --allow-destructive` or `--allow-data-dependent`")
	return b.String()
}

// Migrate applies the pending migrations of dir, each in its own
// transaction, recording each in RevisionsTable. It refuses a directory that
// does not match its atlas.sum, and, on a database that already has applied
// migrations (and so may hold data), pending migrations that lint finds
// destructive or data-dependent unless opts allow them (a *LintError). On
// PostgreSQL it holds an advisory lock from before it first touches the
// revisions table; on SQLite each transaction takes the write lock at BEGIN;
// so concurrent appliers apply each migration once. A failing migration is
// rolled back and not recorded; the error names its file and statement. It
// returns the versions it applied.
func (db *DB) Migrate(ctx context.Context, dir atlasmigrate.Dir, opts ApplyOptions) ([]string, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if err := VerifySum(dir); err != nil {
		return nil, err
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.Dialect == dialect.Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
			return nil, fmt.Errorf("taking the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", advisoryLockKey) //nolint:errcheck // closing the connection releases it too
	}
	if db.Dialect == dialect.SQLite {
		// applyFile switches foreign keys off on this connection; never
		// give it back to the pool.
		defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // ErrBadConn discards the connection
	}
	st, err := db.status(ctx, conn, dir)
	if err != nil {
		return nil, err
	}
	if len(st.Pending) == 0 {
		return nil, nil
	}
	if len(st.Applied) > 0 && !opts.SkipLint && !opts.DryRun {
		if err := db.lintPending(ctx, dir, st.Pending, opts); err != nil {
			return nil, err
		}
	}
	if !opts.DryRun {
		if err := db.ensureRevisions(ctx, conn); err != nil {
			return nil, err
		}
	}
	var applied []string
	for _, f := range st.Pending {
		stmts, err := fileStmts(db.Dialect, f)
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", f.Name(), err)
		}
		if opts.DryRun {
			fmt.Fprintf(opts.Out, "-- %s\n%s\n", f.Name(), strings.Join(stmts, "\n"))
			continue
		}
		ok, err := db.applyFile(ctx, conn, f, stmts)
		if err != nil {
			return applied, err
		}
		if ok {
			fmt.Fprintf(opts.Out, "applied %s\n", f.Name())
			applied = append(applied, f.Version())
		}
	}
	return applied, nil
}

// fileStmts splits the migration f into statements as Atlas's driver of
// dia does: a trigger's BEGIN … END block (SQLite) and a function body in
// dollar quotes (PostgreSQL) are one statement each.
func fileStmts(dia string, f atlasmigrate.File) ([]string, error) {
	decls, err := fileStmtDecls(dia, f)
	if err != nil {
		return nil, err
	}
	stmts := make([]string, len(decls))
	for i, d := range decls {
		stmts[i] = d.Text
	}
	return stmts, nil
}

// fileStmtDecls is fileStmts with the statements' positions and comments.
func fileStmtDecls(dia string, f atlasmigrate.File) ([]*atlasmigrate.Stmt, error) {
	opts := atlasmigrate.ScannerOptions{MatchBegin: true}
	if dia == dialect.Postgres {
		opts = atlasmigrate.ScannerOptions{MatchBegin: true, MatchBeginAtomic: true, MatchDollarQuote: true, EscapedStringExt: true}
	}
	return (&atlasmigrate.Scanner{ScannerOptions: opts}).Scan(string(f.Bytes()))
}

// lintPending lints pending on a throwaway database of the same kind and
// returns a *LintError for the findings opts do not allow.
func (db *DB) lintPending(ctx context.Context, dir atlasmigrate.Dir, pending []atlasmigrate.File, opts ApplyOptions) error {
	dev, closeDev, err := DevDatabase(ctx, db.url)
	if err != nil {
		return fmt.Errorf("linting pending migrations needs a throwaway database (%w); lint them elsewhere and apply with --skip-lint", err)
	}
	defer closeDev()
	findings, err := Lint(ctx, dev, dir, pending)
	if err != nil {
		return fmt.Errorf("linting pending migrations: %w", err)
	}
	var refused []Finding
	for _, f := range findings {
		if f.Refused(opts.AllowDestructive, opts.AllowDataDependent) {
			refused = append(refused, f)
		}
	}
	if len(refused) > 0 {
		return &LintError{Findings: refused}
	}
	return nil
}

// applyFile runs one migration in a transaction and records it; it reports
// false when another applier recorded it first.
//
// On SQLite, Atlas changes a table by rebuilding it (create a copy, copy the
// rows, drop the original, rename): with foreign keys on, dropping the
// original would cascade to every referencing row, and SQLite ignores
// PRAGMA foreign_keys inside a transaction. So foreign keys go off on the
// connection before BEGIN and back on after, and PRAGMA foreign_key_check
// must find nothing before the migration commits.
func (db *DB) applyFile(ctx context.Context, conn *sql.Conn, f atlasmigrate.File, stmts []string) (ok bool, err error) {
	if db.Dialect == dialect.SQLite {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return false, fmt.Errorf("migration %s: switching foreign keys off: %w", f.Name(), err)
		}
		defer func() {
			if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on"); ferr != nil && err == nil {
				err = fmt.Errorf("migration %s: switching foreign keys back on: %w", f.Name(), ferr)
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var done int
	if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM "+RevisionsTable+" WHERE version = ?"), f.Version()).Scan(&done); err != nil {
		return false, err
	}
	if done > 0 {
		return false, nil
	}
	for i, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migration %s failed at statement %d (%s), rolled back: %w", f.Name(), i+1, abbreviate(stmt), err)
		}
	}
	if db.Dialect == dialect.SQLite {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return false, fmt.Errorf("migration %s rolled back: %w", f.Name(), err)
		}
	}
	_, err = tx.ExecContext(ctx, db.rebind("INSERT INTO "+RevisionsTable+" (version, description, applied_at) VALUES (?, ?, ?)"),
		f.Version(), f.Desc(), time.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("recording migration %s: %w", f.Name(), err)
	}
	return true, tx.Commit()
}

// foreignKeyCheck returns an error naming each table with rows whose
// foreign key points at no row (SQLite's PRAGMA foreign_key_check).
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("checking foreign keys: %w", err)
	}
	defer rows.Close()
	broken := make(map[string]int)
	var order []string
	for rows.Next() {
		var table, parent string
		var rowid, fkid sql.NullInt64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		key := table + " → " + parent
		if broken[key] == 0 {
			order = append(order, key)
		}
		broken[key]++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return nil
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%s (%d rows)", k, broken[k])
	}
	return fmt.Errorf("it leaves rows whose foreign key points at no row: %s", strings.Join(parts, ", "))
}

// rebind turns ? placeholders into PostgreSQL's $n.
func (db *DB) rebind(query string) string {
	if db.Dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func abbreviate(stmt string) string {
	stmt = strings.Join(strings.Fields(stmt), " ")
	if len(stmt) > 120 {
		return stmt[:117] + "..."
	}
	return stmt
}

// DevDatabase opens an empty database of the same kind as rawURL for diffing
// and linting: an in-memory SQLite database, or a new database on the same
// PostgreSQL server. The returned func closes (and drops) it.
func DevDatabase(ctx context.Context, rawURL string) (*DB, func(), error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	_, dia, _, err := parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	if dia == dialect.SQLite {
		db, err := Open(ctx, "sqlite:dev-"+randomName()+"?mode=memory&cache=shared&_pragma=journal_mode(MEMORY)")
		if err != nil {
			return nil, nil, err
		}
		return db, func() { _ = db.Close() }, nil
	}
	admin, err := Open(ctx, rawURL)
	if err != nil {
		return nil, nil, err
	}
	name := "blog_dev_" + randomName()
	if _, err := admin.SQL.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return nil, nil, fmt.Errorf("creating dev database: %w", err)
	}
	drop := func() {
		_, _ = admin.SQL.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}
	devURL, err := withDatabase(rawURL, name)
	if err != nil {
		drop()
		return nil, nil, err
	}
	db, err := Open(ctx, devURL)
	if err != nil {
		drop()
		return nil, nil, err
	}
	return db, func() { _ = db.Close(); drop() }, nil
}

// withDatabase returns the PostgreSQL URL or key=value connection string
// rawURL with its database set to name.
func withDatabase(rawURL, name string) (string, error) {
	if isKeyValue(rawURL) {
		re := regexp.MustCompile(`(^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)
		if re.MatchString(rawURL) {
			return re.ReplaceAllString(rawURL, "${1}dbname="+name), nil
		}
		return rawURL + " dbname=" + name, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("database URL %s: %w", Redact(rawURL), err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrNoChanges is returned by Diff when the directory already matches.
var ErrNoChanges = errors.New("the migration directory already matches the schema")

// Diff writes to dir a migration named name holding exactly the changes
// between the migrations in dir (replayed on dev, an empty database) and
// tables (migrate.Tables for the ent schema) with the stored counts counts
// (rest.StoredCounts). It returns the new file's name, or ErrNoChanges and
// writes nothing.
func Diff(ctx context.Context, dev *DB, dir atlasmigrate.Dir, name string, tables []*schema.Table, counts []restkit.StoredCount) (string, error) {
	if tables == nil {
		tables = migrate.Tables
	}
	before, err := dir.Files()
	if err != nil {
		return "", err
	}
	if dev.Dialect == dialect.Postgres {
		// Atlas checks the plan on dev: the operator classes must exist.
		for _, stmt := range createExtensions(extensions(tables)) {
			if _, err := dev.SQL.ExecContext(ctx, stmt); err != nil {
				return "", fmt.Errorf("preparing the dev database: %w", err)
			}
		}
	}
	opts := append([]schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(atlasmigrate.DefaultFormatter),
		schema.WithDialect(dev.Dialect),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	}, MigrateOptions(dev.Dialect, tables)...)
	m, err := schema.NewMigrate(entsql.OpenDB(dev.Dialect, dev.SQL), opts...)
	if err != nil {
		return "", err
	}
	var f atlasmigrate.File
	switch err := m.NamedDiff(ctx, name, tables...); {
	case errors.Is(err, atlasmigrate.ErrNoPlan):
	case err != nil:
		return "", fmt.Errorf("diffing the schema: %w", err)
	default:
		after, err := dir.Files()
		if err != nil {
			return "", err
		}
		for _, a := range after {
			if !slices.ContainsFunc(before, func(b atlasmigrate.File) bool { return b.Name() == a.Name() }) {
				f = a
			}
		}
	}
	var body string
	if f != nil {
		body = string(f.Bytes())
	}
	first, last := counterChanges(dev.Dialect, before, counts, rebuiltTables(body))
	if f == nil && len(first)+len(last) == 0 {
		return "", ErrNoChanges
	}
	var exts []string
	if dev.Dialect == dialect.Postgres {
		exts = missingExtensions(before, body, extensions(tables))
	}
	if f != nil && len(first)+len(last)+len(exts) == 0 {
		return f.Name(), nil
	}
	parts := append(createExtensions(exts), first...)
	if body != "" {
		parts = append(parts, strings.TrimSuffix(body, "\n"))
	}
	parts = append(parts, last...)
	var fileName string
	if f != nil {
		fileName = f.Name()
	} else {
		fileName = nextVersion(before) + "_" + name + ".sql"
	}
	if err := dir.WriteFile(fileName, []byte(strings.Join(parts, "\n")+"\n")); err != nil {
		return "", err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return "", err
	}
	if err := atlasmigrate.WriteSumFile(dir, sum); err != nil {
		return "", err
	}
	return fileName, nil
}

// nextVersion is the version of a new migration after files: the time, as
// Atlas names versions, or a second after the last version when that is
// not before it (two diffs within a second).
func nextVersion(files []atlasmigrate.File) string {
	const layout = "20060102150405"
	v := time.Now().UTC().Truncate(time.Second)
	if len(files) > 0 {
		if last, err := time.Parse(layout, files[len(files)-1].Version()); err == nil && !last.Before(v) {
			v = last.Add(time.Second)
		}
	}
	return v.Format(layout)
}

// missingExtensions returns those of exts that no migration before creates
// and body (the new migration) does not either: the new migration starts
// with their creation, so that a directory applied from scratch has them
// before the indexes that need them.
func missingExtensions(before []atlasmigrate.File, body string, exts []string) []string {
	var missing []string
	for _, e := range exts {
		stmt := "CREATE EXTENSION IF NOT EXISTS " + e + ";"
		created := func(f atlasmigrate.File) bool { return strings.Contains(string(f.Bytes()), stmt) }
		if !slices.ContainsFunc(before, created) && !strings.Contains(body, stmt) {
			missing = append(missing, e)
		}
	}
	return missing
}
