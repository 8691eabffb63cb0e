package database

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entblog/blog/ent/migrate"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	entschema "entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"
)

// CopyBatch is the number of rows Copy reads and inserts at a time.
const CopyBatch = 1000

// Copy copies every row of the schema's tables from src (a migrated
// database, SQLite as a rule) into dst, a migrated, empty PostgreSQL
// database — ids kept, identity sequences moved past them, row counts
// verified — in one transaction on dst: a copy that fails leaves dst empty.
// Tables go parents first, in batches of CopyBatch rows read by primary key;
// the stored counts' triggers are off in that transaction (the counts are
// copied as they are). progress, if not nil, is called with the rows copied
// so far and the total.
func Copy(ctx context.Context, src, dst *DB, progress func(done, total int)) error {
	if dst.Dialect != dialect.Postgres {
		return errors.New("copy: the target must be PostgreSQL")
	}
	for _, db := range []*DB{src, dst} {
		dir, err := db.Migrations()
		if err != nil {
			return err
		}
		st, err := db.MigrationStatus(ctx, dir)
		if err != nil {
			return err
		}
		if len(st.Pending) > 0 {
			return fmt.Errorf("copy: %s has %d pending migration(s): migrate it first (blog migrate apply)", Redact(db.url), len(st.Pending))
		}
	}
	tables := byDependency(migrate.Tables)
	counts := make(map[string]int, len(tables))
	total := 0
	for _, t := range tables {
		var err error
		if counts[t.Name], err = countRows(ctx, src.SQL, t.Name); err != nil {
			return fmt.Errorf("copy: counting %s: %w", t.Name, err)
		}
		total += counts[t.Name]
		n, err := countRows(ctx, dst.SQL, t.Name)
		if err != nil {
			return fmt.Errorf("copy: counting %s in the target: %w", t.Name, err)
		}
		if n > 0 {
			return fmt.Errorf("copy: the target is not empty (%s has %d rows): copy into a new, migrated database", t.Name, n)
		}
	}
	tx, err := dst.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after a commit, a no-op
	done := 0
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quote(t.Name)+" DISABLE TRIGGER USER"); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		n, err := copyTable(ctx, src, t, func(query string, args []any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		}, func(rows int) {
			done += rows
			if progress != nil {
				progress(done, total)
			}
		})
		if err != nil {
			return fmt.Errorf("copy: %s: %w", t.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quote(t.Name)+" ENABLE TRIGGER USER"); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		got, err := countRows(ctx, tx, t.Name)
		if err != nil {
			return err
		}
		if got != counts[t.Name] || n != got {
			return fmt.Errorf("copy: %s: %d rows read, %d in the target, %d in the source", t.Name, n, got, counts[t.Name])
		}
		if len(t.PrimaryKey) == 1 && t.PrimaryKey[0].Increment {
			id := quote(t.PrimaryKey[0].Name)
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(%s), 1), MAX(%s) IS NOT NULL) FROM %s",
				t.Name, t.PrimaryKey[0].Name, id, id, quote(t.Name))
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("copy: moving the sequence of %s: %w", t.Name, err)
			}
		}
	}
	return tx.Commit()
}

// countRows counts the rows of table through q.
func countRows(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *stdsql.Row
}, table string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quote(table)).Scan(&n)
	return n, err
}

// copyTable reads the rows of t from src in primary key order, CopyBatch at
// a time, and runs exec with an INSERT of each batch; step gets the rows of
// each. It returns the rows read.
func copyTable(ctx context.Context, src *DB, t *entschema.Table, exec func(string, []any) error, step func(int)) (int, error) {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Name
	}
	keys := make([]string, len(t.PrimaryKey))
	for i, c := range t.PrimaryKey {
		keys[i] = c.Name
	}
	batch := min(CopyBatch, 30_000/len(cols)) // PostgreSQL takes at most 65,535 parameters
	read := 0
	var after []any
	for {
		b := entsql.Dialect(src.Dialect)
		s := b.Select(cols...).From(b.Table(t.Name)).OrderBy(keys...).Limit(batch)
		if after != nil {
			s.Where(entsql.CompositeGT(keys, after...))
		}
		query, args := s.Query()
		rows, err := src.SQL.QueryContext(ctx, query, args...)
		if err != nil {
			return read, err
		}
		var values [][]any
		for rows.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				_ = rows.Close()
				return read, err
			}
			for i, c := range t.Columns {
				if row[i], err = pgValue(c, row[i]); err != nil {
					_ = rows.Close()
					return read, fmt.Errorf("column %s: %w", c.Name, err)
				}
			}
			values = append(values, row)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return read, err
		}
		if len(values) == 0 {
			return read, nil
		}
		ins := entsql.Dialect(dialect.Postgres).Insert(t.Name).Columns(cols...)
		for _, v := range values {
			ins.Values(v...)
		}
		query, args = ins.Query()
		if err := exec(query, args); err != nil {
			return read, err
		}
		read += len(values)
		step(len(values))
		last := values[len(values)-1]
		after = make([]any, len(keys))
		for i, k := range t.PrimaryKey {
			after[i] = last[columnIndex(t, k.Name)]
		}
		if len(values) < batch {
			return read, nil
		}
	}
}

// columnIndex is the position of the column name in t.
func columnIndex(t *entschema.Table, name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// pgValue turns a value read from the source into what PostgreSQL takes
// for column c: SQLite hands back booleans as integers, and times, JSON and
// UUIDs as text or bytes.
func pgValue(c *entschema.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type {
	case field.TypeBool:
		switch b := v.(type) {
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
	case field.TypeTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			return parseTime(x)
		case []byte:
			return parseTime(string(x))
		}
	case field.TypeJSON, field.TypeUUID, field.TypeString, field.TypeEnum:
		if b, ok := v.([]byte); ok {
			return string(b), nil
		}
	}
	return v, nil
}

// parseTime reads a time as SQLite holds it.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time", s)
}
