// Package database opens the blog's database: an embedded SQLite file by
// default, PostgreSQL (through lib/pq) for postgres:// URLs.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/restkit"

	atlas "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx" (the default).
	_ "github.com/lib/pq"              // PostgreSQL driver "postgres" (driver=pq).
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite" // SQLite driver "sqlite".
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultURL is the database used when none is configured: a SQLite file in
// the working directory.
const DefaultURL = "sqlite:blog.db"

// DB is an open database with its ent client.
type DB struct {
	// Client is the ent client over Driver.
	Client *ent.Client
	// Driver is the ent driver under Client (with SQL logging, when on).
	Driver dialect.Driver
	// SQL is the connection pool under Client.
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// url is the URL the database was opened with, for throwaway databases
	// of the same kind (linting).
	url string
}

// Pool sizes the connection pool (the reference design's pool_size and
// max_overflow). Zero values keep database/sql's defaults.
type Pool struct {
	// MaxOpen bounds open connections (0: unbounded).
	MaxOpen int
	// MaxIdle bounds idle connections kept for reuse.
	MaxIdle int
	// MaxLifetime closes connections older than this (0: never).
	MaxLifetime time.Duration
}

// Option configures Open.
type Option func(*options)

type options struct {
	pool   Pool
	sqlLog *slog.Logger
	tracer trace.TracerProvider
}

// WithPool sizes the connection pool.
func WithPool(p Pool) Option { return func(o *options) { o.pool = p } }

// WithSQLLog logs every SQL statement and its arguments to log (the
// reference design's echo=True).
func WithSQLLog(log *slog.Logger) Option { return func(o *options) { o.sqlLog = log } }

// Open opens the database at rawURL ("" means DefaultURL) and checks that it
// answers. Accepted forms: postgres://… or postgresql://… for PostgreSQL (a
// connect_timeout of 5 s unless the URL sets one, so an unreachable server
// fails fast, and binary_parameters=yes for one round trip per query); sqlite:PATH, sqlite://PATH or file:PATH for SQLite, where
// foreign keys are always switched on.
func Open(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	conn, err := Connect(ctx, rawURL, opts...)
	if err != nil {
		return nil, err
	}
	return &DB{
		Client:  ent.NewClient(ent.Driver(conn.Driver)),
		Driver:  conn.Driver,
		SQL:     conn.SQL,
		Dialect: conn.Dialect,
		url:     rawURL,
	}, nil
}

// Conn is an open database without an ent client: what any generated ent
// package needs to make its own (ent.NewClient(ent.Driver(conn.Driver))).
type Conn struct {
	// Driver is the ent driver over SQL (with SQL logging, when on).
	Driver dialect.Driver
	// SQL is the connection pool.
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
}

// Connect opens the database at rawURL as Open does, without making the
// blog's ent client, and checks that it answers.
func Connect(ctx context.Context, rawURL string, opts ...Option) (*Conn, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return connect(ctx, rawURL, o, true)
}

// connect opens the pool of rawURL and its ent driver; mustAnswer checks
// that the database answers first.
func connect(ctx context.Context, rawURL string, o options, mustAnswer bool) (*Conn, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	driver, dia, dsn, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	pool, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", Redact(rawURL), err)
	}
	pool.SetMaxOpenConns(o.pool.MaxOpen)
	if o.pool.MaxIdle != 0 {
		pool.SetMaxIdleConns(o.pool.MaxIdle)
	}
	pool.SetConnMaxLifetime(o.pool.MaxLifetime)
	if mustAnswer {
		if err := ping(ctx, pool); err != nil {
			_ = pool.Close()                // the ping's error is the one to report
			if sqlStateOf(err) == "3D000" { // invalid_catalog_name
				return nil, fmt.Errorf("connecting to %s: the database does not exist; create it first (createdb NAME, or psql -c 'CREATE DATABASE NAME'): %w", Redact(rawURL), err)
			}
			return nil, fmt.Errorf("connecting to %s: %w", Redact(rawURL), err)
		}
	}
	var drv dialect.Driver = entsql.OpenDB(dia, pool)
	switch driver {
	case DriverPGX:
		drv = pgxBatcher{pgxArgs(drv, !cachesStatements(dsn)), pool}
	case DriverPQ:
		drv = jsonAsText(drv)
	case "sqlite":
		drv = timesInUTC(drv)
	}
	if o.tracer != nil {
		drv = traced(drv, o.tracer, dia)
	}
	if o.sqlLog != nil {
		log := o.sqlLog
		drv = dialect.DebugWithContext(drv, func(ctx context.Context, args ...any) {
			log.InfoContext(ctx, "sql", "statement", fmt.Sprint(args...))
		})
	}
	return &Conn{Driver: drv, SQL: pool, Dialect: dia}, nil
}

// sqlStateOf is the SQLSTATE of a PostgreSQL error of either driver, or "".
func sqlStateOf(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// ErrNoDatabase is the error of Exists for a SQLite file that is not there.
var ErrNoDatabase = errors.New("no database")

// Exists returns ErrNoDatabase (wrapped, naming the file) when rawURL is a
// SQLite file that does not exist — opening it would create it, which
// commands that only report (migrate status, lint) must not do — and nil
// otherwise: a PostgreSQL database is checked when it is opened.
func Exists(rawURL string) error {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	_, dia, dsn, err := parse(rawURL)
	if err != nil || dia != dialect.SQLite {
		return err
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if q, _ := url.ParseQuery(query); path == ":memory:" || path == "" || q.Get("mode") == "memory" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w at %s (migrate apply or serve creates it)", ErrNoDatabase, path)
	}
	return nil
}

// cachesStatements reports whether pgx keeps per-connection statement
// state for the DSN: true unless its default_query_exec_mode is exec or
// simple_protocol — what a pooler in transaction mode (pgbouncer
// pool_mode=transaction) needs, each statement then going in one round
// trip with no prepared statement left on the server connection.
func cachesStatements(dsn string) bool {
	mode := ""
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		mode = u.Query().Get("default_query_exec_mode")
	} else {
		for _, kv := range strings.Fields(dsn) {
			if v, ok := strings.CutPrefix(kv, "default_query_exec_mode="); ok {
				mode = strings.Trim(v, "'")
			}
		}
	}
	return mode != "exec" && mode != "simple_protocol"
}

// ping checks that the database answers. A fresh SQLite file opened by
// several processes at once can answer SQLITE_BUSY to the first connection's
// switch to WAL despite the busy timeout (SQLite does not wait on that lock
// in every case): that is retried a few times, briefly.
func ping(ctx context.Context, pool *sql.DB) error {
	var err error
	for attempt := range 5 {
		var lite *sqlite.Error
		if err = pool.PingContext(ctx); err == nil || !errors.As(err, &lite) || lite.Code() != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

// DialectOf returns the ent dialect of a database URL ("" means DefaultURL).
func DialectOf(rawURL string) (string, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	_, dia, _, err := parse(rawURL)
	return dia, err
}

// parse maps a database URL to a database/sql driver name, ent dialect and DSN.
func parse(rawURL string) (driver, dia, dsn string, err error) {
	if isKeyValue(rawURL) {
		dsn, driver, err := pgDriverKV(rawURL)
		if err != nil {
			return "", "", "", err
		}
		return driver, dialect.Postgres, keyValueDSN(dsn, driver), nil
	}
	scheme, rest, ok := strings.Cut(rawURL, ":")
	if !ok {
		return "", "", "", fmt.Errorf("database URL %q has no scheme (postgres://… or sqlite:PATH)", Redact(rawURL))
	}
	switch scheme {
	case "postgres", "postgresql":
		u, err := url.Parse(rawURL)
		if err != nil {
			return "", "", "", fmt.Errorf("database URL: %w", err)
		}
		q := u.Query()
		driver, err := pgDriver(q.Get("driver"))
		if err != nil {
			return "", "", "", err
		}
		q.Del("driver")
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", "5")
		}
		// lib/pq: one round trip per parameterized query instead of two (a
		// separate prepare): measured 1.69 ms -> 0.97 ms for a read of a
		// user's graph. pgx caches its prepared statements per connection.
		if driver == DriverPQ {
			// pgx's option; lib/pq would send it as a startup parameter.
			// With binary_parameters it prepares nothing anyway: a pooler
			// in transaction mode needs no setting.
			q.Del("default_query_exec_mode")
		}
		switch {
		case driver == DriverPQ && q.Get("binary_parameters") == "":
			q.Set("binary_parameters", "yes")
		case driver == DriverPGX:
			// lib/pq's option, which PostgreSQL would refuse as a setting.
			q.Del("binary_parameters")
		}
		u.RawQuery = q.Encode()
		return driver, dialect.Postgres, u.String(), nil
	case "sqlite", "file":
		return "sqlite", dialect.SQLite, sqliteDSN(strings.TrimPrefix(rest, "//")), nil
	}
	return "", "", "", fmt.Errorf("database URL scheme %q is not supported (postgres or sqlite)", scheme)
}

// PostgreSQL drivers: a URL's driver option chooses one ("driver=pq");
// pgx is the default.
const (
	// DriverPGX is pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib).
	DriverPGX = "pgx"
	// DriverPQ is lib/pq, in maintenance mode, still supported and tested.
	DriverPQ = "postgres"
)

// pgDriver maps the value of a URL's driver option to a driver name.
func pgDriver(opt string) (string, error) {
	switch opt {
	case "", "pgx":
		return DriverPGX, nil
	case "pq", "libpq", "lib/pq":
		return DriverPQ, nil
	}
	return "", fmt.Errorf("database URL option driver=%q: want pgx (the default) or pq", opt)
}

// pgDriverKV takes the driver option out of a key=value connection string,
// and lib/pq's binary_parameters when the driver is pgx.
func pgDriverKV(dsn string) (rest, driver string, err error) {
	var opt string
	if m := kvDriver.FindStringSubmatch(dsn); m != nil {
		opt = m[2]
		dsn = kvDriver.ReplaceAllString(dsn, "$1")
	}
	if driver, err = pgDriver(opt); err != nil {
		return "", "", err
	}
	if driver == DriverPGX {
		dsn = kvBinaryParameters.ReplaceAllString(dsn, "$1")
	}
	return strings.TrimSpace(dsn), driver, nil
}

// kvDriver and kvBinaryParameters match those settings of a key=value
// connection string.
var (
	kvDriver           = regexp.MustCompile(`(^|\s)driver\s*=\s*(\S*)`)
	kvBinaryParameters = regexp.MustCompile(`(^|\s)binary_parameters\s*=\s*\S*`)
)

// sqliteDSN turns "PATH[?query]" into a modernc.org/sqlite DSN with foreign
// keys on, WAL, a busy timeout, and transactions that take the write lock at
// BEGIN (so concurrent writers wait instead of failing to upgrade). The busy
// timeout comes first: switching a fresh file to WAL takes a lock, and
// processes opening it at once must wait for it, not fail with SQLITE_BUSY.
func sqliteDSN(path string) string {
	path, query, _ := strings.Cut(path, "?")
	q, _ := url.ParseQuery(query)
	pragmas := map[string]string{
		"foreign_keys": "foreign_keys(1)",
		"journal_mode": "journal_mode(WAL)",
		"busy_timeout": "busy_timeout(10000)",
	}
	for _, p := range q["_pragma"] {
		name, _, _ := strings.Cut(p, "(")
		if name != "foreign_keys" {
			delete(pragmas, name)
		}
	}
	for _, p := range []string{"busy_timeout", "foreign_keys", "journal_mode"} {
		if v, ok := pragmas[p]; ok {
			q.Add("_pragma", v)
		}
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// isKeyValue reports whether dsn is a libpq key=value connection string
// ("host=localhost dbname=blog password=…") rather than a URL.
func isKeyValue(dsn string) bool {
	return !strings.Contains(dsn, "://") && kvSetting.MatchString(dsn)
}

// kvSetting matches the first setting of a key=value connection string.
var kvSetting = regexp.MustCompile(`^\s*[a-z_]+\s*=`)

// kvPassword matches the password of a key=value connection string, quoted
// or not.
var kvPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// userinfoPassword matches the password of a URL that does not parse.
var userinfoPassword = regexp.MustCompile(`(//[^:/@\s]*:)[^@\s]*@`)

// keyValueDSN adds the defaults of postgres:// URLs to a key=value
// connection string: a connect_timeout of 5 s, and binary parameters on
// lib/pq.
func keyValueDSN(dsn, driver string) string {
	defaults := []string{"connect_timeout=5"}
	if driver == DriverPQ {
		defaults = append(defaults, "binary_parameters=yes")
	}
	for _, kv := range defaults {
		key, _, _ := strings.Cut(kv, "=")
		if !regexp.MustCompile(`(^|\s)` + key + `\s*=`).MatchString(dsn) {
			dsn += " " + kv
		}
	}
	return dsn
}

// Redact returns a database URL or key=value connection string without its
// password (in the user information or a password parameter), for logs and
// errors. What it cannot parse it redacts by pattern.
func Redact(rawURL string) string {
	if isKeyValue(rawURL) {
		return kvPassword.ReplaceAllString(rawURL, "${1}xxxxx")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return kvPassword.ReplaceAllString(userinfoPassword.ReplaceAllString(rawURL, "${1}xxxxx@"), "${1}xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Close closes the client and its pool.
func (db *DB) Close() error {
	return db.Client.Close()
}

// CreateSchema creates or updates the tables to match the ent schema, and
// the triggers of its stored counts (rest.StoredCounts).
func (db *DB) CreateSchema(ctx context.Context, counts []restkit.StoredCount) error {
	if db.Dialect == dialect.Postgres {
		for _, stmt := range createExtensions(extensions(migrate.Tables)) {
			if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("creating schema: %w", err)
			}
		}
	}
	if err := db.Client.Schema.Create(ctx, MigrateOptions(db.Dialect, migrate.Tables)...); err != nil {
		return fmt.Errorf("creating schema: %w", err)
	}
	return CreateCounters(ctx, db.SQL, db.Dialect, counts)
}

// MigrateOptions are the options of every schema migration. They add what ent
// cannot declare: an index on every foreign key that no index or primary key
// starts with (the tag_id of a many-to-many join table, whose primary key
// (post_id, tag_id) serves only lookups by post), so that deleting or
// joining from the referenced side never scans the table. Named
// TABLE_COLUMN…, they follow from the graph of any schema. And they leave
// out, on a dia database, the indexes of tables that are typed for other
// databases only (see dialectOnly).
func MigrateOptions(dia string, tables []*schema.Table) []schema.MigrateOption {
	return []schema.MigrateOption{
		schema.WithDiffHook(func(next schema.Differ) schema.Differ {
			return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
				dropForeignIndexes(desired.Tables, tables, dia)
				for _, t := range desired.Tables {
					indexForeignKeys(t)
				}
				return next.Diff(current, desired)
			})
		}),
	}
}

// indexForeignKeys adds to t an index on each foreign key that is not a
// prefix of its primary key or of one of its indexes. When the key's
// columns are part of the primary key (post_tags(post_id, tag_id)), the
// index goes on with the rest of the primary key (tag_id, post_id): the
// rows of one tag are then in post order, so a page of a tag's posts, and
// their count, read the index and nothing else.
func indexForeignKeys(t *atlas.Table) {
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == 0 || leads(t, fk.Columns) {
			continue
		}
		name := t.Name
		for _, c := range fk.Columns {
			name += "_" + c.Name
		}
		if _, ok := t.Index(name); ok {
			continue
		}
		cols := slices.Clone(fk.Columns)
		if t.PrimaryKey != nil && inKey(t.PrimaryKey, fk.Columns) {
			for _, p := range t.PrimaryKey.Parts {
				if p.C != nil && !slices.Contains(cols, p.C) {
					cols = append(cols, p.C)
				}
			}
		}
		t.AddIndexes(atlas.NewIndex(name).AddColumns(cols...))
	}
}

// inKey reports whether every one of cols is a column of key.
func inKey(key *atlas.Index, cols []*atlas.Column) bool {
	for _, c := range cols {
		if !slices.ContainsFunc(key.Parts, func(p *atlas.IndexPart) bool { return p.C != nil && p.C.Name == c.Name }) {
			return false
		}
	}
	return true
}

// leads reports whether cols are the first columns of t's primary key or of
// one of its indexes.
func leads(t *atlas.Table, cols []*atlas.Column) bool {
	starts := func(parts []*atlas.IndexPart) bool {
		if len(parts) < len(cols) {
			return false
		}
		for i, c := range cols {
			if parts[i].C == nil || parts[i].C.Name != c.Name {
				return false
			}
		}
		return true
	}
	if t.PrimaryKey != nil && starts(t.PrimaryKey.Parts) {
		return true
	}
	for _, idx := range t.Indexes {
		if starts(idx.Parts) {
			return true
		}
	}
	return false
}
