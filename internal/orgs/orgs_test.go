package orgs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

var ctx = context.Background()

type fixture struct {
	env   *apptest.Env
	svc   *orgs.Service
	admin apptest.Person
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	env := apptest.Start(t, d, apptest.Options{})
	a := env.App
	svc := orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Search: a.Search})
	return &fixture{env: env, svc: svc, admin: env.NewPerson("admin")}
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) mustCreate(t *testing.T, parent int64, kind, kk, ru string) *orgs.Org {
	t.Helper()
	o, err := f.svc.Create(ctx, f.admin.User, parent, orgs.Patch{Kind: ptr(kind), Name: &i18n.Text{KK: kk, RU: ru}})
	if err != nil {
		t.Fatalf("create %s: %v", kk, err)
	}
	// Written through the service, not a web request: the search
	// component (the directory's text filter) is told as the web server
	// would tell it; else it looks within search.SyncEvery.
	f.env.App.Search.Touch()
	return o
}

func fieldKeys(err error) map[string]string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		m[f.Name] = f.Key
	}
	return m
}

func TestTreeSearchAndMove(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		city := f.mustCreate(t, 0, "assembly", "Шымкент қаласының Қазақстан халқы Ассамблеясы", "Ассамблея народа Казахстана города Шымкента")
		council := f.mustCreate(t, city.ID, "council", "Қоғамдық келісім кеңесі", "Совет общественного согласия")
		assoc := f.mustCreate(t, council.ID, "ethnocultural_association", "Өзбек этномәдени бірлестігі", "Узбекский этнокультурный центр")
		if assoc.Path != fmt.Sprintf("/%d/%d/%d/", city.ID, council.ID, assoc.ID) {
			t.Fatalf("path %q", assoc.Path)
		}
		// Latin, Cyrillic, with and without Kazakh letters, inflected.
		for _, q := range []string{"Şymkent", "Shymkent", "Шымкент", "шымкенттің", "SHYMKENT assambleiasy", "Шымкента"} {
			list, _, err := f.svc.List(ctx, orgs.Filter{Q: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].ID != city.ID {
				t.Errorf("search %q found %d organizations", q, len(list))
			}
		}
		if list, _, _ := f.svc.List(ctx, orgs.Filter{Q: "Almaty"}); len(list) != 0 {
			t.Errorf("search Almaty found %d", len(list))
		}
		if list, _, _ := f.svc.List(ctx, orgs.Filter{Kind: "council"}); len(list) != 1 || list[0].ID != council.ID {
			t.Errorf("kind filter: %v", list)
		}
		// A cycle is refused and nothing moves.
		err := f.svc.Move(ctx, f.admin.User, city.ID, assoc.ID)
		if fieldKeys(err)["parent_id"] != "orgs.move_cycle" {
			t.Fatalf("move under own descendant: %v", err)
		}
		if err := f.svc.Move(ctx, f.admin.User, council.ID, council.ID); fieldKeys(err)["parent_id"] != "orgs.move_cycle" {
			t.Fatalf("move under itself: %v", err)
		}
		// A real move re-paths the whole subtree.
		other := f.mustCreate(t, 0, "assembly", "Жамбыл облыстық Ассамблеясы", "")
		if err := f.svc.Move(ctx, f.admin.User, council.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, assoc.ID)
		if want := fmt.Sprintf("/%d/%d/%d/", other.ID, council.ID, assoc.ID); got.Path != want {
			t.Fatalf("after move: path %q, want %q", got.Path, want)
		}
		// Deleting an organization with children is refused; archiving
		// them bottom-up works.
		if err := f.svc.Delete(ctx, f.admin.User, council.ID); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("delete with children: %v", err)
		}
		if err := f.svc.Archive(ctx, f.admin.User, council.ID, true); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("archive with active children: %v", err)
		}
		if err := f.svc.Delete(ctx, f.admin.User, assoc.ID); err != nil {
			t.Fatalf("delete a leaf without members: %v", err)
		}
		if err := f.svc.Archive(ctx, f.admin.User, council.ID, true); err != nil {
			t.Fatal(err)
		}
		if list, _, _ := f.svc.List(ctx, orgs.Filter{Kind: "council"}); len(list) != 0 {
			t.Errorf("archived council still in the directory")
		}
	})
}

func TestValidationAndPermissions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		_, err := f.svc.Create(ctx, f.admin.User, 0, orgs.Patch{Kind: ptr("club"), Name: &i18n.Text{KK: " "},
			Region: ptr("KZ-79"), District: ptr("KZ-31-sarysu"), Website: ptr("javascript:alert(1)")})
		got := fieldKeys(err)
		for field, key := range map[string]string{"kind": "validation.invalid_choice", "name.kk": "validation.required",
			"district": "validation.invalid_choice", "contacts.website": "orgs.invalid_website"} {
			if got[field] != key {
				t.Errorf("%s: %q, want %q (all: %v)", field, got[field], key, got)
			}
		}
		root := f.mustCreate(t, 0, "party", "Партия", "")
		// Only platform administrators add top-level organizations; an
		// administrator of root may add below it, not elsewhere.
		p := f.env.NewPerson()
		f.env.Grant(p, root.ID, "admin")
		if _, err := f.svc.Create(ctx, p.User, 0, orgs.Patch{Kind: ptr("party"), Name: &i18n.Text{KK: "Басқа"}}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("org admin creating a top-level organization: %v", err)
		}
		child, err := f.svc.Create(ctx, p.User, root.ID, orgs.Patch{Kind: ptr("party_branch"), Name: &i18n.Text{KK: "Филиал"}})
		if err != nil {
			t.Fatal(err)
		}
		stranger := f.env.NewPerson()
		if _, err := f.svc.Update(ctx, stranger.User, child.ID, orgs.Patch{Name: &i18n.Text{KK: "X"}}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("stranger edits: %v", err)
		}
		if _, err := f.svc.Update(ctx, nil, child.ID, orgs.Patch{Name: &i18n.Text{KK: "X"}}); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("guest edits: %v", err)
		}
		// Audit: every change above is recorded.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'orgs.create'").Scan(&n); err != nil || n != 2 {
			t.Fatalf("audit entries for creates: %d, %v", n, err)
		}
	})
}

func TestRegistrationHistoryAndReport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		city := f.mustCreate(t, 0, "assembly", "Шымкент қалалық Ассамблеясы", "")
		a := f.mustCreate(t, city.ID, "ethnocultural_association", "Корей бірлестігі", "")
		b := f.mustCreate(t, city.ID, "ethnocultural_association", "Әзірбайжан бірлестігі", "")
		f.mustCreate(t, city.ID, "ethnocultural_association", "Татар бірлестігі", "")
		if err := f.svc.AddRegistration(ctx, f.admin.User, a.ID, orgs.RegInput{Number: "1234-1958-02-ОБ", Date: "2015-04-01", Authority: "Оңтүстік Қазақстан облысының әділет департаменті", Status: "registered"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddRegistration(ctx, f.admin.User, a.ID, orgs.RegInput{Number: "5678-1958-02-ОБ", Date: "2019-03-12", Authority: "Шымкент қаласының әділет департаменті", Status: "re_registered"}); err != nil {
			t.Fatal(err)
		}
		// The same number for another organization is refused.
		err := f.svc.AddRegistration(ctx, f.admin.User, b.ID, orgs.RegInput{Number: " 5678-1958-02-об ", Date: "2020-01-01", Status: "registered"})
		if fieldKeys(err)["registration.number"] != "orgs.reg_number_taken" {
			t.Fatalf("duplicate number: %v", err)
		}
		if err := f.svc.AddRegistration(ctx, f.admin.User, b.ID, orgs.RegInput{Number: "9", Date: "2099-01-01"}); fieldKeys(err)["registration.date"] != "validation.date_in_future" {
			t.Fatalf("future date: %v", err)
		}
		regs, err := f.svc.Registrations(ctx, a.ID)
		if err != nil || len(regs) != 2 || regs[0].Status != "re_registered" || regs[1].Status != "registered" {
			t.Fatalf("history: %+v %v", regs, err)
		}
		city, _ = f.svc.Get(ctx, city.ID)
		rep, err := f.svc.RegistrationReport(ctx, city)
		if err != nil {
			t.Fatal(err)
		}
		if rep.ReRegistered != 1 || rep.Registered != 0 || rep.None != 2 || rep.Total != 3 {
			t.Fatalf("report %+v", rep)
		}
	})
}

func TestMemberCountsExactUnderConcurrency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		branch := f.mustCreate(t, 0, "party_branch", "Теміртау қалалық филиалы", "")
		primary := f.mustCreate(t, branch.ID, "primary_organization", "Теміртау Мәдениет сарайы", "")
		council := f.mustCreate(t, branch.ID, "council", "Ардагерлер кеңесі", "")
		const n = 24
		people := make([]apptest.Person, n)
		for i := range people {
			people[i] = f.env.NewPerson()
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := map[int64]int{}
		errc := make(chan error, 2*n)
		for i, p := range people {
			org := primary.ID
			if i%3 == 0 {
				org = council.ID
			}
			// Each person is added twice at once (by id and by email): the
			// constraint lets one through, the other is told they are a member.
			for _, in := range []orgs.MemberInput{{PersonID: p.User.ID}, {Email: p.Email}} {
				wg.Add(1)
				in.Role, in.Since = "member", "2024-01-10"
				go func() {
					defer wg.Done()
					_, err := f.svc.AddMember(ctx, f.admin.User, org, in)
					if fieldKeys(err)["role"] == "orgs.member_exists" {
						err = nil
					} else if err == nil {
						mu.Lock()
						added[p.User.ID]++
						mu.Unlock()
					}
					errc <- err
				}()
			}
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range people {
			if added[p.User.ID] != 1 {
				t.Fatalf("person %d added %d times", p.User.ID, added[p.User.ID])
			}
		}
		check := func(id int64, direct, subtree int) {
			t.Helper()
			o, err := f.svc.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if o.MemberCount != direct || o.SubtreeCount != subtree {
				t.Fatalf("%s: %d members, %d in subtree; want %d, %d", o.Name.KK, o.MemberCount, o.SubtreeCount, direct, subtree)
			}
		}
		check(primary.ID, 16, 16)
		check(council.ID, 8, 8)
		check(branch.ID, 0, 24)
		var rows int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships").Scan(&rows); err != nil || rows != n {
			t.Fatalf("%d membership rows, want %d", rows, n)
		}
		// A second role of the same person does not count them twice.
		if _, err := f.svc.AddMember(ctx, f.admin.User, primary.ID, orgs.MemberInput{PersonID: people[1].User.ID, Role: "chair"}); err != nil {
			t.Fatal(err)
		}
		check(primary.ID, 16, 16)
		// Ending a term keeps the record and lowers the counts up the tree.
		list, _, _, err := f.svc.Members(ctx, f.admin.User, primary.ID, orgs.MemberFilter{Limit: 100})
		if err != nil || len(list) != 17 {
			t.Fatalf("members: %d %v", len(list), err)
		}
		var ended int
		for _, m := range list {
			if m.PersonID == people[2].User.ID {
				if err := f.svc.EndMember(ctx, f.admin.User, primary.ID, m.ID, "2026-03-01"); err != nil { // the last day was yesterday
					t.Fatal(err)
				}
				ended++
			}
		}
		if ended != 1 {
			t.Fatalf("person 2 has %d memberships", ended)
		}
		check(primary.ID, 15, 15)
		check(branch.ID, 0, 23)
		hist, _, _, err := f.svc.Members(ctx, f.admin.User, primary.ID, orgs.MemberFilter{History: true})
		if err != nil || len(hist) != 1 || hist[0].PersonID != people[2].User.ID {
			t.Fatalf("history: %+v %v", hist, err)
		}
		// An end before the start is refused.
		if _, err := f.svc.AddMember(ctx, f.admin.User, primary.ID, orgs.MemberInput{PersonID: people[3].User.ID, Role: "secretary",
			Since: "2025-05-01", Until: "2025-04-01"}); fieldKeys(err)["until"] != "orgs.until_before_since" {
			t.Fatalf("until before since: %v", err)
		}
		// Moving the primary organization moves its members' count.
		other := f.mustCreate(t, 0, "party_branch", "Қарағанды облыстық филиалы", "")
		if err := f.svc.Move(ctx, f.admin.User, primary.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		check(branch.ID, 0, 8)
		check(other.ID, 0, 15)
		// The daily recount agrees with the counts kept along the way.
		if err := f.svc.RecountAll(ctx); err != nil {
			t.Fatal(err)
		}
		check(branch.ID, 0, 8)
		check(other.ID, 0, 15)
		check(primary.ID, 15, 15)
	})
}

func TestMemberListVisibility(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Орал бастауыш ұйымы", "")
		member, hidden, minor, outsider := f.env.NewPerson(), f.env.NewPerson(), f.env.NewPerson("minor"), f.env.NewPerson()
		for _, p := range []apptest.Person{member, hidden, minor} {
			if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: p.User.ID, Role: "member"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.env.App.Auth.SetHidden(ctx, hidden.User, true); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.svc.Members(ctx, outsider.User, org.ID, orgs.MemberFilter{}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("outsider: %v", err)
		}
		if _, _, _, err := f.svc.Members(ctx, nil, org.ID, orgs.MemberFilter{}); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("guest: %v", err)
		}
		names := func(u *apptest.Person) []int64 {
			list, _, _, err := f.svc.Members(ctx, u.User, org.ID, orgs.MemberFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, m := range list {
				ids = append(ids, m.PersonID)
			}
			return ids
		}
		if got := names(&member); len(got) != 1 || got[0] != member.User.ID {
			t.Errorf("a member sees %v: want only themselves (the other hid, the minor has no consent)", got)
		}
		if got := names(&f.admin); len(got) != 2 {
			t.Errorf("an administrator sees %v: want the member and the hidden one", got)
		}
		o, _ := f.svc.Get(ctx, org.ID)
		if o.MemberCount != 2 {
			t.Errorf("member count %d: the minor without consent must not count", o.MemberCount)
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Теміртау Мәдениет сарайы", "")
		existing := f.env.NewPerson()
		minorBirth := f.env.Clock.Now().AddDate(-16, 0, 0).Format("2006-01-02")
		good := "\ufeffАты-жөні;Электрондық пошта;Рөлі;Басталуы;Аяқталуы;Туған күні;Өңір\n" +
			"Гүлнар Есенова;gulnar@example.kz;төраға;2021-02-01;;1980-03-04;Қарағанды облысы\n" +
			"Виктор Пак;viktor@example.kz;заместитель председателя;01.02.2021;;;KZ-35\n" +
			"Қатысушы;" + strings.ToUpper(existing.Email) + ";member;;;;\n" +
			"Жасөспірім Ұлан;ulan@example.kz;мүше;;;" + minorBirth + ";\n" +
			"Ринат Хасанов;rinat@example.kz;қазынашы;2022-01-01;2023-12-31;;\n"
		res, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(good))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 5 || res.Updated != 0 || res.Unchanged != 0 || res.People != 4 || res.Limited != 1 {
			t.Fatalf("first import: %+v", res)
		}
		var role, hash string
		if err := d.QueryRow(ctx, `SELECT m.role, COALESCE(u.password_hash, '') FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE u.email = 'viktor@example.kz'`).Scan(&role, &hash); err != nil || role != "deputy_chair" || hash != "" {
			t.Fatalf("viktor: role %q hash %q %v", role, hash, err)
		}
		o, _ := f.svc.Get(ctx, org.ID)
		if o.MemberCount != 3 { // the ended term and the minor do not count
			t.Fatalf("member count %d after import, want 3", o.MemberCount)
		}
		// The same file again: nothing new.
		res, err = f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(good))
		if err != nil || res.Created != 0 || res.Updated != 0 || res.Unchanged != 5 || res.People != 0 {
			t.Fatalf("re-run: %+v %v", res, err)
		}
		// A bad file: every bad row reported, nothing written.
		var before int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships").Scan(&before)
		bad := "name,email,role,since,until\n" +
			"Жаңа Адам,new1@example.kz,member,2024-01-01,\n" +
			",not-an-email,member,2024-13-01,\n" +
			"Тағы Біреу,new2@example.kz,member,2024-05-01,2024-04-01\n" +
			"Жаңа Адам,new1@example.kz,member,2024-01-01,\n"
		_, err = f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(bad))
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			t.Fatalf("bad file: %v", err)
		}
		want := map[string]bool{"3 name": true, "3 email": true, "3 since": true, "4 until": true, "5 email": true}
		for _, fe := range e.Fields {
			delete(want, fmt.Sprintf("%d %s", fe.Row, fe.Name))
		}
		if len(want) != 0 {
			t.Fatalf("report misses %v; got %+v", want, e.Fields)
		}
		var after, people int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships").Scan(&after)
		d.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE email = 'new1@example.kz'").Scan(&people)
		if after != before || people != 0 {
			t.Fatalf("a bad file wrote: memberships %d → %d, people %d", before, after, people)
		}
		// Unknown headers are reported on row 1.
		_, err = f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte("name,email,position\nA,a@example.kz,x\n"))
		if k := fieldKeys(err); k["position"] != "orgs.import.unknown_column" || k["role"] != "orgs.import.missing_column" {
			t.Fatalf("headers: %v", err)
		}
		// Only administrators import.
		if _, err := f.svc.ImportMembers(ctx, existing.User, org.ID, []byte(good)); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a member importing: %v", err)
		}
	})
}

// A large import refreshes the planner's statistics of the tables it
// filled, so the member list right after it is planned for what is there
// (issue 20: 141–151 ms per request on PostgreSQL until autovacuum caught
// up, 3–8 ms after).
func TestLargeImportRefreshesStatistics(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Үлкен бастауыш ұйым", "")
		var b strings.Builder
		b.WriteString("name,email,role\n")
		for i := range 1200 {
			fmt.Fprintf(&b, "Мүше %d,member%d@example.kz,member\n", i, i)
		}
		if _, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte(b.String())); err != nil {
			t.Fatal(err)
		}
		var analyzed bool
		q := "SELECT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = 'memberships')"
		if d.Dialect == db.Postgres {
			q = "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'memberships' AND schemaname = current_schema()"
		}
		if err := d.QueryRow(ctx, q).Scan(&analyzed); err != nil || !analyzed {
			t.Fatalf("memberships not analyzed after a 1,200-row import (%v)", err)
		}
	})
}
