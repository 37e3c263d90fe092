package proposals_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/proposals"
)

var ctx = context.Background()

func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("err = %v, want %s %s", err, code, key)
	}
}

func TestSameSupporterConcurrently(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Ауылға жұмыс орындары")
		u := k.Person()
		var wg sync.WaitGroup
		errc := make(chan error, 64)
		for range 64 {
			wg.Go(func() {
				res, err := k.Proposals.Support(ctx, u, pr.ID, true)
				if err == nil && (!res.Supported || res.SupportCount != 1) {
					err = fmt.Errorf("result %+v", res)
				}
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		if stored, rows := k.Count(pr.ID); stored != 1 || rows != 1 {
			t.Fatalf("count %d, rows %d; want exactly one support", stored, rows)
		}
	})
}

func TestManySupportersConcurrently(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Мектептерге кең жолақты интернет")
		people := k.People(1000, "KZ-79", "2003-02-01")
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		var mu sync.Mutex
		var failed []error
		for _, u := range people {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := k.Proposals.Support(ctx, u, pr.ID, true); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(failed) > 0 {
			t.Fatalf("%d supports failed, first: %v", len(failed), failed[0])
		}
		if stored, rows := k.Count(pr.ID); stored != 1000 || rows != 1000 {
			t.Fatalf("count %d, rows %d; want 1000", stored, rows)
		}
		// Withdrawing at once, each twice: back to zero, never below.
		for _, u := range people[:200] {
			for range 2 {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					if _, err := k.Proposals.Support(ctx, u, pr.ID, false); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		if stored, rows := k.Count(pr.ID); stored != 800 || rows != 800 {
			t.Fatalf("after withdrawals: count %d, rows %d; want 800", stored, rows)
		}
	})
}

func TestSupportRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Жастарға гранттар көбейсін")

		first := k.Person()
		res, err := k.Proposals.Support(ctx, first, pr.ID, true)
		if err != nil || !res.Supported || res.SupportCount != 1 {
			t.Fatalf("support: %+v %v", res, err)
		}
		// Ineligible: too old, outside the regions, a minor without consent.
		old := k.People(1, "KZ-27", "1970-01-01")[0]
		_, err = k.Proposals.Support(ctx, old, pr.ID, true)
		wantCode(t, err, errs.Forbidden, "programmes.age_outside")
		far := k.People(1, "KZ-63", "2000-01-01")[0]
		_, err = k.Proposals.Support(ctx, far, pr.ID, true)
		wantCode(t, err, errs.Forbidden, "programmes.region_outside")
		minor := k.People(1, "KZ-27", k.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02"))[0]
		minor.ConsentRequired = true
		_, err = k.Proposals.Support(ctx, minor, pr.ID, true)
		wantCode(t, err, errs.ConsentRequired, "programmes.needs_consent")
		// 35 today in Kazakhstan is still in; 36 from the birthday on.
		edge := k.People(1, "KZ-27", k.Clock.Now().AddDate(-36, 0, 1).Format("2006-01-02"))[0]
		if _, err := k.Proposals.Support(ctx, edge, pr.ID, true); err != nil {
			t.Fatalf("35-year-old refused: %v", err)
		}
		if stored, _ := k.Count(pr.ID); stored != 2 {
			t.Fatalf("count %d, want 2 (refusals change nothing)", stored)
		}
		// After the collecting phase: refused, nothing changes.
		k.Clock.Advance(31 * 24 * time.Hour)
		_, err = k.Proposals.Support(ctx, k.Person(), pr.ID, true)
		wantCode(t, err, errs.Conflict, "programmes.phase_closed")
		_, err = k.Proposals.Support(ctx, first, pr.ID, false)
		wantCode(t, err, errs.Conflict, "programmes.phase_closed")
		if stored, rows := k.Count(pr.ID); stored != 2 || rows != 2 {
			t.Fatalf("count %d rows %d after the phase, want 2", stored, rows)
		}
		_, err = k.Proposals.Create(ctx, k.Person(), p.ID, proposals.NewProposal{Title: "Кеш қалған ұсыныс", Body: strings.Repeat("мәтін ", 10), DirectionID: p.Directions[0].ID})
		wantCode(t, err, errs.Conflict, "programmes.phase_closed")
	})
}

func TestCreateValidates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		_, err := k.Proposals.Create(ctx, k.Person(), p.ID, proposals.NewProposal{Title: "a", Body: "", DirectionID: 999999, Region: "KZ-63",
			Attachment: &proposals.Attachment{Name: "x.html", Data: []byte("<html><script>alert(1)</script>")}})
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			t.Fatalf("err = %v", err)
		}
		got := map[string]string{}
		for _, f := range e.Fields {
			got[f.Name] = f.Key
		}
		want := map[string]string{"title": "validation.too_short", "body": "validation.required", "direction_id": "validation.invalid_choice",
			"region": "programmes.region_not_covered", "attachment": "proposals.attachment_type"}
		for f, key := range want {
			if got[f] != key {
				t.Errorf("field %s: %q, want %q", f, got[f], key)
			}
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM proposals").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d proposals stored after a refusal (%v)", n, err)
		}
	})
}

func TestMarkdownIsInert(t *testing.T) {
	for _, src := range []string{
		"<script>alert(1)</script>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"[click](javascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<img src=x onerror=alert(1)>",
		"<style>body{display:none}</style>",
		"[x](JaVaScRiPt:alert(1))",
	} {
		out := strings.ToLower(string(proposals.Markdown(src)))
		for _, bad := range []string{"<script", "<iframe", "javascript:", "onerror", "<style", "<img"} {
			if strings.Contains(out, bad) {
				t.Errorf("Markdown(%q) = %q contains %q", src, out, bad)
			}
		}
	}
	out := string(proposals.Markdown("See **this** [site](https://example.kz)"))
	if !strings.Contains(out, `<strong>this</strong>`) || !strings.Contains(out, `rel="nofollow ugc noopener"`) || !strings.Contains(out, `href="https://example.kz"`) {
		t.Fatalf("Markdown lost formatting: %q", out)
	}
}

func TestMergeCountsEachPersonOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		a := k.Proposal(p, k.Person(), "Жастар үйі керек")
		b := k.Proposal(p, k.Person(), "Жастар үйін салу керек")
		both := k.People(3, "KZ-27", "2001-01-01")
		onlyB := k.People(2, "KZ-27", "2001-01-01")
		for _, u := range both {
			for _, id := range []int64{a.ID, b.ID} {
				if _, err := k.Proposals.Support(ctx, u, id, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, u := range onlyB {
			if _, err := k.Proposals.Support(ctx, u, b.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		member := k.Person()
		err := k.Proposals.Merge(ctx, member, b.ID, a.ID)
		wantCode(t, err, errs.Forbidden, "")
		mod := k.Granted("moderator")
		if err := k.Proposals.Merge(ctx, mod, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if stored, rows := k.Count(a.ID); stored != 5 || rows != 5 {
			t.Fatalf("survivor: count %d rows %d, want 5", stored, rows)
		}
		if stored, rows := k.Count(b.ID); stored != 0 || rows != 0 {
			t.Fatalf("duplicate: count %d rows %d, want 0", stored, rows)
		}
		_, err = k.Proposals.Support(ctx, k.Person(), b.ID, true)
		wantCode(t, err, errs.Conflict, "proposals.closed_for_support")
		list, _, err := k.Proposals.List(ctx, proposals.Filter{ProgrammeID: p.ID})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("list after merge: %v %v", list, err)
		}
		var audits int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'proposals.merge'").Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("audit entries %d (%v)", audits, err)
		}
	})
}

func TestAnswerHideAndNotifications(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		author := k.Person()
		follower := k.Person()
		pr := k.Proposal(p, author, "Волонтерлер орталығы")
		if err := k.Proposals.Follow(ctx, follower, pr.ID, true); err != nil {
			t.Fatal(err)
		}
		mod := k.Granted("moderator")
		_, err := k.Proposals.SetAnswer(ctx, follower, pr.ID, "accepted", "Ұсыныс жол картасына енгізіледі.")
		wantCode(t, err, errs.Forbidden, "")
		got, err := k.Proposals.SetAnswer(ctx, mod, pr.ID, "accepted", "Ұсыныс жол картасына енгізіледі.")
		if err != nil || got.Status != "accepted" || !strings.Contains(string(got.AnswerHTML), "жол картасына") {
			t.Fatalf("answer: %+v %v", got, err)
		}
		for _, u := range []*auth.User{author, follower} {
			list, err := k.Notify.List(ctx, u.ID, 0, 10)
			if err != nil || len(list) != 1 || list[0].Kind != "answer" {
				t.Fatalf("notifications of %d: %+v %v", u.ID, list, err)
			}
		}
		if err := k.Proposals.Hide(ctx, mod, pr.ID, true, ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("hide without a reason: %v", err)
		}
		if err := k.Proposals.Hide(ctx, mod, pr.ID, true, "Жарнама"); err != nil {
			t.Fatal(err)
		}
		_, err = k.Proposals.SetAnswer(ctx, mod, pr.ID, "rejected", "Бұл ұсыныс қабылданбады.")
		wantCode(t, err, errs.Conflict, "proposals.answer_hidden")
		list, _ := k.Notify.List(ctx, author.ID, 0, 10)
		if len(list) != 2 || list[0].Kind != "hidden" || list[0].Args["reason"] != "Жарнама" {
			t.Fatalf("author not told of hiding: %+v", list)
		}
		var audits int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action IN ('proposals.answer', 'proposals.hidden')").Scan(&audits); err != nil || audits != 2 {
			t.Fatalf("audit entries %d (%v)", audits, err)
		}
	})
}

func TestComments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		author := k.Person()
		pr := k.Proposal(p, author, "Спорт алаңдары")
		other := k.Person()
		c, err := k.Proposals.AddComment(ctx, other, pr.ID, 0, "Қолдаймын!")
		if err != nil {
			t.Fatal(err)
		}
		r, err := k.Proposals.AddComment(ctx, author, pr.ID, c.ID, "Рақмет")
		if err != nil {
			t.Fatal(err)
		}
		// A reply to a reply joins the thread: one level only.
		rr, err := k.Proposals.AddComment(ctx, other, pr.ID, r.ID, "Оқасы жоқ")
		if err != nil || rr.ParentID != c.ID {
			t.Fatalf("reply to reply: %+v %v", rr, err)
		}
		if _, err := k.Proposals.EditComment(ctx, author, c.ID, "өзгерту"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("edit someone else's: %v", err)
		}
		if _, err := k.Proposals.EditComment(ctx, other, c.ID, "Толық қолдаймын!"); err != nil {
			t.Fatal(err)
		}
		k.Clock.Advance(11 * time.Minute)
		_, err = k.Proposals.EditComment(ctx, other, c.ID, "кеш")
		wantCode(t, err, errs.Conflict, "proposals.edit_window_over")
		if err := k.Proposals.Report(ctx, author, pr.ID, c.ID, "Спам"); err != nil {
			t.Fatal(err)
		}
		if err := k.Proposals.Report(ctx, author, pr.ID, c.ID, "Спам"); err != nil {
			t.Fatalf("second report: %v", err)
		}
		cs, err := k.Proposals.Comments(ctx, pr.ID)
		if err != nil || len(cs) != 3 || cs[0].Body != "Толық қолдаймын!" || cs[0].EditedAt == nil {
			t.Fatalf("comments: %+v %v", cs, err)
		}
		got, _ := k.Proposals.Get(ctx, pr.ID)
		if got.CommentCount != 3 {
			t.Fatalf("comment count %d", got.CommentCount)
		}
		notes, _ := k.Notify.List(ctx, author.ID, 0, 10)
		if len(notes) != 2 { // two comments by another person; not the author's own reply
			t.Fatalf("author notifications: %d", len(notes))
		}
	})
}

func TestListSortsFiltersAndPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		authors := append(k.People(7, "KZ-27", "2000-01-01"), k.People(5, "KZ-79", "2000-01-01")...)
		var ids []int64
		for i, a := range authors {
			pr := k.Proposal(p, a, fmt.Sprintf("Ұсыныс нөмірі %02d", i))
			ids = append(ids, pr.ID)
		}
		supporters := k.People(12, "KZ-27", "2000-01-01")
		for i, id := range ids { // proposal i gets i%5 supports
			for _, u := range supporters[:i%5] {
				if _, err := k.Proposals.Support(ctx, u, id, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		walk := func(f proposals.Filter) []*proposals.Proposal {
			var all []*proposals.Proposal
			f.Limit = 5
			for range 10 {
				page, next, err := k.Proposals.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page...)
				if next == "" {
					return all
				}
				f.Cursor = next
			}
			t.Fatal("too many pages")
			return nil
		}
		for _, sort := range proposals.Sorts {
			all := walk(proposals.Filter{ProgrammeID: p.ID, Sort: sort, Seed: 42})
			seen := map[int64]bool{}
			for i, pr := range all {
				if seen[pr.ID] {
					t.Fatalf("%s: %d twice", sort, pr.ID)
				}
				seen[pr.ID] = true
				if sort == "supports" && i > 0 && (all[i-1].SupportCount < pr.SupportCount) {
					t.Fatalf("supports order broken at %d", i)
				}
			}
			if len(all) != 12 {
				t.Fatalf("%s: %d proposals, want 12", sort, len(all))
			}
		}
		r1 := walk(proposals.Filter{ProgrammeID: p.ID, Sort: "random", Seed: 7})
		r2 := walk(proposals.Filter{ProgrammeID: p.ID, Sort: "random", Seed: 7})
		r3 := walk(proposals.Filter{ProgrammeID: p.ID, Sort: "random", Seed: 8})
		same, differs := true, false
		for i := range r1 {
			same = same && r1[i].ID == r2[i].ID
			differs = differs || r1[i].ID != r3[i].ID
		}
		if !same || !differs {
			t.Fatalf("random: same seed same order %v, other seed other order %v", same, differs)
		}
		west := walk(proposals.Filter{ProgrammeID: p.ID, Region: "KZ-79"})
		if len(west) != 5 {
			t.Fatalf("region filter: %d, want 5", len(west))
		}
		found := walk(proposals.Filter{ProgrammeID: p.ID, Q: "ұсыныстар 03"})
		if len(found) != 1 || found[0].ID != ids[3] {
			t.Fatalf("text search: %+v", found)
		}
		if _, _, err := k.Proposals.List(ctx, proposals.Filter{ProgrammeID: p.ID, Sort: "best"}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad sort: %v", err)
		}
	})
}

func TestExportCSVAndXLSX(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		k.Proposal(p, k.Person(), "=HYPERLINK(\"http://evil\")")
		k.Proposal(p, k.Person(), "Жастар үйі")
		var buf strings.Builder
		err := k.Proposals.Export(ctx, k.Person(), p.ID, "csv", "http://x", &buf)
		wantCode(t, err, errs.Forbidden, "")
		mod := k.Granted("moderator")
		if err := k.Proposals.Export(ctx, mod, p.ID, "csv", "http://x", &buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasPrefix(out, "\ufeffid,title") || !strings.Contains(out, "Жастар үйі") || !strings.Contains(out, `"'=HYPERLINK`) {
			t.Fatalf("csv:\n%s", out)
		}
		var x bytes.Buffer
		if err := k.Proposals.Export(ctx, mod, p.ID, "xlsx", "http://x", &x); err != nil || !bytes.HasPrefix(x.Bytes(), []byte("PK")) {
			t.Fatalf("xlsx: %v %d bytes", err, x.Len())
		}
	})
}
