package db

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Counting statements per request: a page that makes one query per item
// (N+1) is slow on a real database long before a test notices the time,
// so pages report how many statements they sent (the web server puts the
// number in Server-Timing) and a test pins it.
//
// Admitting requests to the database in arrival order: with 32 requests
// reading at once on 2 cores, PostgreSQL's 20 backends share the cores
// with the server, and the kernel's fair round makes a few queries wait
// 10–30 ms for a core while most wait 2. A request therefore takes one of
// a few places (Gate) before its first read and keeps it until its answer
// begins (Tracker.Done): at most that many requests read at once, each
// finishes in about its own time, and the others wait in one queue, in
// the order they came. Writes do not take a place, and a request gives
// its place back while it waits for a write (a transaction or a group
// commit): reads must not queue behind a burst of votes waiting for a
// flush. A request never holds two places, so it cannot wait for itself.
// Measured in docs/benchmarks.md, "admission in arrival order".

type counterKey struct{}

// Tracker is one request's account with the database: the statements it
// sent and, when it was made with a gate, its place there.
type Tracker struct {
	n    atomic.Int64
	gate chan struct{}

	mu   sync.Mutex
	held bool // holds a place
	away int  // waits elsewhere under way (Elsewhere)
	done bool // the answer has begun: no more waiting for a place
}

// Gate admits a few requests' reads at once, first come first served
// (Go hands a freed place in a buffered channel to its longest waiter).
type Gate struct{ places chan struct{} }

// NewGate has n places; n <= 0 means four per core.
func NewGate(n int) *Gate {
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	return &Gate{places: make(chan struct{}, n)}
}

// CountStatements returns a context in which every statement sent through
// this package (a query, an exec, a transaction's BEGIN and COMMIT) is
// counted, and a function that reads the count so far.
func CountStatements(ctx context.Context) (context.Context, func() int64) {
	ctx, t := Track(ctx, nil)
	return ctx, t.Statements
}

// Track returns a context in which statements are counted and, with a
// gate, reads are admitted through it; the request calls Done when its
// answer begins and again (harmlessly) when it ends.
func Track(ctx context.Context, g *Gate) (context.Context, *Tracker) {
	t := &Tracker{}
	if g != nil {
		t.gate = g.places
	}
	return context.WithValue(ctx, counterKey{}, t), t
}

// Statements is how many statements were sent so far.
func (t *Tracker) Statements() int64 { return t.n.Load() }

// Done gives the place back, and no statement after it waits for one.
func (t *Tracker) Done() {
	if t.gate == nil {
		return
	}
	t.mu.Lock()
	t.done = true
	t.leave()
	t.mu.Unlock()
}

// leave gives the place back (t.mu held).
func (t *Tracker) leave() {
	if t.held {
		t.held = false
		<-t.gate
	}
}

// enter waits for a place unless the request holds one, waits elsewhere
// or has begun its answer. A context that ends while waiting ends the wait;
// the statement then fails with the context's error.
func (t *Tracker) enter(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held || t.away > 0 || t.done {
		return
	}
	select {
	case t.gate <- struct{}{}:
		t.held = true
	case <-ctx.Done():
	}
}

// Untracked is ctx without its request's tracker, for work that goes on
// after the answer (mail sent in the background): its statements are not
// the request's, and it never waits at the gate.
func Untracked(ctx context.Context) context.Context {
	return context.WithValue(ctx, counterKey{}, (*Tracker)(nil))
}

// tracker is ctx's tracker, or nil.
func tracker(ctx context.Context) *Tracker {
	t, _ := ctx.Value(counterKey{}).(*Tracker)
	return t
}

// counted adds n to ctx's count, if it has one.
func counted(ctx context.Context, n int64) *Tracker {
	t := tracker(ctx)
	if t != nil {
		t.n.Add(n)
	}
	return t
}

// reading counts a read outside a transaction, or a read-only
// transaction, and admits it through the gate.
func reading(ctx context.Context, n int64) {
	if t := counted(ctx, n); t != nil && t.gate != nil {
		t.enter(ctx)
	}
}

// Elsewhere marks a wait for something other than the request's reads —
// a write (a transaction, a group commit), a mail server, Telegram's Bot
// API: the request's place at the gate goes to the next one in line, and
// its reads do not wait for a place until the returned function ends the
// wait. A request that sends mail or a Telegram message while answering
// must not keep others from reading meanwhile.
func Elsewhere(ctx context.Context) func() {
	t := tracker(ctx)
	if t == nil || t.gate == nil {
		return func() {}
	}
	t.mu.Lock()
	t.away++
	t.leave()
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		t.away--
		t.mu.Unlock()
	}
}
