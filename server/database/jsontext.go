package database

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"

	"entgo.io/ent/dialect"
)

// jsonAsText is the ent driver on PostgreSQL: ent passes the values of JSON
// fields as json.RawMessage (bytes), and lib/pq with binary_parameters=yes
// (one round trip per query) sends bytes in binary format, which jsonb reads
// as its binary encoding ("unsupported jsonb version number"). It sends them
// as text instead; other bytes (bytea) are untouched.
type jsonAsText struct{ dialect.Driver }

func (d jsonAsText) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, textJSON(args), v)
}

func (d jsonAsText) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, textJSON(args), v)
}

func (d jsonAsText) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return jsonAsTextTx{tx}, nil
}

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver.
func (d jsonAsText) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
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
	return jsonAsTextTx{tx}, nil
}

type jsonAsTextTx struct{ dialect.Tx }

func (t jsonAsTextTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, textJSON(args), v)
}

func (t jsonAsTextTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, textJSON(args), v)
}

// textJSON returns args with every json.RawMessage as a string (a copy,
// only when there is one).
func textJSON(args any) any {
	as, ok := args.([]any)
	if !ok {
		return args
	}
	var out []any
	for i, a := range as {
		if r, ok := a.(json.RawMessage); ok {
			if out == nil {
				out = append([]any(nil), as...)
			}
			out[i] = string(r)
		}
	}
	if out == nil {
		return args
	}
	return out
}
