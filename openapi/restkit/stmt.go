package restkit

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// IDsArg marks, in a statement built once, the argument that carries a list
// of ids; Stmt.Args puts the ids of a call in its place.
type IDsArg struct{}

// InIDs is the predicate "col is one of the ids of the IDsArg argument",
// with one argument whatever the number of ids, so that the statement text
// does not depend on it (see inList).
func InIDs(d, col string) *sql.Predicate {
	return inList(d, col, IDsArg{}, IDsArg{})
}

// IDArg marks, in a statement built once, the argument that carries the one
// id of a statement for a single row or parent.
type IDArg struct{}

// WhereIDs is the predicate selecting by col, a uniquely indexed column
// (a primary key, a one-to-one edge's foreign key), the rows of the ids of
// a call: "col = the IDArg argument" for one id, InIDs for more. A
// statement for one id takes it as a scalar, not an array of one:
// PostgreSQL plans "= ANY($1)" for an array whose length it does not know
// (ten rows, say) and, finding each custom plan far cheaper, plans the
// prepared statement again at every run, where "= $1" keeps its generic
// plan — a unique index lookup whatever the id. Measured through pgx on
// the million-row database: a user by id 82 µs a round trip against
// 109–123. Lists (a user's posts, a tag's) keep the id list: their
// generic plan for "= $1" may walk the table in the order asked (a tag's
// posts by id, reading 1,707 posts to find 100 of 10,000), where planning
// each run for the parent's rows is worth its cost.
func WhereIDs(d, col string, one bool) *sql.Predicate {
	if one {
		return sql.P(func(b *sql.Builder) { b.Ident(col).WriteString(" = ").Arg(IDArg{}) })
	}
	return InIDs(d, col)
}

// inList is the predicate "col is one of a list" with one argument for the
// list: PostgreSQL compares with ANY of an array (pgArg), SQLite reads a JSON
// array (sqliteArg) with json_each. SQLite cannot tell how many values the
// array holds, and guessing many, it joined a tag's posts by walking all
// posts; likelihood() tells it the list selects few rows, so it reads the
// join table through its index on col.
func inList(d, col string, pgArg, sqliteArg any) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		if d == dialect.Postgres {
			b.Ident(col).WriteString(" = ANY(").Arg(pgArg).WriteString(")")
			return
		}
		b.WriteString("likelihood(").Ident(col).WriteString(" IN (SELECT value FROM json_each(").Arg(sqliteArg).WriteString(")), 0.001)")
	})
}

// Stmt is a statement built once with ent's SQL builder, run many times.
type Stmt struct {
	dialect string
	query   string
	args    []any
}

// Build builds s, a selector of dialect d, into a Stmt. The generated code
// builds its statements when the routes are set up; one that does not build
// is a bug of the generator, and Build panics.
func Build(d string, s *sql.Selector) Stmt {
	if err := s.Err(); err != nil {
		panic("restkit: building a loader statement: " + err.Error())
	}
	query, args := s.Query()
	return Stmt{dialect: d, query: query, args: args}
}

// Stmts are the two statements loading one edge: for a single parent (a
// plain LIMIT caps its list) and for more (a per-parent cap).
type Stmts struct {
	One, Many Stmt
}

// For returns the statement for n parents.
func (s Stmts) For(n int) Stmt {
	if n == 1 {
		return s.One
	}
	return s.Many
}

// Query returns the text of st and its arguments for ids.
func Query[T ID](st Stmt, ids []T) (string, []any) {
	args := slices.Clone(st.args)
	for i, a := range args {
		switch a.(type) {
		case IDsArg:
			args[i] = idsValue(st.dialect, ids)
		case IDArg:
			args[i] = ids[0]
		}
	}
	return st.query, args
}

// queryOf returns the text and arguments of q, or the error building it.
func queryOf(q sql.Querier) (string, []any, error) {
	if b, ok := q.(interface{ QueryErr() (string, []any, error) }); ok {
		return b.QueryErr()
	}
	query, args := q.Query()
	if b, ok := q.(interface{ Err() error }); ok && b.Err() != nil {
		return "", nil, b.Err()
	}
	return query, args, nil
}

// InKeys is the predicate "col is one of keys", with one argument for all
// of them (see inList).
func InKeys(d, col string, keys []string) *sql.Predicate {
	return inList(d, col, pq.StringArray(keys), jsonStrings(keys))
}

// InsertKeys is the statement inserting into table a row per key, keyCol
// holding the key and cols the values vals (the same for every row), and
// skipping keys that exist: one statement with one argument for the keys.
func InsertKeys(d, table, keyCol string, keys []string, cols []string, vals []any) sql.Querier {
	q := &sql.Builder{}
	q.SetDialect(d)
	q.WriteString("INSERT INTO ").Ident(table).WriteString(" (").IdentComma(append(cols[:len(cols):len(cols)], keyCol)...).WriteString(") SELECT ")
	for _, v := range vals {
		q.Arg(v).WriteString(", ")
	}
	if d == dialect.Postgres {
		q.WriteString("unnest(").Arg(pq.StringArray(keys)).WriteString("::text[])")
	} else {
		// WHERE true: SQLite reads ON CONFLICT after a bare SELECT as a join.
		q.WriteString("value FROM json_each(").Arg(jsonStrings(keys)).WriteString(") WHERE true")
	}
	q.WriteString(" ON CONFLICT (").Ident(keyCol).WriteString(") DO NOTHING")
	return q
}

// jsonStrings is keys as a JSON array.
func jsonStrings(keys []string) string {
	b, _ := json.Marshal(keys)
	return string(b)
}

// InsertPairs is the statement inserting into the join table the rows
// (pairs[i][0], pairs[i][1]) of its two columns (ids: each column of one
// type), with one argument for each column whatever the number of rows:
// arrays on PostgreSQL, a JSON array of pairs on SQLite.
func InsertPairs(d, table string, cols []string, pairs [][2]any) sql.Querier {
	q := &sql.Builder{}
	q.SetDialect(d)
	q.WriteString("INSERT INTO ").Ident(table).WriteString(" (").IdentComma(cols...).WriteString(") SELECT ")
	if d == dialect.Postgres {
		a, castA := pgArrayOf(pairs, 0)
		b, castB := pgArrayOf(pairs, 1)
		q.WriteString("unnest(").Arg(a).WriteString("::" + castA + "), unnest(").Arg(b).WriteString("::" + castB + ")")
		return q
	}
	buf, _ := json.Marshal(pairs) // [[1,2],[3,4]]
	q.WriteString("value ->> 0, value ->> 1 FROM json_each(").Arg(string(buf)).WriteString(")")
	return q
}

// InsertRows is the statement inserting rows into table, returning the
// column returning of each, in the order of rows. The columns shared hold
// the same values (vals) in every row and take one argument each, not one
// per row; cols hold each row's own values.
func InsertRows(d, table string, shared []string, vals []any, cols []string, rows [][]any, returning string) sql.Querier {
	q := &sql.Builder{}
	q.SetDialect(d)
	q.WriteString("INSERT INTO ").Ident(table).WriteString(" (").IdentComma(append(shared[:len(shared):len(shared)], cols...)...).WriteString(") VALUES ")
	args := make([]any, 0, len(vals)+len(cols)*len(rows))
	args = append(args, vals...)
	mark := "?"
	if d == dialect.Postgres {
		mark = "$"
	}
	var text []byte
	for i, row := range rows {
		if i > 0 {
			text = append(text, ", "...)
		}
		text = append(text, '(')
		for j := range len(shared) + len(row) {
			if j > 0 {
				text = append(text, ", "...)
			}
			n := j + 1 // a shared value's argument
			if j >= len(shared) {
				args = append(args, row[j-len(shared)])
				n = len(args)
			}
			text = append(text, mark...)
			text = strconv.AppendInt(text, int64(n), 10)
		}
		text = append(text, ')')
	}
	q.WriteString(string(text)).WriteString(" RETURNING ").Ident(returning)
	return numbered{query: q.String(), args: args}
}

// numbered is a statement whose arguments are numbered in its text.
type numbered struct {
	query string
	args  []any
}

func (n numbered) Query() (string, []any) { return n.query, n.args }

// LockRows locks the rows of table whose id is in ids until the
// transaction drv belongs to ends (SELECT … FOR UPDATE, in id order, so two
// transactions locking overlapping sets cannot deadlock on them). Checks of
// a bound over those rows' links (a post has at most 100 tags) then see
// every concurrent change that committed before. On SQLite it does nothing:
// its transactions hold the database's write lock from BEGIN.
func LockRows[T ID](ctx context.Context, drv dialect.Driver, table string, ids []T) error {
	if drv.Dialect() != dialect.Postgres || len(ids) == 0 {
		return nil
	}
	ids = slices.SortedFunc(slices.Values(ids), CompareIDs)
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = id
	}
	t := sql.Table(table)
	q := sql.Dialect(dialect.Postgres).Select(t.C("id")).From(t).Where(sql.In(t.C("id"), vs...)).OrderBy(t.C("id")).ForUpdate()
	query, args := q.Query()
	return eachRow(ctx, drv, query, args, func(*sql.Rows) error { return nil })
}

// QueueFindOrInsert queues on b, for dialect d, the find-or-create of rows
// by key: ins, the insert skipping existing keys (InsertKeys; nil when the
// rows were inserted already, through ent's builders so that hooks run),
// then sel, the select of the keys' rows, which it locks against deletion
// until the transaction ends (KeyShare); row is called for each row sel
// reads. On PostgreSQL the two are one statement, saving a round trip of
// the transaction:
//
//	WITH ins AS (INSERT … RETURNING cols), old AS (SELECT cols … FOR KEY SHARE)
//	SELECT * FROM ins UNION ALL SELECT * FROM old
//
// Both parts see the snapshot the statement started with, so old holds the
// rows that existed and ins those it inserted: no row twice. A key whose row
// a concurrent transaction inserted (ins skips it, waiting for its commit) or
// deleted is missing from the rows read, as with two statements; callers
// upsert missing keys again (MaxUpsertAttempts).
func QueueFindOrInsert(b *Batch, d string, ins sql.Querier, sel *sql.Selector, row func(Row) error) {
	sel = KeyShare(sel)
	switch {
	case ins == nil:
	case d == dialect.Postgres:
		q := &sql.Builder{}
		q.SetDialect(dialect.Postgres)
		q.WriteString("WITH ").Ident("ins").WriteString(" AS (").Join(ins).WriteString(" RETURNING ")
		for i, c := range sel.SelectedColumns() {
			if i > 0 {
				q.Comma()
			}
			q.Ident(c)
		}
		q.WriteString("), ").Ident("old").WriteString(" AS (").Join(sel).
			WriteString(") SELECT * FROM ").Ident("ins").WriteString(" UNION ALL SELECT * FROM ").Ident("old")
		b.Queue(q, row)
		return
	default:
		b.Queue(ins, nil)
	}
	b.Queue(sel, row)
}

// MaxUpsertAttempts bounds how often a find-or-create of rows by key upserts
// keys whose rows a concurrent request deleted before they could be read.
const MaxUpsertAttempts = 3

// LockRow is a predicate that locks the rows s reads against any change
// until the transaction ends, on PostgreSQL (FOR UPDATE); on SQLite, whose
// transactions hold the write lock from BEGIN, it leaves s as it is. A
// conditional write (If-Match) reads the row with it, so the row compared is
// the row written.
func LockRow(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// KeyShare makes s lock the rows it reads against deletion (and key
// changes) until the transaction ends, on PostgreSQL (FOR KEY SHARE); on
// SQLite, whose transactions hold the write lock from BEGIN, it leaves s as
// it is.
func KeyShare(s *sql.Selector) *sql.Selector {
	if s.Dialect() == dialect.Postgres {
		s.For(sql.LockKeyShare)
	}
	return s
}
