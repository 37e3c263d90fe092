package proposals_test

import (
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/proposals"
)

// The programme's stored count of visible proposals equals a real count
// after every change that makes one visible or not, concurrent ones too;
// so do the tallies' listed flags, which the list sorted by supports reads.
func TestProgrammeCountStaysExact(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		mod := k.Granted("moderator")
		check := func(step string, want int) {
			t.Helper()
			n, err := k.Proposals.Count(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			var real int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM proposals WHERE programme_id = ? AND hidden = FALSE AND merged_into IS NULL", p.ID).Scan(&real); err != nil {
				t.Fatal(err)
			}
			if n != want || real != want {
				t.Fatalf("%s: stored %d, real %d, want %d", step, n, real, want)
			}
			var wrong int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM proposal_tallies t JOIN proposals p ON p.id = t.proposal_id
				WHERE t.listed <> (p.hidden = FALSE AND p.merged_into IS NULL)`).Scan(&wrong); err != nil {
				t.Fatal(err)
			}
			if wrong != 0 {
				t.Fatalf("%s: %d tallies listed wrongly", step, wrong)
			}
			for _, sort := range proposals.Sorts {
				items, _, err := k.Proposals.List(ctx, proposals.Filter{ProgrammeID: p.ID, Sort: sort, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != want {
					t.Fatalf("%s: list by %s has %d, want %d", step, sort, len(items), want)
				}
			}
		}
		check("empty", 0)
		a := k.Proposal(p, k.Person(), "Жастар үйі керек")
		b := k.Proposal(p, k.Person(), "Жастар үйін салу керек")
		c := k.Proposal(p, k.Person(), "Ауыл мектептеріне интернет")
		check("three submitted", 3)

		// Eight moderators hide the same proposal at once: one change.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := k.Proposals.Hide(ctx, mod, c.ID, true, "спам"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		check("hidden", 2)
		if err := k.Proposals.Hide(ctx, mod, c.ID, true, "басқа себеп"); err != nil {
			t.Fatal(err)
		}
		check("hidden again", 2)
		if err := k.Proposals.Hide(ctx, mod, c.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		check("shown again", 3)
		if err := k.Proposals.Merge(ctx, mod, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		check("merged", 2)
		// Hiding and showing a merged proposal leaves the count alone.
		if err := k.Proposals.Hide(ctx, mod, b.ID, true, "қайталау"); err != nil {
			t.Fatal(err)
		}
		if err := k.Proposals.Hide(ctx, mod, b.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		check("merged, hidden and shown", 2)
		// A hidden duplicate merged away was not counted any more.
		if err := k.Proposals.Hide(ctx, mod, c.ID, true, "спам"); err != nil {
			t.Fatal(err)
		}
		if err := k.Proposals.Merge(ctx, mod, c.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		check("hidden then merged", 1)
	})
}
