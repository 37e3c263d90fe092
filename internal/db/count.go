package db

import (
	"context"
	"sync/atomic"
)

// Counting statements per request: a page that makes one query per item
// (N+1) is slow on a real database long before a test notices the time,
// so pages report how many statements they sent (the web server puts the
// number in Server-Timing) and a test pins it.

type counterKey struct{}

// CountStatements returns a context in which every statement sent through
// this package (a query, an exec, a transaction's BEGIN and COMMIT) is
// counted, and a function that reads the count so far.
func CountStatements(ctx context.Context) (context.Context, func() int64) {
	c := new(atomic.Int64)
	return context.WithValue(ctx, counterKey{}, c), c.Load
}

// counted adds n to ctx's counter, if it has one.
func counted(ctx context.Context, n int64) {
	if c, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		c.Add(n)
	}
}
