package orgs_test

import (
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Search keys made by another version of internal/kazakh are recomputed by
// the backfill at start, once the version differs.
func TestBackfillRekeys(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		o := f.mustCreate(t, 0, "council", "Тараз жастар кеңесі", "")
		set := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		key := func() string {
			t.Helper()
			var k string
			if err := d.QueryRow(ctx, "SELECT search_key FROM organizations WHERE id = ?", o.ID).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		if err := f.svc.Backfill(ctx); err != nil {
			t.Fatal(err)
		}
		want := key()
		set("UPDATE organizations SET search_key = 'stale' WHERE id = ?", o.ID)
		if err := f.svc.Backfill(ctx); err != nil {
			t.Fatal(err)
		}
		if got := key(); got != "stale" {
			t.Fatalf("key %q: recomputed although the version is the same", got)
		}
		set("UPDATE settings SET value = 'old' WHERE key = 'orgs.search_key_version'")
		if err := f.svc.Backfill(ctx); err != nil {
			t.Fatal(err)
		}
		if got := key(); got != want {
			t.Fatalf("key %q after a version change, want %q", got, want)
		}
	})
}
