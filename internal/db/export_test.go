package db

import "context"

// Apply runs a migration's SQL as Migrate does, guards included.
func (t *Tx) Apply(ctx context.Context, sqlText string) error { return t.apply(ctx, sqlText) }
