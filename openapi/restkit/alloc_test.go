package restkit

import (
	"slices"
	"testing"
)

// TestValuesKeepEveryValue: each value New returns stays where it was put,
// whatever is allocated after it, and no two share an address.
func TestValuesKeepEveryValue(t *testing.T) {
	for _, vs := range []*Values[int]{NewValues[int](3), NewListValues[int](1), new(Values[int])} {
		var ptrs []*int
		for i := range 1000 {
			ptrs = append(ptrs, vs.New(i))
		}
		seen := make(map[*int]bool)
		for i, p := range ptrs {
			if *p != i || seen[p] {
				t.Fatalf("value %d reads %d (shared address: %v)", i, *p, seen[p])
			}
			seen[p] = true
		}
	}
}

type owner struct{ list []*int }

// TestListsWindowEachOwner: owners whose rows are consecutive get their
// rows in order; one whose rows come back later gets those appended; and
// appending to one owner's list leaves the next owner's alone.
func TestListsWindowEachOwner(t *testing.T) {
	a, b, c := &owner{list: []*int{}}, &owner{list: []*int{}}, &owner{list: []*int{}}
	l := NewLists[owner, int](func(o *owner) *[]*int { return &o.list })
	vals := make([]int, 7)
	for i := range vals {
		vals[i] = i
	}
	for i, o := range []*owner{a, a, b, b, b, a, c} {
		l.Add(o, &vals[i])
	}
	all := l.Done()
	read := func(ps []*int) []int {
		var out []int
		for _, p := range ps {
			out = append(out, *p)
		}
		return out
	}
	for _, tc := range []struct {
		o    *owner
		want []int
	}{{a, []int{0, 1, 5}}, {b, []int{2, 3, 4}}, {c, []int{6}}} {
		if got := read(tc.o.list); !slices.Equal(got, tc.want) {
			t.Errorf("list %v, want %v", got, tc.want)
		}
	}
	if got := read(all); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("Done returned %v, want every value in order", got)
	}
	extra := 99
	b.list = append(b.list, &extra)
	if got := read(c.list); !slices.Equal(got, []int{6}) {
		t.Errorf("appending to one list changed the next: %v", got)
	}
}
