package database

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
	"github.com/lib/pq"
)

// convertArgs is an ent driver that rewrites some statement arguments before
// the database/sql driver sees them; conv returns the new value and true for
// an argument it rewrites, and lead an option to put before the arguments
// of a statement (either may be nil).
type convertArgs struct {
	dialect.Driver
	conv func(any) (any, bool)
	lead func(query string) (any, bool)
}

// jsonAsText is the driver on lib/pq: ent passes the values of JSON
// fields as json.RawMessage (bytes), and lib/pq with binary_parameters=yes
// (one round trip per query) sends bytes in binary format, which jsonb reads
// as its binary encoding ("unsupported jsonb version number"). They go as
// text instead; other bytes (bytea) are untouched.
func jsonAsText(d dialect.Driver) dialect.Driver {
	return convertArgs{Driver: d, conv: func(a any) (any, bool) {
		r, ok := a.(json.RawMessage)
		return string(r), ok
	}}
}

// timesInUTC is the driver on SQLite: modernc.org/sqlite stores a time as
// the text of its String method, which carries the zone's name and the
// monotonic clock reading ("… +0100 CET m=+0.0123"): a time.Now() written
// as is would never equal the same instant read back and parsed, and times
// in two zones would not sort as instants. Every time goes in UTC (which
// drops the monotonic reading), so equal instants are equal text and text
// order is time order.
func timesInUTC(d dialect.Driver) dialect.Driver {
	return convertArgs{Driver: d, conv: func(a any) (any, bool) {
		t, ok := a.(time.Time)
		return t.UTC(), ok
	}}
}

// pgxArgs is the driver on pgx: pgx prepares and caches every
// statement, and after five runs PostgreSQL may keep a generic plan, made
// without the arguments' values. For a substring match (LIKE, ILIKE) the
// value is what decides the plan — '%lorem%' is found through a trigram
// index in a millisecond, and the generic plan of a page walks the primary
// key, reading a million rows for a pattern nothing matches (4.5 s against
// 2 ms at a million posts). Statements matching patterns are planned for
// their values on every run (pgx's describe-only cache: an unnamed
// statement); the others keep their cached plans.
//
// It also passes the array arguments the runtime writes for lib/pq
// (pq.Int64Array, pq.StringArray: their driver value is the array's text,
// "{1,2,3}") as the slices they are, which pgx encodes itself, in binary,
// instead of parsing the text back into an array first.
//
// With noCache (default_query_exec_mode=exec or simple_protocol in the
// URL, for a pooler in transaction mode) every statement already goes
// unprepared, planned for its values, and only the arrays are passed.
func pgxArgs(d dialect.Driver, noCache bool) convertArgs {
	if noCache {
		return convertArgs{Driver: d, conv: pgxArray}
	}
	return convertArgs{Driver: d, lead: func(query string) (any, bool) {
		return pgx.QueryExecModeCacheDescribe, strings.Contains(query, " LIKE ") || strings.Contains(query, " ILIKE ")
	}, conv: pgxArray}
}

// pgxArray returns the slice a lib/pq array argument holds.
func pgxArray(a any) (any, bool) {
	switch a := a.(type) {
	case pq.Int64Array:
		return []int64(a), true
	case pq.StringArray:
		return []string(a), true
	}
	return nil, false
}

func (d convertArgs) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, convert(query, args, d.conv, d.lead), v)
}

func (d convertArgs) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, convert(query, args, d.conv, d.lead), v)
}

func (d convertArgs) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return convertArgsTx{tx, d.conv, d.lead}, nil
}

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver.
func (d convertArgs) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	tx, err := beginTx(ctx, d.Driver, opts)
	if err != nil {
		return nil, err
	}
	return convertArgsTx{tx, d.conv, d.lead}, nil
}

// beginTx starts a transaction with options on d, for the drivers that
// wrap another: the wrapped one must take them.
func beginTx(ctx context.Context, d dialect.Driver, opts *stdsql.TxOptions) (dialect.Tx, error) {
	b, ok := d.(interface {
		BeginTx(context.Context, *stdsql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("the driver does not support transaction options")
	}
	return b.BeginTx(ctx, opts)
}

type convertArgsTx struct {
	dialect.Tx
	conv func(any) (any, bool)
	lead func(query string) (any, bool)
}

func (t convertArgsTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, convert(query, args, t.conv, t.lead), v)
}

func (t convertArgsTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, convert(query, args, t.conv, t.lead), v)
}

// convert returns the arguments of query: args with those conv rewrites
// rewritten, after the option lead gives (a copy, only when either
// applies).
func convert(query string, args any, conv func(any) (any, bool), lead func(string) (any, bool)) any {
	as, ok := args.([]any)
	if !ok || len(as) == 0 {
		return args
	}
	var out []any // the copy, once needed
	off := 0      // where args start in out
	if lead != nil {
		if opt, ok := lead(query); ok {
			out, off = append([]any{opt}, as...), 1
		}
	}
	if conv != nil {
		for i, a := range as {
			if c, ok := conv(a); ok {
				if out == nil {
					out = append([]any(nil), as...)
				}
				out[off+i] = c
			}
		}
	}
	if out == nil {
		return args
	}
	return out
}
