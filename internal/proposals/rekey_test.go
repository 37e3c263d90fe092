package proposals_test

import (
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

// Keys made by another version of internal/kazakh are recomputed at start,
// once.
func TestRekey(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Ауылға жұмыс орындары")
		stale := func() {
			t.Helper()
			err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE proposals SET search = 'stale' WHERE id = ?", pr.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		search := func() string {
			t.Helper()
			var s string
			if err := d.QueryRow(ctx, "SELECT search FROM proposals WHERE id = ?", pr.ID).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		stale()
		if err := k.Proposals.Rekey(ctx); err != nil {
			t.Fatal(err)
		}
		if got := search(); got == "stale" || !kazakhContains(got, "auil") {
			t.Fatalf("search = %q after a rekey, want the title's keys", got)
		}
		// The version is recorded: the next start changes nothing.
		stale()
		if err := k.Proposals.Rekey(ctx); err != nil {
			t.Fatal(err)
		}
		if got := search(); got != "stale" {
			t.Fatalf("search = %q, want it left alone once the version is recorded", got)
		}
		var v string
		if err := d.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'proposals.search_version'").Scan(&v); err != nil || v != kazakh.KeyVersion {
			t.Fatalf("recorded version %q (%v), want %q", v, err, kazakh.KeyVersion)
		}
	})
}

func kazakhContains(key, token string) bool {
	for _, w := range strings.Fields(key) {
		if w == token {
			return true
		}
	}
	return false
}
