package restkit

import (
	"context"
	"slices"

	"entgo.io/ent/dialect/sql"
)

// Page reads the rows of a list page straight into the API type T, as the
// include loaders do, instead of through ent's entities and a conversion:
// the page's statement selects the entity's columns, which the generated
// code scans into a T, followed by the counts the response or the cursor
// needs (List.Counts and the counted sort keys) and the total when the
// statement carries it (see Total). Page scans the latter and keeps them.
// A page holds at most MaxPageSize+1 rows.
type Page[T any] struct {
	l      *List
	tot    *Total
	counts []string // the counted fields the statement selects, in order
	scan   []int64  // their scan targets, reused from row to row
	total  int64    // the total's scan target
	rows   []*T
	values *Values[T]
	// rowCounts[i] holds the counts of rows[i], when the page selects some.
	rowCounts [][]int64
}

// NewPage returns the page l selects, whose total tot computes.
func NewPage[T any](l *List, tot *Total) *Page[T] {
	p := &Page[T]{l: l, tot: tot, values: NewValues[T](l.Limit + 1)}
	p.counts = slices.Clone(l.Counts)
	for _, k := range l.sort {
		if k.field.counts() && !slices.Contains(p.counts, k.name) {
			p.counts = append(p.counts, k.name)
		}
	}
	p.scan = make([]int64, len(p.counts))
	p.rows = make([]*T, 0, l.Limit+1)
	return p
}

// Select adds to s, after the entity's columns, the counts and the total
// the page reads.
func (p *Page[T]) Select(s *sql.Selector) error {
	for _, name := range p.counts {
		s.AppendSelectExprAs(p.l.entity.Fields[name].expr(s), name)
	}
	return p.tot.Select(s)
}

// Targets appends to targets (those of the entity's columns) the scan
// targets of what Select added.
func (p *Page[T]) Targets(targets []any) []any {
	for i := range p.scan {
		targets = append(targets, &p.scan[i])
	}
	if p.tot.inline != 0 {
		targets = append(targets, &p.total)
	}
	return targets
}

// Add keeps a copy of row, just scanned, with the counts scanned with it.
func (p *Page[T]) Add(row T) *T {
	v := p.values.New(row)
	p.rows = append(p.rows, v)
	if len(p.scan) > 0 {
		p.rowCounts = append(p.rowCounts, slices.Clone(p.scan))
	}
	return v
}

// Counts calls set with each count of the response (List.Counts) of each
// row.
func (p *Page[T]) Counts(set func(row *T, name string, n int)) {
	for i, row := range p.rows {
		for j, name := range p.counts {
			if slices.Contains(p.l.Counts, name) {
				set(row, name, int(p.rowCounts[i][j]))
			}
		}
	}
}

// Total returns the total and how it was computed (see Total.Result).
func (p *Page[T]) Total(ctx context.Context) (int, CountMode, error) {
	var carried *int64
	if len(p.rows) > 0 {
		carried = &p.total
	}
	return p.tot.Result(ctx, carried)
}

// PaginatePage trims the rows of p to the page and returns them with the
// cursor of the next page (see Paginate): field reads a column of a row by
// its field's name, id its id.
func PaginatePage[T any, I ID](p *Page[T], field func(*T, string) any, id func(*T) I) ([]*T, string, error) {
	value := func(row *T, name string) (any, error) {
		if j := slices.Index(p.counts, name); j >= 0 {
			return p.rowCounts[slices.Index(p.rows, row)][j], nil
		}
		return field(row, name), nil
	}
	return Paginate(p.l, p.rows, value, id)
}
