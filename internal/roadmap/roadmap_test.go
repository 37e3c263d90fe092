package roadmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/roadmap"
)

var ctx = context.Background()

func code(t *testing.T, err error, want errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func audited(t *testing.T, d *db.DB, action string, id int64) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?", action, fmt.Sprint(id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEditAndDeleteItem: administrators edit an item (its status and
// progress stay) and delete it with its links and updates; the proposal
// stays answered; each change is in the audit log; others are refused.
func TestEditAndDeleteItem(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		pr := k.Proposal(p, k.Person(), "Ауыл мектептеріне интернет")
		if _, err := k.Proposals.SetAnswer(ctx, admin, pr.ID, "accepted", "Қабылданды, жол картасына енеді."); err != nil {
			t.Fatal(err)
		}
		it, err := k.Roadmap.Create(ctx, admin, p.ID, roadmap.ItemInput{Title: i18n.Text{KK: "Мектептерді қосу"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Roadmap.Link(ctx, admin, it.ID, pr.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Roadmap.Progress(ctx, admin, it.ID, "in_progress", 40, "Басталды"); err != nil {
			t.Fatal(err)
		}
		child := k.NewOrg(k.Org)
		in := roadmap.ItemInput{Title: i18n.Text{KK: " Мектептерді интернетке қосу ", RU: "Подключить школы"}, DirectionID: p.Directions[1].ID,
			ResponsibleID: child, Deadline: "2027-06-30", Status: "done", Progress: 100}
		_, err = k.Roadmap.Update(ctx, k.Person(), it.ID, in)
		code(t, err, errs.Forbidden)
		got, err := k.Roadmap.Update(ctx, admin, it.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title.KK != "Мектептерді интернетке қосу" || got.ResponsibleID != child || got.Deadline != "2027-06-30" ||
			got.DirectionID != p.Directions[1].ID || got.Status != "in_progress" || got.Progress != 40 || len(got.Links) != 1 {
			t.Fatalf("after edit: %+v", got)
		}
		bad := in
		bad.Title, bad.Deadline, bad.ResponsibleID, bad.DirectionID = i18n.Text{}, "31.12.2027", 999999, 999999
		_, err = k.Roadmap.Update(ctx, admin, it.ID, bad)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 3 {
			t.Fatalf("invalid edit: %v", err)
		}
		bad = in
		bad.ResponsibleID = 999999
		_, err = k.Roadmap.Update(ctx, admin, it.ID, bad)
		code(t, err, errs.Invalid)
		if n := audited(t, d, "roadmap.update", it.ID); n != 1 {
			t.Fatalf("%d roadmap.update entries", n)
		}

		_, err = k.Roadmap.Delete(ctx, k.Granted("moderator"), it.ID)
		code(t, err, errs.Forbidden)
		if _, err := k.Roadmap.Delete(ctx, admin, it.ID); err != nil {
			t.Fatal(err)
		}
		_, err = k.Roadmap.Get(ctx, it.ID)
		code(t, err, errs.NotFound)
		if refs, err := k.Roadmap.ForProposal(ctx, pr.ID); err != nil || len(refs) != 0 {
			t.Fatalf("links left: %+v %v", refs, err)
		}
		var left int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM roadmap_updates WHERE item_id = ?", it.ID).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d updates left (%v)", left, err)
		}
		if got, _ := k.Proposals.Get(ctx, pr.ID); got.Status != "accepted" {
			t.Fatalf("proposal after delete: %s", got.Status)
		}
		if n := audited(t, d, "roadmap.delete", it.ID); n != 1 {
			t.Fatalf("%d roadmap.delete entries", n)
		}
	})
}

// TestResponsibleChoices lists the owner's tree only, the owner first.
func TestResponsibleChoices(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		child := k.NewOrg(k.Org)
		grandchild := k.NewOrg(child)
		other := k.NewOrg(0)
		orgs, err := k.Roadmap.ResponsibleChoices(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, o := range orgs {
			ids = append(ids, o.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint([]int64{k.Org, child, grandchild}) {
			t.Fatalf("choices %v (other org %d must not be there)", ids, other)
		}
	})
}

// An item created with links gets all of them in the same transaction; if
// one of them cannot be linked, nothing is written.
func TestCreateWithLinksIsAllOrNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		accepted := k.Proposal(p, k.Person(), "Жастар орталығы")
		if _, err := k.Proposals.SetAnswer(ctx, admin, accepted.ID, "accepted", "Қабылданды."); err != nil {
			t.Fatal(err)
		}
		pending := k.Proposal(p, k.Person(), "Велосипед жолы")
		items := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM roadmap_items").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		_, err := k.Roadmap.Create(ctx, admin, p.ID, roadmap.ItemInput{Title: i18n.Text{KK: "Орталық ашу"}}, accepted.ID, pending.ID)
		code(t, err, errs.Invalid)
		if n := items(); n != 0 {
			t.Fatalf("%d items after a refused create", n)
		}
		it, err := k.Roadmap.Create(ctx, admin, p.ID, roadmap.ItemInput{Title: i18n.Text{KK: "Орталық ашу"}}, accepted.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(it.Links) != 1 || it.Links[0].ProposalID != accepted.ID || audited(t, d, "roadmap.link", it.ID) != 1 {
			t.Fatalf("links %+v", it.Links)
		}
	})
}
