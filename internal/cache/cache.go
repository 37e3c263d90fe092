// Package cache is the one place where Ortaq keeps copies of what it has
// read or rendered: a map with typed keys, a lifetime, a bound on its
// size and one loader at a time per key. Every layer that keeps copies
// uses it — guests' pages and shared fragments (internal/web), programmes
// (internal/programmes), open elections' ballot rules (internal/elections)
// — and each is kept only where docs/benchmarks.md ("Caching: what each
// layer buys") shows the plain version missing its budget.
//
// Keys are Go values, never strings packed by hand: a struct with one
// field per thing the value depends on, so that two readers in different
// states cannot share an entry by a forgotten field (the compiler and the
// struct's fields say what the key is made of).
package cache

import (
	"context"
	"errors"
	"sync"
	"time"
)

var errNoValue = errors.New("cache: the load gave no value")

// Cache keeps values of type V under keys of type K for a lifetime. It
// holds at most max units (Size decides what a value counts as: 1 each
// by default); when a new value does not fit, expired entries go first,
// then entries picked at random (Go's map order), until it fits. A value
// bigger than the whole bound is not kept.
//
// A lifetime of 0 turns the cache off: Get misses and Load always loads.
// A cache is safe for concurrent use. Values are shared between readers:
// never change one after Put.
type Cache[K comparable, V any] struct {
	ttl  time.Duration
	max  int
	size func(K, V) int
	now  func() time.Time

	mu      sync.Mutex
	m       map[K]entry[V]
	used    int
	gen     uint64 // counts Clear and Forget: a load begun before one is not kept
	flights map[K]*flight[V]
}

type entry[V any] struct {
	v       V
	n       int
	expires time.Time
}

type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// New returns a cache keeping values for ttl, at most max units of
// size (nil: every value is one unit, so max counts entries).
func New[K comparable, V any](ttl time.Duration, max int, size func(K, V) int) *Cache[K, V] {
	if size == nil {
		size = func(K, V) int { return 1 }
	}
	return &Cache[K, V]{ttl: ttl, max: max, size: size, now: time.Now, m: map[K]entry[V]{}, flights: map[K]*flight[V]{}}
}

// SetClock sets the clock entries age by (tests).
func (c *Cache[K, V]) SetClock(now func() time.Time) { c.now = now }

// On reports whether the cache keeps anything (its lifetime is not 0).
func (c *Cache[K, V]) On() bool { return c.ttl > 0 }

// Get returns the value kept for k, if it is younger than the lifetime.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return zero, false
	}
	if !now.Before(e.expires) {
		c.dropLocked(k, e)
		return zero, false
	}
	return e.v, true
}

// Put keeps v for k for the lifetime.
func (c *Cache[K, V]) Put(k K, v V) {
	c.put(k, v, 0, false)
}

// put keeps v for k; when checkGen, only if nothing was cleared or
// forgotten since generation gen.
func (c *Cache[K, V]) put(k K, v V, gen uint64, checkGen bool) {
	if c.ttl <= 0 {
		return
	}
	n := c.size(k, v)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if checkGen && gen != c.gen {
		return
	}
	if old, ok := c.m[k]; ok {
		c.dropLocked(k, old)
	}
	if n > c.max {
		return
	}
	if c.used+n > c.max {
		for k2, e := range c.m {
			if !now.Before(e.expires) {
				c.dropLocked(k2, e)
			}
		}
		for k2, e := range c.m { // random order: a random eviction
			if c.used+n <= c.max {
				break
			}
			c.dropLocked(k2, e)
		}
	}
	c.m[k] = entry[V]{v: v, n: n, expires: now.Add(c.ttl)}
	c.used += n
}

func (c *Cache[K, V]) dropLocked(k K, e entry[V]) {
	delete(c.m, k)
	c.used -= e.n
}

// Forget drops the values kept for keys.
func (c *Cache[K, V]) Forget(keys ...K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		if e, ok := c.m[k]; ok {
			c.dropLocked(k, e)
		}
	}
}

// Clear drops every value.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	c.gen++
	if len(c.m) > 0 {
		c.m, c.used = map[K]entry[V]{}, 0
	}
	c.mu.Unlock()
}

// Len is the number of values kept (expired ones included until they are
// dropped).
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Used is what the kept values count as against the bound.
func (c *Cache[K, V]) Used() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// Load returns the value kept for k or, when there is none, the one load
// returns, which it keeps (unless load fails). Readers asking for the same
// missing key at once share one load: the first calls it, the others wait
// for its result (or for ctx); when the first one's load fails, each of
// the others loads for itself. A value whose load began before a Clear or
// Forget is returned but not kept.
func (c *Cache[K, V]) Load(ctx context.Context, k K, load func() (V, error)) (V, error) {
	if c.ttl <= 0 {
		return load()
	}
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	c.mu.Lock()
	if e, ok := c.m[k]; ok && c.now().Before(e.expires) {
		c.mu.Unlock() // kept while we looked
		return e.v, nil
	}
	if f := c.flights[k]; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				return f.v, nil
			}
			return load()
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{}), err: errNoValue}
	c.flights[k] = f
	gen := c.gen
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.flights, k)
		c.mu.Unlock()
		close(f.done)
	}()
	f.v, f.err = load() // a panic leaves errNoValue: the others load for themselves
	if f.err == nil {
		// Not kept when the cache was cleared meanwhile: the value may
		// predate the change that cleared it.
		c.put(k, f.v, gen, true)
	}
	return f.v, f.err
}
