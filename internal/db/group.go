package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Group commit. Many small writes of one kind (supports, ballots) queue
// here; a flusher — a goroutine that exists only while the queue is not
// empty — takes what has gathered and writes it in one transaction, and
// each caller gets its own answer after the commit, so an acknowledged
// write is a committed one. Under load the requests that arrive while one
// transaction commits form the next batch; without load a batch holds one
// request and costs what a lone write would. On SQLite, with its single
// writer and an fsync per commit, this is what lets thousands of writes a
// second through; on PostgreSQL it saves a commit per request.
//
// The write function sees the batch inside one transaction and returns an
// answer per request: a refusal of one request (a coded error) is its
// answer and does not fail the others. If the write function fails as a
// whole, or the commit does, every request of a batch of several is
// retried alone, so one bad request cannot fail its neighbours. A panic
// in it is recovered and answered as an error. Each batch has a time
// limit; a caller who stops waiting (its context ends) gets ctx.Err(),
// and its request is dropped if it has not been taken yet.

// Answer is the outcome of one request of a batch.
type Answer[A any] struct {
	Value A
	Err   error
}

// GroupOptions tune a Group.
type GroupOptions struct {
	// MaxBatch caps the requests written in one transaction (default 256).
	MaxBatch int
	// Timeout bounds one batch's transaction (default 30 s).
	Timeout time.Duration
	// MaxFlushers is how many transactions may run at once: 1 on SQLite
	// (one writer); on PostgreSQL a second one joins while at least
	// MinParallel requests wait, so that one transaction works while the
	// other commits, without cutting every batch in two (default 2 on
	// PostgreSQL, MinParallel 32).
	MaxFlushers int
	MinParallel int
}

// GroupSpec says what a Group writes.
type GroupSpec[R, A any] struct {
	// Write writes a batch inside one transaction and answers each
	// request; an error fails the batch (its requests are then retried
	// one by one). committed, if not nil, runs after the commit, before
	// the callers are answered (e.g. to send the notifications the batch
	// recorded).
	Write func(ctx context.Context, tx *Tx, batch []R) (answers []Answer[A], committed func(), err error)
	// Key, if set, keeps requests with the same key out of one batch: a
	// repeat waits for the next batch and sees what its predecessor left.
	Key func(R) any
	GroupOptions
}

// ErrStopped answers requests made after Stop.
var ErrStopped = errors.New("db: shutting down")

// Group is a group-commit writer for requests R with answers A.
type Group[R, A any] struct {
	d    *DB
	spec GroupSpec[R, A]
	opt  *GroupOptions

	mu      sync.Mutex
	pending []*groupReq[R, A]
	running int
	stopped bool
	idle    sync.Cond // signalled when running drops to 0
}

type groupReq[R, A any] struct {
	ctx  context.Context
	r    R
	done chan Answer[A] // buffered: the flusher never blocks on it
}

// NewGroup returns a Group that writes batches as spec says.
func NewGroup[R, A any](d *DB, spec GroupSpec[R, A]) *Group[R, A] {
	opt := &spec.GroupOptions
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxFlushers <= 0 {
		opt.MaxFlushers = 1
		if d.Dialect == Postgres {
			opt.MaxFlushers = 2
		}
	}
	if d.Dialect == SQLite {
		opt.MaxFlushers = 1
	}
	if opt.MinParallel <= 0 {
		opt.MinParallel = 32
	}
	g := &Group[R, A]{d: d, spec: spec}
	g.opt = &g.spec.GroupOptions
	g.idle.L = &g.mu
	return g
}

// Do queues r and waits for its answer (or for ctx to end: then the
// request may still be written, as with any write whose answer is lost).
func (g *Group[R, A]) Do(ctx context.Context, r R) (A, error) {
	defer Elsewhere(ctx)() // the request's place at the gate goes back while it waits
	req := &groupReq[R, A]{ctx: ctx, r: r, done: make(chan Answer[A], 1)}
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		var zero A
		return zero, ErrStopped
	}
	g.pending = append(g.pending, req)
	if g.running == 0 || (g.running < g.opt.MaxFlushers && len(g.pending) >= g.opt.MinParallel) {
		g.running++
		go g.flush()
	}
	g.mu.Unlock()
	select {
	case a := <-req.done:
		return a.Value, a.Err
	case <-ctx.Done():
		var zero A
		return zero, ctx.Err()
	}
}

// Stop refuses new requests and waits until what is queued is written.
func (g *Group[R, A]) Stop() {
	g.mu.Lock()
	g.stopped = true
	for g.running > 0 {
		g.idle.Wait()
	}
	g.mu.Unlock()
}

// flush writes batches until the queue is empty (or, when another flusher
// runs, until it holds fewer than MinParallel requests), then ends.
func (g *Group[R, A]) flush() {
	for {
		g.mu.Lock()
		if len(g.pending) == 0 || (g.running > 1 && len(g.pending) < g.opt.MinParallel) {
			g.running--
			if g.running == 0 {
				g.idle.Broadcast()
			}
			g.mu.Unlock()
			return
		}
		batch := g.take()
		g.mu.Unlock()
		if len(batch) > 0 {
			g.writeBatch(batch)
		}
	}
}

// take removes the next batch from the queue (g.mu held): requests in
// arrival order, at most one per key, dropping those whose caller has
// gone.
func (g *Group[R, A]) take() []*groupReq[R, A] {
	var batch, rest []*groupReq[R, A]
	var seen map[any]bool
	if g.spec.Key != nil {
		seen = map[any]bool{}
	}
	for _, r := range g.pending {
		switch {
		case r.ctx.Err() != nil:
			r.done <- Answer[A]{Err: r.ctx.Err()}
		case len(batch) >= g.opt.MaxBatch:
			rest = append(rest, r)
		case seen != nil && seen[g.spec.Key(r.r)]:
			rest = append(rest, r)
		default:
			if seen != nil {
				seen[g.spec.Key(r.r)] = true
			}
			batch = append(batch, r)
		}
	}
	g.pending = rest
	return batch
}

// writeBatch writes one batch and answers its requests.
func (g *Group[R, A]) writeBatch(batch []*groupReq[R, A]) {
	defer func() {
		// A panic must not take the server down from this goroutine,
		// nor leave callers waiting: they get it as an error.
		if p := recover(); p != nil {
			err := fmt.Errorf("db: group commit: panic: %v", p)
			for _, r := range batch {
				select {
				case r.done <- Answer[A]{Err: err}:
				default: // answered already
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), g.opt.Timeout)
	defer cancel()
	reqs := make([]R, len(batch))
	for i, r := range batch {
		reqs[i] = r.r
	}
	var answers []Answer[A]
	var committed func()
	err := g.d.Write(ctx, func(tx *Tx) error {
		var err error
		answers, committed, err = g.spec.Write(ctx, tx, reqs)
		if err == nil && len(answers) != len(reqs) {
			err = fmt.Errorf("db: group commit: %d answers for %d requests", len(answers), len(reqs))
		}
		return err
	})
	if err != nil {
		if len(batch) > 1 && ctx.Err() == nil {
			for _, r := range batch {
				g.writeBatch([]*groupReq[R, A]{r})
			}
			return
		}
		for _, r := range batch {
			r.done <- Answer[A]{Err: err}
		}
		return
	}
	if committed != nil {
		committed()
	}
	for i, r := range batch {
		r.done <- answers[i]
	}
}
