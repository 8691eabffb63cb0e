// Package softdelete makes the deletes of an ent schema soft, following
// ent's documented interceptor pattern, for any schema and without the
// generated code: a schema that embeds Mixin gets a deleted_at field, its
// deletes set it instead of removing the row (bulk deletes too), and its
// queries, traversals and eager loads leave soft-deleted rows out unless
// the context says otherwise.
//
//	func (Post) Mixin() []ent.Mixin { return []ent.Mixin{softdelete.Mixin{}} }
//
//	client.Post.DeleteOneID(id).Exec(ctx)                    // sets deleted_at
//	client.Post.Query().All(softdelete.Show(ctx, softdelete.All)) // every row
//	client.Post.DeleteOneID(id).Exec(softdelete.Hard(ctx))   // removes the row
//
// The generated REST layer reads the field's annotation: DELETE sets it,
// lists take deleted=include|only, and POST /{collection}/{id}/restore
// clears it.
package softdelete

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/entblog/blog/ent/restgen/annotation"
)

// Field is the column that holds when a row was soft-deleted; NULL for a
// live row.
const Field = "deleted_at"

// Mode says which rows of a table queries see.
type Mode int

const (
	// Live rows only: the default.
	Live Mode = iota
	// All rows, live and soft-deleted.
	All
	// Deleted rows only.
	Deleted
)

// modesKey is the context key of the modes of tables.
type modesKey struct{}

// hardKey is the context key that makes deletes remove rows.
type hardKey struct{}

// Show returns a context in which the queries of the soft-delete tables
// named see the rows of mode (every such table when none is named); eager
// loads of other tables keep theirs.
func Show(ctx context.Context, mode Mode, tables ...string) context.Context {
	prev, _ := ctx.Value(modesKey{}).(map[string]Mode)
	next := make(map[string]Mode, len(prev)+len(tables)+1)
	for t, m := range prev {
		next[t] = m
	}
	if len(tables) == 0 {
		next[""] = mode
	}
	for _, t := range tables {
		next[t] = mode
	}
	return context.WithValue(ctx, modesKey{}, next)
}

// ModeOf returns the mode of table in ctx.
func ModeOf(ctx context.Context, table string) Mode {
	modes, _ := ctx.Value(modesKey{}).(map[string]Mode)
	if m, ok := modes[table]; ok {
		return m
	}
	return modes[""]
}

// Predicate is the condition keeping the rows of mode, or nil for All:
// what lists that count with statements of their own add to their filters.
func Predicate(mode Mode) func(*sql.Selector) {
	switch mode {
	case Live:
		return func(s *sql.Selector) { s.Where(sql.IsNull(s.C(Field))) }
	case Deleted:
		return func(s *sql.Selector) { s.Where(sql.NotNull(s.C(Field))) }
	}
	return nil
}

// Hard returns a context in which deletes remove rows, soft-deleted or
// not: what operators use to purge.
func Hard(ctx context.Context) context.Context { return context.WithValue(ctx, hardKey{}, true) }

// isHard reports whether ctx comes from Hard.
func isHard(ctx context.Context) bool { v, _ := ctx.Value(hardKey{}).(bool); return v }

// Mixin adds the deleted_at field, the interceptor that hides soft-deleted
// rows and the hook that turns deletes into updates setting it.
type Mixin struct {
	mixin.Schema
}

// Fields of the Mixin: deleted_at, read-only through the API.
func (Mixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time(Field).
			Optional().
			Nillable().
			Comment("When the row was soft-deleted; null while it is live.").
			Annotations(entoas.ReadOnly(true), annotation.SoftDelete()),
	}
}

// wherer is a query or mutation that takes storage-level predicates.
type wherer interface {
	WhereP(...func(*sql.Selector))
}

// Interceptors of the Mixin: every query, traversal and eager load of the
// schema keeps the rows its context's mode shows.
func (Mixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
			w, ok := q.(wherer)
			if !ok {
				return fmt.Errorf("softdelete: query %T takes no predicates", q)
			}
			w.WhereP(func(s *sql.Selector) {
				if p := Predicate(ModeOf(ctx, s.TableName())); p != nil {
					p(s)
				}
			})
			return nil
		}),
	}
}

// Hooks of the Mixin: a delete of live rows becomes an update setting
// deleted_at, unless the context is Hard. Deleting a row already
// soft-deleted finds nothing (a DeleteOne answers not found).
func (Mixin) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if !m.Op().Is(ent.OpDelete|ent.OpDeleteOne) || isHard(ctx) {
					return next.Mutate(ctx, m)
				}
				mx, ok := m.(interface {
					wherer
					SetOp(ent.Op)
				})
				if !ok {
					return nil, fmt.Errorf("softdelete: mutation %T cannot become an update", m)
				}
				client, err := clientOf(m)
				if err != nil {
					return nil, err
				}
				mx.WhereP(sql.FieldIsNull(Field))
				mx.SetOp(ent.OpUpdate)
				if err := m.SetField(Field, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
					return nil, err
				}
				return client.Mutate(ctx, m)
			})
		},
	}
}

// clientOf returns the generated client of m's transaction or connection
// (each generated mutation has a Client method returning it): the update a
// soft delete becomes runs through it, with the schema's other hooks.
func clientOf(m ent.Mutation) (ent.Mutator, error) {
	method := reflect.ValueOf(m).MethodByName("Client")
	if !method.IsValid() || method.Type().NumIn() != 0 || method.Type().NumOut() != 1 {
		return nil, fmt.Errorf("softdelete: mutation %T has no Client method", m)
	}
	c, ok := method.Call(nil)[0].Interface().(ent.Mutator)
	if !ok {
		return nil, fmt.Errorf("softdelete: the client of %T is not an ent.Mutator", m)
	}
	return c, nil
}
