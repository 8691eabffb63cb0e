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
	// estimate (SQLite) the count is exact.
	CountEstimated CountMode = "estimated"
	// CountPlanned takes PostgreSQL's planner estimate of the matching rows
	// (EXPLAIN, no scan): cheap at any size, approximate. Where there is no
	// estimate (SQLite) the count is exact.
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

// TotalColumn is the name under which a page's statement selects the
// list's total (see Total).
const TotalColumn = "restkit_total"

// Total computes the total of a list page as its List asks (exact,
// estimated, planned or none), counting the rows of the list's query as
// its entity's ent client builds it — the predicates of its interceptors
// (a tenant's rows, say) included —, for lists of an entity and of an edge
// (a user's posts) alike. Where it can, the page's own statement counts —
// a scalar subquery the database runs once, selected on every row as
// TotalColumn — so a page costs one statement, not a count and then a
// select; the planner's estimate (EXPLAIN) and an empty page past the
// first (which has no row to carry the count) take a statement of their
// own.
type Total struct {
	l      *List
	drv    dialect.Driver
	inline int // the page selects the count: 0 no, -1 exactly, n up to n rows
	// base returns a new statement selecting the ids of the list's rows,
	// without the page's order and limit.
	base func() (*sql.Selector, error)
}

// NewTotal returns the total of the page l selects on drv from the rows of
// the statements base returns (a new one at each call, selecting their
// ids, without the page's order and limit).
func NewTotal(drv dialect.Driver, l *List, base func() (*sql.Selector, error)) *Total {
	t := &Total{l: l, drv: drv, base: base}
	switch pg := drv.Dialect() == dialect.Postgres; {
	case l.Count == CountEstimated && pg:
		t.inline = EstimateAbove + 1
	case l.Count == CountExact, !pg && l.Count != CountNone:
		t.inline = -1
	}
	return t
}

// countOf is the statement counting the rows t counts, up to limit (none
// if 0): it reads at most limit rows however many match.
func (t *Total) countOf(limit int) (*sql.Selector, error) {
	rows, err := t.base()
	if err != nil {
		return nil, err
	}
	if limit > 0 {
		rows.Limit(limit)
	}
	return sql.Dialect(t.drv.Dialect()).Select(sql.Count("*")).From(rows.As("capped")), nil
}

// Select adds the count to the page's statement s when it carries it.
func (t *Total) Select(s *sql.Selector) error {
	if t.inline == 0 {
		return nil
	}
	count, err := t.countOf(max(t.inline, 0))
	if err != nil {
		return err
	}
	s.AppendSelectExprAs(count, TotalColumn)
	return nil
}

// Result returns the total and how it was computed, once the page is read:
// carried is the total its first row carried (nil when the page is
// empty).
func (t *Total) Result(ctx context.Context, carried *int64) (int, CountMode, error) {
	l := t.l
	switch first := l.Offset == 0 && l.after == nil; {
	case l.Count == CountNone:
		return 0, CountNone, nil
	case t.inline != 0 && (carried != nil || first):
		n := 0
		if carried != nil {
			n = int(*carried)
		}
		return t.beyond(ctx, n)
	case l.Count == CountPlanned:
		if n, ok, err := t.planned(ctx); err != nil || ok {
			return n, CountPlanned, err
		}
	}
	n, err := t.count(ctx, max(t.inline, 0))
	if err != nil {
		return 0, "", err
	}
	if t.inline > 0 {
		return t.beyond(ctx, n)
	}
	return n, CountExact, nil
}

// count counts the rows t counts, up to limit (none if 0), in a statement
// of its own.
func (t *Total) count(ctx context.Context, limit int) (n int, err error) {
	count, err := t.countOf(limit)
	if err != nil {
		return 0, err
	}
	query, args := count.Query()
	err = eachRow(ctx, t.drv, query, args, func(rows *sql.Rows) error {
		return rows.Scan(&n)
	})
	return n, err
}

// beyond returns n, an exact count, unless it was capped and the cap was
// reached: then the planner's estimate (at least n).
func (t *Total) beyond(ctx context.Context, n int) (int, CountMode, error) {
	if t.inline < 0 || n <= EstimateAbove {
		return n, CountExact, nil
	}
	planned, _, err := t.planned(ctx)
	return max(planned, n), CountPlanned, err
}

// planned returns PostgreSQL's estimate of the rows t counts: the
// planner's row count for their select, read with EXPLAIN, which runs
// nothing. ok is false on other databases.
func (t *Total) planned(ctx context.Context) (n int, ok bool, err error) {
	if t.drv.Dialect() != dialect.Postgres {
		return 0, false, nil
	}
	rows, err := t.base()
	if err != nil {
		return 0, false, err
	}
	query, args := rows.Query()
	var plan []byte
	err = eachRow(ctx, t.drv, "EXPLAIN (FORMAT JSON) "+query, args, func(rows *sql.Rows) error {
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
