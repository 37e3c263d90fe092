package db

import "context"

// Apply runs a migration's SQL as Migrate does, guards included.
func (t *Tx) Apply(ctx context.Context, sqlText string) error { return t.apply(ctx, sqlText) }

// PreparedStatements counts the statements kept for the writer and the
// readers (SQLite; 0 on PostgreSQL).
func (d *DB) PreparedStatements() int {
	n := 0
	for _, c := range []*stmts{d.ws, d.rs} {
		if c != nil {
			c.mu.RLock()
			n += len(c.m)
			c.mu.RUnlock()
		}
	}
	return n
}
