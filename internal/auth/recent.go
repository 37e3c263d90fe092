package auth

import (
	"sync"
	"time"
)

// recent remembers the sessions and API tokens this node has just checked,
// for Settings.CheckedTTL (two seconds by default), so that a person
// clicking through pages or a client calling the API in a loop costs one
// query per moment instead of one per request. Any change the accounts
// service makes on this node (sign-out, revocation, deletion, consent, a
// new password, a role) forgets everything at once; a change made on
// another node reaches this one within the lifetime. See
// docs/decisions/0007-checked-sessions.md.
type recent struct {
	ttl time.Duration
	now func() time.Time

	mu sync.RWMutex
	m  map[string]recentEntry
}

type recentEntry struct {
	user  User // a copy: callers may not change what others read
	sid   int64
	role  Role // ViewRole's entries
	until time.Time
}

// recentMax bounds the memory: 100,000 entries are a few tens of MB at
// most; past it the map starts over (entries live seconds).
const recentMax = 100_000

// newRecent keeps entries for ttl by the clock now (the database's: the
// one sessions expire by).
func newRecent(ttl time.Duration, now func() time.Time) *recent {
	return &recent{ttl: ttl, now: now, m: map[string]recentEntry{}}
}

func (c *recent) get(key string) (*User, int64, bool) {
	if c.ttl <= 0 {
		return nil, 0, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.until) {
		return nil, 0, false
	}
	u := e.user
	return &u, e.sid, true
}

// put keeps u for the lifetime, but never past expires (a session's end).
func (c *recent) put(key string, u *User, sid int64, expires time.Time) {
	if c.ttl <= 0 {
		return
	}
	until := c.now().Add(c.ttl)
	if !expires.IsZero() && expires.Before(until) {
		until = expires
	}
	c.mu.Lock()
	if len(c.m) >= recentMax {
		c.m = map[string]recentEntry{}
	}
	c.m[key] = recentEntry{user: *u, sid: sid, until: until}
	c.mu.Unlock()
}

// forget drops everything (after a change to accounts on this node).
func (c *recent) forget() {
	c.mu.Lock()
	if len(c.m) > 0 {
		c.m = map[string]recentEntry{}
	}
	c.mu.Unlock()
}

func (c *recent) role(key string) (Role, bool) {
	if c.ttl <= 0 {
		return 0, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.until) {
		return 0, false
	}
	return e.role, true
}

func (c *recent) putRole(key string, r Role) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	if len(c.m) >= recentMax {
		c.m = map[string]recentEntry{}
	}
	c.m[key] = recentEntry{role: r, until: c.now().Add(c.ttl)}
	c.mu.Unlock()
}
