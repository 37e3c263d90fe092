package programmes

import (
	"context"
	"time"

	"github.com/ortaq/ortaq/internal/cache"
	"github.com/ortaq/ortaq/internal/db"
)

// DefaultCacheTTL is how long a node keeps a programme it has read before
// reading it again. Programmes change rarely (an administrator edits the
// phases or the age range a few times in their life) and are read on every
// support, list page and proposal page, so each node keeps them for a
// moment: a change made on this node is seen at once (the node forgets its
// copy), one made on another node as soon as PostgreSQL tells this one
// (the "pages" event every successful change through the web announces),
// and at the latest within DefaultCacheTTL. The copies are kept in
// internal/cache, like every other layer of copies.
const DefaultCacheTTL = 2 * time.Second

// maxCached bounds the cache (programmes number in the tens: a
// safeguard, not a policy).
const maxCached = 1000

func newCache(ttl time.Duration) *cache.Cache[int64, *Programme] {
	return cache.New[int64, *Programme](ttl, maxCached, nil)
}

// SetCache sets how long programmes are kept (0 turns the cache off) and
// the clock that ages them (nil: the wall clock). For tests and wiring;
// call it before serving.
func (s *Service) SetCache(ttl time.Duration, now func() time.Time) {
	s.cache = newCache(ttl)
	if now != nil {
		s.cache.SetClock(now)
	}
}

// Cached returns programme id as Get does, from this node's copy when it
// is younger than the cache lifetime. The result is shared: read it, never
// change it. Pages and the support path use it; administrative changes
// read with Get.
func (s *Service) Cached(ctx context.Context, id int64) (*Programme, error) {
	return s.cache.Load(ctx, id, func() (*Programme, error) { return s.Get(ctx, id) })
}

// CachedTx is Cached for code inside a transaction: a programme not in
// the cache is read through tx, never through the pool, which a
// transaction waiting for a second connection could exhaust (on
// PostgreSQL readers and writers share one bounded pool).
func (s *Service) CachedTx(ctx context.Context, tx *db.Tx, id int64) (*Programme, error) {
	if p, ok := s.cache.Get(id); ok {
		return p, nil
	}
	p, err := s.get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	s.cache.Put(id, p)
	return p, nil
}

// Rules returns what taking part depends on — organization, age range,
// regions and phases — for the hot paths (supports, moderation checks):
// the cached programme.
func (s *Service) Rules(ctx context.Context, id int64) (*Programme, error) {
	return s.Cached(ctx, id)
}
