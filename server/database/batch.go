package database

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgxBatcher is the driver on pgx: besides ent's statements, it sends the
// statements of a restkit.Batch in one round trip (a pgx batch, pipelined
// on one pooled connection), which database/sql cannot express. The
// generated loaders batch the edges a request includes at one level.
type pgxBatcher struct {
	dialect.Driver
	db *sql.DB
}

// SendBatch runs queries in one round trip on one connection of the pool.
func (d pgxBatcher) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("batch: the connection is a %T, not pgx's", dc)
		}
		b := &pgx.Batch{}
		for _, q := range queries {
			b.Queue(q.SQL, convert(q.SQL, q.Args, pgxArray, nil).([]any)...)
		}
		results := c.Conn().SendBatch(ctx, b)
		for _, q := range queries {
			if err := readRows(results, q.Row); err != nil {
				_ = results.Close() // the error reading the rows is the one to report
				return err
			}
		}
		return results.Close()
	})
}

// readRows reads the next result of a batch, calling row for each row.
func readRows(results pgx.BatchResults, row func(restkit.Row) error) error {
	rows, err := results.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver.
func (d pgxBatcher) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return beginTx(ctx, d.Driver, opts)
}
