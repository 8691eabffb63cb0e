package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/ent/dialect"
)

// LSN is a position in PostgreSQL's write-ahead log, written as pg_lsn
// writes it: two hexadecimal numbers of up to 8 digits, "16/B374D848".
type LSN uint64

// ParseLSN reads a WAL position as pg_lsn writes it.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || len(hi) == 0 || len(hi) > 8 || len(lo) == 0 || len(lo) > 8 {
		return 0, fmt.Errorf("%q is not a WAL position: expected two hexadecimal numbers of up to 8 digits, such as 0/16B3748", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%q is not a WAL position: expected two hexadecimal numbers of up to 8 digits, such as 0/16B3748", s)
	}
	return LSN(h<<32 | l), nil
}

// String writes the position as pg_lsn does.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint32(l>>32), uint32(l)) }

// ReplicaOptions tune how reads are spread over standbys.
type ReplicaOptions struct {
	// MaxLag is how far behind the primary a standby may be and still serve
	// reads (default 5 s).
	MaxLag time.Duration
	// Wait is how long a read that must see a write (Route's after) waits
	// for a standby to replay it before it goes to the primary (default
	// 100 ms).
	Wait time.Duration
	// Interval is how often the standbys' replay positions and the
	// primary's position are read (default 200 ms).
	Interval time.Duration
}

func (o *ReplicaOptions) defaults() {
	if o.MaxLag <= 0 {
		o.MaxLag = 5 * time.Second
	}
	if o.Wait <= 0 {
		o.Wait = 100 * time.Millisecond
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
}

// Replicas sends reads to PostgreSQL streaming standbys of a primary and
// everything else to the primary. A monitor reads, every Interval, the
// primary's WAL position and each standby's replay position: a standby
// that does not answer, is not in recovery, or has not replayed what the
// primary had MaxLag ago serves no reads until it has. With no standby left,
// reads go to the primary.
//
// Reads opt in per request (Route); Driver is the ent driver that follows
// the routing, so one ent client serves both.
type Replicas struct {
	primary  *DB
	standbys []*standby
	opts     ReplicaOptions
	next     atomic.Uint32 // round robin over usable standbys
	cancel   context.CancelFunc
	done     chan struct{}

	// samples are the primary's recent positions, oldest first; only
	// check touches them (the first time before the monitor starts, then
	// from the monitor goroutine alone).
	samples []sample
}

// sample is the primary's WAL position at a time.
type sample struct {
	at  time.Time
	lsn LSN
}

// standby is one streaming standby and what the monitor last saw of it.
type standby struct {
	url    string // redacted
	conn   *Conn
	status atomic.Pointer[standbyState]
}

type standbyState struct {
	usable   bool
	state    string // ok, lagging, down, not a standby, starting
	replayed LSN
	lag      time.Duration
}

// StandbyStatus is what /readyz reports of a standby.
type StandbyStatus struct {
	URL string `json:"url"`
	// State is "ok" (serving reads), "lagging" (behind by more than the
	// lag bound), "down" (not answering), "not a standby" (not in
	// recovery) or "starting" (not checked yet).
	State    string `json:"state"`
	Replayed string `json:"replayed,omitempty"`
	LagMS    int64  `json:"lag_ms"`
}

// OpenReplicas opens a pool on each standby URL (with opts, as Open) for
// reads routed from primary, a PostgreSQL database, and starts monitoring
// them. A standby that is down at start is not an error: it serves reads
// once it answers. Close stops the monitor and closes the pools.
func OpenReplicas(ctx context.Context, primary *DB, urls []string, ro ReplicaOptions, opts ...Option) (*Replicas, error) {
	if primary.Dialect != dialect.Postgres {
		return nil, fmt.Errorf("read replicas need a PostgreSQL primary, not %s", primary.Dialect)
	}
	ro.defaults()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	r := &Replicas{primary: primary, opts: ro, done: make(chan struct{})}
	for _, u := range urls {
		if dia, err := DialectOf(u); err != nil || dia != dialect.Postgres {
			_ = r.closePools() // the error opening is the one to report
			return nil, fmt.Errorf("replica %s: expected a postgres:// URL of a streaming standby", Redact(u))
		}
		c, err := connect(ctx, u, o, false)
		if err != nil {
			_ = r.closePools() // the error opening is the one to report
			return nil, fmt.Errorf("replica %s: %w", Redact(u), err)
		}
		s := &standby{url: Redact(u), conn: c}
		s.status.Store(&standbyState{state: "starting"})
		r.standbys = append(r.standbys, s)
	}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	r.check(mctx)
	go r.monitor(mctx)
	return r, nil
}

// Close stops the monitor and closes the standbys' pools.
func (r *Replicas) Close() error {
	r.cancel()
	<-r.done
	return r.closePools()
}

func (r *Replicas) closePools() error {
	var errs []error
	for _, s := range r.standbys {
		errs = append(errs, s.conn.SQL.Close())
	}
	return errors.Join(errs...)
}

// Status reports each standby as the monitor last saw it.
func (r *Replicas) Status() []StandbyStatus {
	out := make([]StandbyStatus, len(r.standbys))
	for i, s := range r.standbys {
		st := s.status.Load()
		out[i] = StandbyStatus{URL: s.url, State: st.state, LagMS: st.lag.Milliseconds()}
		if st.replayed != 0 {
			out[i].Replayed = st.replayed.String()
		}
	}
	return out
}

// MaxLag is the lag bound: a position written this long ago has been
// replayed by every standby that serves reads.
func (r *Replicas) MaxLag() time.Duration { return r.opts.MaxLag }

// Position is the primary's current WAL position: once a write has
// committed, a standby that has replayed this position shows it.
func (r *Replicas) Position(ctx context.Context) (LSN, error) {
	return queryLSN(ctx, r.primary.SQL, "SELECT pg_current_wal_lsn()::text")
}

func queryLSN(ctx context.Context, db *sql.DB, query string) (LSN, error) {
	var s sql.NullString
	if err := db.QueryRowContext(ctx, query).Scan(&s); err != nil {
		return 0, err
	}
	if !s.Valid {
		return 0, errNotStandby
	}
	return ParseLSN(s.String)
}

var errNotStandby = errors.New("not in recovery: not a streaming standby")

func (r *Replicas) monitor(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.check(ctx)
		}
	}
}

// check reads the primary's position, then each standby's replay
// position, and judges each standby: it is behind by the age of the newest
// primary position it has not replayed past.
func (r *Replicas) check(ctx context.Context) {
	// Close stops the monitor between checks, never during one: a query
	// cancelled mid-flight makes pgx send a cancel request, and pgbouncer
	// 1.18 (Debian 12's) can crash on one (pgbouncer issue 801).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(r.opts.Interval, time.Second))
	defer cancel()
	now := time.Now()
	if p, err := r.Position(ctx); err == nil {
		r.samples = append(r.samples, sample{now, p})
	}
	// Keep the samples of the last MaxLag and one older: a standby past
	// all of them is lagging.
	for len(r.samples) > 1 && now.Sub(r.samples[1].at) > r.opts.MaxLag {
		r.samples = r.samples[1:]
	}
	samples := r.samples
	for _, s := range r.standbys {
		replayed, err := queryLSN(ctx, s.conn.SQL, "SELECT pg_last_wal_replay_lsn()::text")
		switch {
		case errors.Is(err, errNotStandby):
			s.status.Store(&standbyState{state: "not a standby"})
		case err != nil:
			s.status.Store(&standbyState{state: "down"})
		default:
			s.status.Store(judge(replayed, samples, now, r.opts.MaxLag))
		}
	}
}

// judge is a standby's state from its replay position and the primary's
// recent positions (oldest first).
func judge(replayed LSN, samples []sample, now time.Time, maxLag time.Duration) *standbyState {
	st := &standbyState{state: "lagging", replayed: replayed, lag: maxLag}
	for i := len(samples) - 1; i >= 0; i-- {
		if samples[i].lsn <= replayed {
			st.lag = now.Sub(samples[i].at)
			break
		}
	}
	if len(samples) > 0 && st.lag < maxLag {
		st.state, st.usable = "ok", true
	}
	return st
}

// Route is where one read request's statements go.
type Route struct {
	standby *standby
	failed  atomic.Bool
}

// Standby is the redacted URL of the standby serving the request, or "" for
// the primary.
func (rt *Route) Standby() string {
	if rt == nil || rt.standby == nil {
		return ""
	}
	return rt.standby.url
}

// Failed reports whether a statement failed on the standby (for a reason
// other than the request's own context): the request should be served
// again by the primary.
func (rt *Route) Failed() bool { return rt != nil && rt.failed.Load() }

type routeKey struct{}

// Route picks a standby for a read that must see every write up to after
// (0: any usable standby), and returns ctx routed to it through Driver;
// when none has replayed after within Wait, or none is usable, it returns
// ctx unchanged (the primary) and a nil Route.
func (r *Replicas) Route(ctx context.Context, after LSN) (context.Context, *Route) {
	s := r.pick(after)
	if s == nil && after != 0 {
		s = r.await(ctx, after)
	}
	if s == nil {
		return ctx, nil
	}
	rt := &Route{standby: s}
	return context.WithValue(ctx, routeKey{}, rt), rt
}

// pick is the next usable standby, round robin, that has replayed after.
func (r *Replicas) pick(after LSN) *standby {
	n := uint32(len(r.standbys))
	start := r.next.Add(1)
	for i := range n {
		s := r.standbys[(start+i)%n]
		if st := s.status.Load(); st.usable && st.replayed >= after {
			return s
		}
	}
	return nil
}

// await asks the usable standby furthest along for its replay position
// until it has replayed after, for up to Wait.
func (r *Replicas) await(ctx context.Context, after LSN) *standby {
	var best *standby
	for _, s := range r.standbys {
		if st := s.status.Load(); st.usable && (best == nil || st.replayed > best.status.Load().replayed) {
			best = s
		}
	}
	if best == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Wait)
	defer cancel()
	for {
		replayed, err := queryLSN(ctx, best.conn.SQL, "SELECT pg_last_wal_replay_lsn()::text")
		if err != nil {
			return nil
		}
		if replayed >= after {
			return best
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// Driver is the ent driver over the primary that sends the queries of a
// routed context (Route) to its standby; statements outside one, and every
// Exec and transaction, go to the primary.
func (r *Replicas) Driver() dialect.Driver { return routed{r.primary.Driver} }

// routed is Replicas.Driver.
type routed struct{ dialect.Driver }

// on is the driver for ctx and, when it is a standby's, its route.
func (d routed) on(ctx context.Context) (dialect.Driver, *Route) {
	if rt, ok := ctx.Value(routeKey{}).(*Route); ok && rt.standby != nil {
		return rt.standby.conn.Driver, rt
	}
	return d.Driver, nil
}

// failed records that a statement failed on rt's standby, unless the
// request itself was canceled or timed out; a standby that stopped
// answering is marked down until the monitor sees it answer.
func failed(ctx context.Context, rt *Route, err error) error {
	if err == nil || rt == nil || ctx.Err() != nil {
		return err
	}
	rt.failed.Store(true)
	if restkit.Unavailable(err) {
		rt.standby.status.Store(&standbyState{state: "down"})
	}
	return err
}

// Query runs a query on the request's standby, or the primary.
func (d routed) Query(ctx context.Context, query string, args, v any) error {
	drv, rt := d.on(ctx)
	return failed(ctx, rt, drv.Query(ctx, query, args, v))
}

// SendBatch runs a batch of reads on the request's standby, or the primary.
func (d routed) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	drv, rt := d.on(ctx)
	if b, ok := drv.(restkit.Batcher); ok {
		return failed(ctx, rt, b.SendBatch(ctx, queries))
	}
	return failed(ctx, rt, restkit.SendEach(ctx, drv, queries))
}

// BeginTx starts a transaction with options on the primary.
func (d routed) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return beginTx(ctx, d.Driver, opts)
}
