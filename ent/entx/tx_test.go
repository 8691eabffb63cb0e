package entx_test

import (
	"context"
	"errors"
	"testing"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/entx"
	"github.com/entblog/blog/server/database/dbtest"
)

func TestWithTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		client := dbtest.Open(t, url).Client
		ctx := context.Background()
		users := func(t *testing.T) int {
			t.Helper()
			n, err := client.User.Query().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		createTwo := func(tx *ent.Tx) {
			tx.User.Create().SetName("a").ExecX(ctx)
			tx.User.Create().SetName("b").ExecX(ctx)
		}

		t.Run("CommitsOnNil", func(t *testing.T) {
			if err := entx.WithTx(ctx, client, func(tx *ent.Tx) error { createTwo(tx); return nil }); err != nil {
				t.Fatal(err)
			}
			if n := users(t); n != 2 {
				t.Errorf("got %d users, want 2", n)
			}
		})
		t.Run("RollsBackOnError", func(t *testing.T) {
			boom := errors.New("boom")
			err := entx.WithTx(ctx, client, func(tx *ent.Tx) error { createTwo(tx); return boom })
			if !errors.Is(err, boom) {
				t.Errorf("got %v, want the function's error", err)
			}
			if n := users(t); n != 2 {
				t.Errorf("got %d users, want the 2 committed before", n)
			}
		})
		t.Run("RollsBackOnPanic", func(t *testing.T) {
			func() {
				defer func() {
					if v := recover(); v != "boom" {
						t.Errorf("got panic %v, want it passed on", v)
					}
				}()
				_ = entx.WithTx(ctx, client, func(tx *ent.Tx) error { createTwo(tx); panic("boom") })
			}()
			if n := users(t); n != 2 {
				t.Errorf("got %d users, want the 2 committed before", n)
			}
		})
	})
}
