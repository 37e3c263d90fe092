package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmts keeps prepared statements for SQLite, one set per pool. The
// PostgreSQL driver (pgx) already caches prepared statements per
// connection; modernc's SQLite does not, and compiling a statement anew
// for every query was a large share of a page's database time (a list
// query: parse, plan and code generation in the transpiled C).
//
// database/sql prepares a cached *sql.Stmt lazily on each connection that
// runs it and keeps it there; transactions reuse it through Tx.Stmt.
// Queries are written as constants, but a few are built from filters; the
// cache stops growing at stmtsMax and further statements are simply not
// cached.
type stmts struct {
	pool   *sql.DB
	mu     sync.RWMutex
	m      map[string]*sql.Stmt // nil value: being prepared
	closed bool
}

const stmtsMax = 2000

type oneOffKey struct{}

// OneOff returns ctx marked for work that runs once, such as loading the
// demo: its queries are not kept as prepared statements. On SQLite each
// kept statement holds its compiled program in memory on every connection
// that ran it; the demo's hundreds of one-off inserts kept 4–6 MB of an
// idle server's memory (docs/benchmarks.md, core part 2).
func OneOff(ctx context.Context) context.Context {
	return context.WithValue(ctx, oneOffKey{}, true)
}

func newStmts(pool *sql.DB) *stmts { return &stmts{pool: pool, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement for q, or nil when there is none
// yet: the caller then runs the query directly. Outside a transaction
// (inTx false) it prepares q now. Inside one it must not: the transaction
// holds a connection, and preparing takes another from the pool — with
// SQLite's single writer connection, one that never comes. There it has q
// prepared in the background, once a connection is free.
func (c *stmts) get(ctx context.Context, q string, inTx bool) *sql.Stmt {
	if c == nil || multi(q) || ctx.Value(oneOffKey{}) != nil {
		return nil
	}
	c.mu.RLock()
	s, pending := c.m[q]
	n := len(c.m)
	c.mu.RUnlock()
	if s != nil || pending || n >= stmtsMax {
		return s
	}
	if inTx {
		c.mu.Lock()
		if _, ok := c.m[q]; !ok {
			c.m[q] = nil // pending
			go c.prepare(context.WithoutCancel(ctx), q)
		}
		c.mu.Unlock()
		return nil
	}
	return c.prepare(context.WithoutCancel(ctx), q)
}

func (c *stmts) prepare(ctx context.Context, q string) *sql.Stmt {
	s, err := c.pool.PrepareContext(ctx, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.m, q) // not pending any more; the direct query reports the error
		return nil
	}
	if old := c.m[q]; old != nil {
		s.Close()
		return old
	}
	if c.closed {
		s.Close()
		return nil
	}
	c.m[q] = s
	return s
}

func (c *stmts) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		if s != nil {
			s.Close()
		}
	}
	c.m = map[string]*sql.Stmt{}
	c.closed = true
}

// multi reports whether q may hold more than one statement (migrations,
// triggers): a prepared statement would keep only the first.
func multi(q string) bool {
	q = strings.TrimRight(q, " \t\r\n;")
	return strings.IndexByte(q, ';') >= 0
}
