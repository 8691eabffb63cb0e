package restkit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxTxAttempts bounds how many times WithTx runs a transaction that the
// database aborts for a deadlock or a serialization failure.
const MaxTxAttempts = 3

// Tx is a database transaction: ent's generated *Tx is one.
type Tx interface {
	Commit() error
	Rollback() error
}

// WithTx runs fn in a transaction that begin starts (an ent client's Tx
// method). It commits when fn returns nil and rolls back when fn returns an
// error or panics (re-panicking after). Every multi-statement write goes
// through it, so nothing is half-written.
//
// When PostgreSQL aborts the transaction as a deadlock victim (SQLSTATE
// 40P01) or for a serialization failure (40001), nothing of it was written,
// and WithTx runs fn again in a new transaction, up to MaxTxAttempts times
// in all: fn must only write through tx and assign its results, so that a
// rerun starts afresh.
func WithTx[T Tx](ctx context.Context, begin func(context.Context) (T, error), fn func(T) error) error {
	for attempt := 1; ; attempt++ {
		err := once(ctx, begin, fn)
		if err == nil || attempt == MaxTxAttempts || !Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

// Retryable reports whether err aborted a transaction that may succeed when
// run again: a deadlock or a serialization failure.
func Retryable(err error) bool {
	code := sqlState(err)
	return code == "40001" || code == "40P01"
}

func once[T Tx](ctx context.Context, begin func(context.Context) (T, error), fn func(T) error) (err error) {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rolling back: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}
