package database

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
)

// convertArgs is an ent driver that rewrites some statement arguments before
// the database/sql driver sees them; conv returns the new value and true for
// an argument it rewrites.
type convertArgs struct {
	dialect.Driver
	conv func(any) (any, bool)
}

// jsonAsText is the driver on lib/pq: ent passes the values of JSON
// fields as json.RawMessage (bytes), and lib/pq with binary_parameters=yes
// (one round trip per query) sends bytes in binary format, which jsonb reads
// as its binary encoding ("unsupported jsonb version number"). They go as
// text instead; other bytes (bytea) are untouched.
func jsonAsText(d dialect.Driver) dialect.Driver {
	return convertArgs{d, func(a any) (any, bool) {
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
	return convertArgs{d, func(a any) (any, bool) {
		t, ok := a.(time.Time)
		return t.UTC(), ok
	}}
}

func (d convertArgs) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, convert(args, d.conv), v)
}

func (d convertArgs) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, convert(args, d.conv), v)
}

func (d convertArgs) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return convertArgsTx{tx, d.conv}, nil
}

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver.
func (d convertArgs) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *stdsql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("the driver does not support transaction options")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return convertArgsTx{tx, d.conv}, nil
}

type convertArgsTx struct {
	dialect.Tx
	conv func(any) (any, bool)
}

func (t convertArgsTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, convert(args, t.conv), v)
}

func (t convertArgsTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, convert(args, t.conv), v)
}

// convert returns args with the arguments conv rewrites rewritten (a copy,
// only when there is one).
func convert(args any, conv func(any) (any, bool)) any {
	as, ok := args.([]any)
	if !ok {
		return args
	}
	var out []any
	for i, a := range as {
		if c, ok := conv(a); ok {
			if out == nil {
				out = append([]any(nil), as...)
			}
			out[i] = c
		}
	}
	if out == nil {
		return args
	}
	return out
}
