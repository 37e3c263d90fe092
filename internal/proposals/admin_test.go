package proposals_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

func audited(t *testing.T, d *db.DB, action, target string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?", action, target).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSupportOutcomes: every answer carries the stored count, and what is
// refused changes nothing.
func TestSupportOutcomes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		a := k.Proposal(p, k.Person(), "Ауылға спорт алаңдары")
		b := k.Proposal(p, k.Person(), "Ауылға спорт алаңы керек")
		u, v := k.Person(), k.Person()
		for _, step := range []struct {
			who       int
			on        bool
			supported bool
			count     int
			changed   bool
		}{{0, true, true, 1, true}, {0, true, true, 1, false}, {1, true, true, 2, true}, {0, false, false, 1, true}, {0, false, false, 1, false}} {
			person := u
			if step.who == 1 {
				person = v
			}
			res, err := k.Proposals.Support(ctx, person, a.ID, step.on)
			if err != nil || res.Supported != step.supported || res.SupportCount != step.count || res.Changed != step.changed {
				t.Fatalf("step %+v: %+v %v", step, res, err)
			}
			if stored, rows := k.Count(a.ID); stored != step.count || rows != step.count {
				t.Fatalf("step %+v: stored %d rows %d", step, stored, rows)
			}
		}
		_, err := k.Proposals.Support(ctx, u, 999999, true)
		wantCode(t, err, errs.NotFound, "")

		// Merged into a: b is closed for supports, and nothing moves.
		if _, err := k.Proposals.Support(ctx, u, b.ID, true); err != nil {
			t.Fatal(err)
		}
		mod := k.Granted("moderator")
		if err := k.Proposals.Merge(ctx, mod, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		_, err = k.Proposals.Support(ctx, v, b.ID, true)
		wantCode(t, err, errs.Conflict, "proposals.closed_for_support")
		if stored, rows := k.Count(b.ID); stored != 0 || rows != 0 {
			t.Fatalf("merged proposal: stored %d rows %d", stored, rows)
		}
		if stored, rows := k.Count(a.ID); stored != 2 || rows != 2 {
			t.Fatalf("survivor: stored %d rows %d, want 2 (v and u)", stored, rows)
		}
		// Hidden: closed too.
		if err := k.Proposals.Hide(ctx, mod, a.ID, true, "Қайталанған мәтін"); err != nil {
			t.Fatal(err)
		}
		_, err = k.Proposals.Support(ctx, k.Person(), a.ID, true)
		wantCode(t, err, errs.Conflict, "proposals.closed_for_support")
		if stored, _ := k.Count(a.ID); stored != 2 {
			t.Fatalf("hidden: stored %d", stored)
		}
	})
}

// TestResolveReports: a moderator resolves the open reports about a
// proposal or a comment; they leave the list, the audit log keeps it, and
// others may not.
func TestResolveReports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		pr := k.Proposal(p, k.Person(), "Жастар орталығын ашу")
		c, err := k.Proposals.AddComment(ctx, k.Person(), pr.ID, 0, "Келісемін")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := k.Proposals.Report(ctx, k.Person(), pr.ID, 0, "Жарнама"); err != nil {
				t.Fatal(err)
			}
		}
		if err := k.Proposals.Report(ctx, k.Person(), pr.ID, c.ID, "Дөрекі"); err != nil {
			t.Fatal(err)
		}
		mod := k.Granted("moderator")
		list, err := k.Proposals.Reports(ctx, mod, p.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("reports: %+v %v", list, err)
		}
		_, err = k.Proposals.ResolveReports(ctx, k.Person(), pr.ID, 0)
		wantCode(t, err, errs.Forbidden, "")
		n, err := k.Proposals.ResolveReports(ctx, mod, pr.ID, 0)
		if err != nil || n != 2 {
			t.Fatalf("resolve: %d %v", n, err)
		}
		_, err = k.Proposals.ResolveReports(ctx, mod, pr.ID, 0)
		wantCode(t, err, errs.NotFound, "proposals.no_open_reports")
		list, err = k.Proposals.Reports(ctx, mod, p.ID)
		if err != nil || len(list) != 1 || list[0].CommentID != c.ID {
			t.Fatalf("after resolving: %+v %v", list, err)
		}
		if n := audited(t, d, "proposals.reports_resolve", fmt.Sprint(pr.ID)); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

// TestCommentsAfter pages comments by keyset, in writing order.
func TestCommentsAfter(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Жастар орталығын ашу")
		u := k.Person()
		var ids []int64
		for i := range 7 {
			parent := int64(0)
			if i == 3 {
				parent = ids[0]
			}
			c, err := k.Proposals.AddComment(ctx, u, pr.ID, parent, fmt.Sprintf("Пікір %d", i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			k.Clock.Advance(time.Second)
		}
		var got []int64
		var after int64
		for pages := 0; ; pages++ {
			list, more, err := k.Proposals.CommentsAfter(ctx, pr.ID, after, 3)
			if err != nil || pages > 3 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, c := range list {
				got = append(got, c.ID)
			}
			if !more {
				break
			}
			after = list[len(list)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("paged %v, want %v", got, ids)
		}
		_, _, err := k.Proposals.CommentsAfter(ctx, 999999, 0, 3)
		wantCode(t, err, errs.NotFound, "")
	})
}
