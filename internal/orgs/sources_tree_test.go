package orgs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/orgs"
)

// A member organization that memberships name is kept unless the
// administrator asks to clear it from those memberships too.
func TestRemoveMemberOrganization(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ppo := f.mustCreate(t, 0, "primary_organization", "Теміртау Мәдениет сарайы бастауыш ұйымы", "")
		uni := f.mustCreate(t, 0, "university", "Теміртау университеті", "Темиртауский университет")
		company := f.mustCreate(t, 0, "company", "ТемірИнжиниринг", "")
		for _, s := range []int64{uni.ID, company.ID} {
			if err := f.svc.AddSource(ctx, f.admin.User, ppo.ID, s); err != nil {
				t.Fatal(err)
			}
		}
		p := f.env.NewPerson()
		if _, err := f.svc.AddMember(ctx, f.admin.User, ppo.ID, orgs.MemberInput{PersonID: p.User.ID, Role: "member", SourceID: uni.ID}); err != nil {
			t.Fatal(err)
		}
		outsider := f.env.NewPerson()
		if err := f.svc.RemoveSource(ctx, outsider.User, ppo.ID, uni.ID, true); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("an outsider removed a member organization: %v", err)
		}
		err := f.svc.RemoveSource(ctx, f.admin.User, ppo.ID, uni.ID, false)
		if k := fieldKeys(err); k["member_organization"] != "orgs.sources.in_use" {
			t.Fatalf("removing a named source: %v", err)
		}
		// A source nobody names goes at once.
		if err := f.svc.RemoveSource(ctx, f.admin.User, ppo.ID, company.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveSource(ctx, f.admin.User, ppo.ID, company.ID, false); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("removing again: %v", err)
		}

		// The page: the refusal is shown next to the list, then with the box ticked it goes.
		c := f.env.Client()
		c.SignIn(f.admin)
		path := fmt.Sprintf("/ru/organizations/%d/member-organizations/%d/delete", ppo.ID, uni.ID)
		r := c.PostForm(path, nil)
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="source-error"`) || !strings.Contains(r.Body, "в 1 записи о членстве") {
			t.Fatalf("refusal page: %d %.3000s", r.StatusCode, r.Body)
		}
		if r := c.PostForm(path, url.Values{"detach": {"1"}}); r.StatusCode != 303 {
			t.Fatalf("remove with detach: %d %s", r.StatusCode, r.Body)
		}
		var src *int64
		var n int
		d.QueryRow(ctx, "SELECT source_org_id FROM memberships WHERE org_id = ? AND user_id = ?", ppo.ID, p.User.ID).Scan(&src)
		d.QueryRow(ctx, "SELECT COUNT(*) FROM member_organizations WHERE org_id = ?", ppo.ID).Scan(&n)
		if src != nil || n != 0 {
			t.Fatalf("after removal: source %v, %d listed", src, n)
		}
		o, _ := f.svc.Get(ctx, ppo.ID)
		if o.MemberCount != 1 {
			t.Errorf("member count changed to %d", o.MemberCount)
		}
		var audits int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'orgs.source.remove' AND org_id = ?", ppo.ID).Scan(&audits)
		if audits != 2 {
			t.Errorf("audit entries: %d", audits)
		}
	})
}

// The tree view: top organizations folded with their first children, the
// rest and the deeper levels a link away.
func TestDirectoryTree(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		wing := f.mustCreate(t, 0, "youth_wing", "«Жастар Рухы» жастар қанаты", "")
		lone := f.mustCreate(t, 0, "ngo", "Ақ жол қоғамдық бірлестігі", "")
		var branches []*orgs.Org
		for i := range 14 {
			branches = append(branches, f.mustCreate(t, wing.ID, "party_branch", fmt.Sprintf("Филиал %02d", i), ""))
		}
		deep := f.mustCreate(t, branches[0].ID, "primary_organization", "Орал бастауыш ұйымы", "")
		if _, err := f.svc.AddMember(ctx, f.admin.User, deep.ID, orgs.MemberInput{PersonID: f.env.NewPerson().User.ID, Role: "member"}); err != nil {
			t.Fatal(err)
		}
		archived := f.mustCreate(t, branches[1].ID, "council", "Мұрағаттағы кеңес", "")
		if err := f.svc.Archive(ctx, f.admin.User, archived.ID, true); err != nil {
			t.Fatal(err)
		}
		r := f.env.Client().Get("/kk/organizations?view=tree")
		if r.StatusCode != 200 {
			t.Fatalf("tree: %d", r.StatusCode)
		}
		body := r.Body
		if !strings.Contains(body, `id="tree"`) || !strings.Contains(body, "<details open><summary>«Жастар Рухы»") {
			t.Fatalf("tree page:\n%.4000s", body)
		}
		for i := range 12 {
			if !strings.Contains(body, fmt.Sprintf(`/organizations/%d"`, branches[i].ID)) {
				t.Errorf("branch %d is not shown", i)
			}
		}
		for _, b := range branches[12:] {
			if strings.Contains(body, fmt.Sprintf(`/organizations/%d"`, b.ID)) {
				t.Errorf("branch %d shown beyond the first twelve", b.ID)
			}
		}
		// Deeper levels are links; an organization with only archived ones below has none.
		if !strings.Contains(body, fmt.Sprintf("view=tree&amp;parent=%d", branches[0].ID)) ||
			strings.Contains(body, fmt.Sprintf("view=tree&amp;parent=%d", branches[1].ID)) ||
			strings.Contains(body, fmt.Sprintf(`/organizations/%d"`, deep.ID)) {
			t.Errorf("deeper levels:\n%.4000s", body)
		}
		if !strings.Contains(body, fmt.Sprintf("view=tree&amp;parent=%d\">Барлығын көру", wing.ID)) {
			t.Errorf("no link to all of the wing's branches")
		}
		// Counts: the wing's subtree has the member below; the lone one is a plain line.
		if !strings.Contains(body, "1 мүше") || strings.Contains(body, "<details open><summary>Ақ жол") {
			t.Errorf("counts or the lone organization:\n%.4000s", body)
		}
		_ = lone
		// One branch's tree, with its crumbs.
		r = f.env.Client().Get(fmt.Sprintf("/kk/organizations?view=tree&parent=%d", branches[0].ID))
		if r.StatusCode != 200 || !strings.Contains(r.Body, fmt.Sprintf(`/organizations/%d"`, deep.ID)) {
			t.Fatalf("branch tree: %d", r.StatusCode)
		}
	})
}

// A member file with a guardian column: the imported minor's guardian is
// asked for consent by email, and the consent lets the minor be counted.
func TestImportAsksGuardians(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "school", "№ 12 мектеп-гимназиясы", "")
		teen := f.env.App.DB.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		file := "ФИО;Почта;Роль;Дата рождения;ФИО родителя;Почта родителя\n" +
			"Әлихан Серіков;alikhan@example.kz;член;" + teen + ";Серік Әлиев;serik@example.kz\n" +
			"Аружан Болатқызы;aruzhan@example.kz;член;" + teen + ";;\n" +
			"Ержан Бекұлы;erzhan@example.kz;член;1990-01-01;Кто-то;не-почта\n"
		_, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(file))
		if k := fieldKeys(err); k["guardian_email"] != "validation.invalid_email" {
			t.Fatalf("bad guardian address: %v", err)
		}
		bad := strings.Replace(file, "Кто-то;не-почта", ";", 1)
		bad = strings.Replace(bad, ";;\n", ";Болат Ахметов;aruzhan@example.kz\n", 1)
		if k := fieldKeys(mustErr(f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(bad)))); k["guardian_email"] != "orgs.import.guardian_self" {
			t.Fatalf("the minor's own address as the guardian's: %v", k)
		}
		good := strings.Replace(file, "Кто-то;не-почта", ";", 1)
		res, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(good))
		if err != nil {
			t.Fatal(err)
		}
		if res.Limited != 2 || res.Guardians != 1 || res.Created != 3 {
			t.Fatalf("result %+v", res)
		}
		m := f.env.Mail.WaitFor(t, "serik@example.kz", 10*time.Second)
		link := mailtest.FindLink(m.Text, f.env.URL+"/kk/consent?token=")
		if link == "" || !strings.Contains(m.Text, "Әлихан Серіков") {
			t.Fatalf("consent email: %q", m.Text)
		}
		// An earlier import's minor without a guardian: a later file with one asks.
		again := "name,email,role,guardian_name,guardian_email\nАружан Болатқызы,aruzhan@example.kz,member,Болат Ахметов,bolat@example.kz\n"
		if res, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(again)); err != nil || res.Guardians != 1 {
			t.Fatalf("second file: %+v %v", res, err)
		}
		f.env.Mail.WaitFor(t, "bolat@example.kz", 10*time.Second)
		// A guardian already asked is not replaced by a later file.
		other := "name,email,role,guardian_name,guardian_email\nӘлихан Серіков,alikhan@example.kz,member,Басқа Адам,other@example.kz\n"
		if res, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(other)); err != nil || res.Guardians != 0 {
			t.Fatalf("third file: %+v %v", res, err)
		}
		// The guardian consents: the minor is counted.
		u, _ := url.Parse(link)
		c := f.env.Client()
		if r := c.PostForm("/kk/consent", url.Values{"token": {u.Query().Get("token")}, "guardian_name": {"Серік Әлиев"}}); r.StatusCode >= 400 {
			t.Fatalf("consent: %d %s", r.StatusCode, r.Body)
		}
		if err := f.svc.RecountAll(ctx); err != nil {
			t.Fatal(err)
		}
		o, _ := f.svc.Get(ctx, org.ID)
		if o.MemberCount != 2 {
			t.Errorf("member count after consent: %d", o.MemberCount)
		}
	})
}

func mustErr(_ orgs.ImportResult, err error) error { return err }
