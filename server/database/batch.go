package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgxBatcher is the driver on pgx: besides ent's statements, it sends the
// statements of a restkit.Batch in one round trip (a pgx batch, pipelined
// on one pooled connection), which database/sql cannot express. The
// generated loaders batch the edges a request includes at one level, and
// nested creates the writes of a level, in its transactions (pgxTx).
type pgxBatcher struct {
	convertArgs
	db *sql.DB
}

// SendBatch runs queries in one round trip on one connection of the pool.
func (d pgxBatcher) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return sendBatch(ctx, conn, queries)
}

// sendBatch runs queries in one round trip on conn, inside the transaction
// conn is in, if any.
func sendBatch(ctx context.Context, conn *sql.Conn, queries []restkit.BatchQuery) error {
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

// readRows reads the next result of a batch, calling row for each row (nil:
// a statement without rows).
func readRows(results pgx.BatchResults, row func(restkit.Row) error) error {
	if row == nil {
		_, err := results.Exec()
		return err
	}
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

// Tx starts a transaction.
func (d pgxBatcher) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver: on a connection of its own, taken from the pool for the
// transaction's life, so that its batches go on it.
func (d pgxBatcher) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		_ = conn.Close() // the error beginning is the one to report
		return nil, err
	}
	return &pgxTx{
		Tx:   convertArgsTx{&entsql.Tx{Conn: entsql.Conn{ExecQuerier: tx}, Tx: tx}, d.conv, d.lead},
		conn: conn,
	}, nil
}

// pgxTx is a transaction on pgx that sends batches: ent's statements go
// through database/sql's transaction, and a batch through pgx on the
// connection the transaction holds (database/sql lets a Conn's driver
// connection be used between the statements of its transaction).
type pgxTx struct {
	dialect.Tx
	conn *sql.Conn
	done bool // the connection went back to the pool
}

// SendBatch runs queries in one round trip, in the transaction.
func (t *pgxTx) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	return sendBatch(ctx, t.conn, queries)
}

// Commit commits the transaction and returns its connection to the pool.
func (t *pgxTx) Commit() error {
	return errors.Join(t.Tx.Commit(), t.release())
}

// Rollback rolls the transaction back and returns its connection to the
// pool.
func (t *pgxTx) Rollback() error {
	return errors.Join(t.Tx.Rollback(), t.release())
}

// release returns the connection to the pool, once: a rollback after a
// failed commit finds it returned.
func (t *pgxTx) release() error {
	if t.done {
		return nil
	}
	t.done = true
	return t.conn.Close()
}
