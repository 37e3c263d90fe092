package programmes

import (
	"context"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/db"
)

// DefaultCacheTTL is how long a node keeps a programme it has read before
// reading it again. Programmes change rarely (an administrator edits the
// phases or the age range a few times in their life) and are read on every
// support, list page and proposal page, so each node keeps them for a
// moment: a change made on this node is seen at once (the node forgets its
// copy), one made on another node within DefaultCacheTTL.
const DefaultCacheTTL = 2 * time.Second

// maxCached bounds the cache; when it is full it is emptied (programmes
// number in the tens, so this is a safeguard, not a policy).
const maxCached = 1000

type cacheEntry struct {
	p       *Programme
	expires time.Time
}

type cache struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[int64]cacheEntry
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, now: time.Now, m: map[int64]cacheEntry{}}
}

func (c *cache) get(id int64) *Programme {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return nil
	}
	if !c.now().Before(e.expires) {
		delete(c.m, id)
		return nil
	}
	return e.p
}

func (c *cache) put(id int64, p *Programme) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[id] = cacheEntry{p: p, expires: c.now().Add(c.ttl)}
}

func (c *cache) forget(ids ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.m, id)
	}
}

// SetCache sets how long programmes are kept (0 turns the cache off) and
// the clock that ages them (nil: the wall clock). For tests and wiring;
// call it before serving.
func (s *Service) SetCache(ttl time.Duration, now func() time.Time) {
	s.cache = newCache(ttl)
	if now != nil {
		s.cache.now = now
	}
}

// Cached returns programme id as Get does, from this node's copy when it
// is younger than the cache lifetime. The result is shared: read it, never
// change it. Pages and the support path use it; administrative changes
// read with Get.
func (s *Service) Cached(ctx context.Context, id int64) (*Programme, error) {
	if p := s.cache.get(id); p != nil {
		return p, nil
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cache.put(id, p)
	return p, nil
}

// CachedTx is Cached for code inside a transaction: a programme not in
// the cache is read through tx, never through the pool, which a
// transaction waiting for a second connection could exhaust (on
// PostgreSQL readers and writers share one bounded pool).
func (s *Service) CachedTx(ctx context.Context, tx *db.Tx, id int64) (*Programme, error) {
	if p := s.cache.get(id); p != nil {
		return p, nil
	}
	p, err := s.get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	s.cache.put(id, p)
	return p, nil
}

// Rules returns what taking part depends on — organization, age range,
// regions and phases — for the hot paths (supports, moderation checks):
// the cached programme.
func (s *Service) Rules(ctx context.Context, id int64) (*Programme, error) {
	return s.Cached(ctx, id)
}
