// Package entx holds hand-written helpers for the generated ent client.
package entx

import (
	"context"
	"errors"
	"fmt"

	"blog/ent"
)

// WithTx runs fn in a transaction of client. It commits when fn returns nil
// and rolls back when fn returns an error or panics (re-panicking after).
// Every multi-statement write goes through it, so nothing is half-written.
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
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
