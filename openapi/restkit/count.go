package restkit

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// CountMode says how a list computes its total: the client chooses with
// the Prefer header, as PostgREST clients do (Prefer: count=planned).
type CountMode string

const (
	// CountExact counts the matching rows (COUNT(*)).
	CountExact CountMode = "exact"
	// CountEstimated counts exactly up to EstimateAbove matching rows and
	// takes the planner's estimate beyond (as PostgREST's count=estimated
	// does): exact for the small results a client pages through to the
	// end, cheap for the large ones. The default. Where there is no
	// estimate (SQLite, lists of an edge) the count is exact.
	CountEstimated CountMode = "estimated"
	// CountPlanned takes PostgreSQL's planner estimate of the matching rows
	// (EXPLAIN, no scan): cheap at any size, approximate. Where there is no
	// estimate (SQLite, lists of an edge) the count is exact.
	CountPlanned CountMode = "planned"
	// CountNone leaves the total out.
	CountNone CountMode = "none"
)

// StoredCount describes a count the database keeps (declared in the ent
// schema with annotation.CountOf): Column of Table holds, for each row, the
// number of rows of Rows whose column Key holds the row's id (a user's
// posts_count: the posts whose author_id is the user's id; a tag's: the
// post_tags rows whose tag_id is the tag's). Migrations create the triggers
// that keep it.
type StoredCount struct {
	Table, Column string
	Rows, Key     string
}

// EstimateAbove is the number of matching rows above which an estimated
// count takes the planner's estimate: counting up to it reads at most this
// many index entries, well under a millisecond.
const EstimateAbove = 1000

// ParseCountPreference reads the count preference of the Prefer headers of
// h (RFC 7240: comma-separated preferences, others ignored; the last count
// wins). asked reports whether the client stated one; a count that is none
// of the modes is a 400 naming the header and the choices.
func ParseCountPreference(h http.Header) (mode CountMode, asked bool, err error) {
	mode = CountEstimated
	for _, v := range h.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "count") {
				continue
			}
			switch m := CountMode(strings.Trim(strings.TrimSpace(value), `"`)); m {
			case CountExact, CountEstimated, CountPlanned, CountNone:
				mode, asked = m, true
			default:
				return "", false, NewError(http.StatusBadRequest, "invalid request", FieldError{
					In: "header", Field: "Prefer",
					Message: fmt.Sprintf("count=%.40q: expected count=exact, count=estimated, count=planned or count=none", value),
				})
			}
		}
	}
	return mode, asked, nil
}

// CappedCount counts the rows of table that the filters of l select, up to
// limit: it reads at most limit rows however many match.
func CappedCount(ctx context.Context, drv dialect.Driver, table string, l *List, limit int) (n int, err error) {
	b := sql.Dialect(drv.Dialect())
	s := b.Select().AppendSelectExpr(sql.Expr("1")).From(b.Table(table))
	l.Filter(s)
	s.Limit(limit)
	query, args := b.Select(sql.Count("*")).From(s.As("capped")).Query()
	err = eachRow(ctx, drv, query, args, func(rows *sql.Rows) error {
		return rows.Scan(&n)
	})
	return n, err
}

// PlannedCount returns PostgreSQL's estimate of the rows of table that the
// filters of l select: the planner's row count for the filtered select,
// read with EXPLAIN, which runs nothing. ok is false on other databases.
func PlannedCount(ctx context.Context, drv dialect.Driver, table string, l *List) (n int, ok bool, err error) {
	if drv.Dialect() != dialect.Postgres {
		return 0, false, nil
	}
	b := sql.Dialect(dialect.Postgres)
	s := b.Select("*").From(b.Table(table))
	l.Filter(s)
	query, args := s.Query()
	var plan []byte
	err = eachRow(ctx, drv, "EXPLAIN (FORMAT JSON) "+query, args, func(rows *sql.Rows) error {
		return rows.Scan(&plan)
	})
	if err != nil {
		return 0, false, err
	}
	var explained []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &explained); err != nil || len(explained) == 0 {
		return 0, false, fmt.Errorf("reading the plan of the count: %v", err)
	}
	return int(math.Round(explained[0].Plan.Rows)), true, nil
}
