package restkit

// Values hands out the values an include loader reads, allocated a block
// at a time instead of one by one: a loader reads up to thousands of rows
// (the include budget), and an allocation per row was the largest share of
// a request's allocations and of the garbage collector's work.
//
// A block is never grown in place, so a returned pointer stays valid and
// unshared; the blocks double from the first (see NewValues and
// NewListValues) up to maxBlock values, so a block left part-used wastes at
// most about what was read. The zero Values starts with minBlock.
type Values[T any] struct {
	block []T
	next  int // the size of the next block
}

const (
	minBlock = 8
	maxBlock = 256
)

// NewValues returns a Values for a loader that expects n rows (one per
// id it asks for): its first block holds n values (at least one).
func NewValues[T any](n int) *Values[T] {
	return &Values[T]{next: min(max(n, 1), maxBlock)}
}

// NewListValues returns a Values for the lists of owners owners, whose
// lengths a loader does not know: its first block holds one value per
// owner, and at least minBlock.
func NewListValues[T any](owners int) *Values[T] {
	return &Values[T]{next: min(max(owners, minBlock), maxBlock)}
}

// New returns the address of a copy of v.
func (a *Values[T]) New(v T) *T {
	if len(a.block) == cap(a.block) {
		n := a.next
		if n == 0 {
			n = minBlock
		}
		a.block = make([]T, 0, n)
		a.next = min(2*n, maxBlock)
	}
	a.block = append(a.block, v)
	return &a.block[len(a.block)-1]
}

// Lists gathers the lists of a to-many edge as a loader reads its rows,
// which arrive grouped by owner (the statement orders them so): every
// owner's list is a window of one array, instead of a slice grown row by
// row for each owner.
type Lists[O, T any] struct {
	all   []*T
	owner *O
	start int
	list  func(owner *O) *[]*T
}

// NewLists returns the Lists that sets the list of each owner, which list
// returns the address of, once its rows are read (after Done for the
// last).
func NewLists[O, T any](list func(owner *O) *[]*T) *Lists[O, T] {
	return &Lists[O, T]{list: list}
}

// Add appends v to the list of owner. The rows of one owner are meant to
// be consecutive; an owner met again after another has the later rows
// appended to its list (a copy).
func (l *Lists[O, T]) Add(owner *O, v *T) {
	if owner != l.owner {
		l.flush()
		l.owner, l.start = owner, len(l.all)
	}
	l.all = append(l.all, v)
}

// Done sets the last owner's list, and returns every value added, in
// order.
func (l *Lists[O, T]) Done() []*T {
	l.flush()
	l.owner = nil
	return l.all
}

// flush sets the current owner's list: a window of all capped at its end,
// so that appending to one owner's list cannot overwrite the next's.
func (l *Lists[O, T]) flush() {
	if l.owner == nil {
		return
	}
	end := len(l.all)
	if p := l.list(l.owner); len(*p) == 0 {
		*p = l.all[l.start:end:end]
	} else {
		*p = append(*p, l.all[l.start:end]...)
	}
}
