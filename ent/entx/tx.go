// Package entx holds hand-written helpers for the generated ent client.
package entx

import (
	"context"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/openapi/restkit"
)

// WithTx runs fn in a transaction of client. It commits when fn returns nil
// and rolls back when fn returns an error or panics (re-panicking after), and
// reruns fn when PostgreSQL aborts the transaction for a deadlock or a
// serialization failure (see restkit.WithTx).
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) error {
	return restkit.WithTx(ctx, client.Tx, fn)
}
