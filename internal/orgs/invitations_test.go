package orgs_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/orgs"
)

// orgAdmin makes a person an administrator of org (not of the platform)
// and gives them an API token.
func (f *fixture) orgAdmin(t *testing.T, org int64) (apptest.Person, string) {
	t.Helper()
	p := f.env.NewPerson()
	f.env.Grant(p, org, "admin")
	tok, err := f.env.App.Auth.CreateToken(ctx, p.User, "script", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p, tok
}

func sentTo(s *mailtest.Server, addr string) int {
	n := 0
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, addr) {
			n++
		}
	}
	return n
}

// Issue 13, item 2: a limited minor's account made by one organization's
// import, without a guardian, could be imported by another organization's
// administrator with a guardian address of their choice: the "consent" went
// there, and the child was unlocked and made their member. An import now
// never touches the guardian of an account it did not make, nor makes its
// person a member without their acceptance.
func TestImportCannotTakeOverAnotherOrganizationsMinor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		school := f.mustCreate(t, 0, "school", "№ 7 мектеп", "")
		club := f.mustCreate(t, 0, "ngo", "Бөтен клуб", "")
		schoolAdmin, _ := f.orgAdmin(t, school.ID)
		clubAdmin, _ := f.orgAdmin(t, club.ID)
		teen := f.env.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		res, err := f.svc.ImportMembers(ctx, schoolAdmin.User, school.ID, []byte("name,email,role,birth_date\nДиас Ерланұлы,dias@example.kz,member,"+teen+"\n"))
		if err != nil || res.People != 1 || res.Limited != 1 || res.Guardians != 0 {
			t.Fatalf("the school's import: %+v %v", res, err)
		}
		dias, err := f.env.App.Auth.UserByEmail(ctx, "dias@example.kz")
		if err != nil || dias.CreatedByOrg != school.ID || !dias.Limited() {
			t.Fatalf("the school's minor: %+v %v", dias, err)
		}
		// The club names an address of its choosing as the guardian's.
		res, err = f.svc.ImportMembers(ctx, clubAdmin.User, club.ID, []byte("name,email,role,birth_date,guardian_name,guardian_email\n"+
			"Диас Ерланұлы,dias@example.kz,member,"+teen+",Бөтен Адам,taker@example.kz\n"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Guardians != 0 || res.Created != 0 || res.Invited != 1 {
			t.Fatalf("the club's import: %+v, want no guardian request, no membership, one invitation", res)
		}
		time.Sleep(200 * time.Millisecond) // a request would have been sent before the import returned
		if n := sentTo(f.env.Mail, "taker@example.kz"); n != 0 {
			t.Fatalf("the club's address got %d consent requests", n)
		}
		if got, _ := f.env.App.Auth.UserByID(ctx, dias.ID); got.GuardianEmail != "" || !got.Limited() {
			t.Fatalf("the minor's guardian changed to %q (limited %v)", got.GuardianEmail, got.Limited())
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND user_id = ?", club.ID, dias.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the club made the minor its member: %d %v", n, err)
		}
		// Nor through the guardian request: the account is not the club's.
		_, err = f.env.App.Auth.AskGuardian(ctx, clubAdmin.User, club.ID, dias.ID, auth.GuardianInput{Name: "Бөтен Адам", Email: "taker@example.kz"})
		if errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("the club asking for consent: %v", err)
		}
		// Over HTTP too, for the page's form and the API.
		c := f.env.Client()
		c.SignIn(clubAdmin)
		if r := c.PostForm(fmt.Sprintf("/kk/organizations/%d/people/%d/guardian-request", club.ID, dias.ID),
			url.Values{"guardian_name": {"Бөтен Адам"}, "guardian_email": {"taker@example.kz"}}); r.StatusCode != http.StatusNotFound {
			t.Fatalf("the club's form: %d", r.StatusCode)
		}
		// Even when the minor accepts the club's invitation: refused until consent.
		invs, err := f.svc.MyInvitations(ctx, dias)
		if err != nil || len(invs) != 1 || invs[0].OrgID != club.ID {
			t.Fatalf("the minor's invitations: %+v %v", invs, err)
		}
		if _, err := f.svc.AcceptInvitation(ctx, dias, invs[0].ID); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("a limited minor accepting: %v", err)
		}
		// The school, which made the account, names the guardian.
		res, err = f.svc.ImportMembers(ctx, schoolAdmin.User, school.ID, []byte("name,email,role,birth_date,guardian_name,guardian_email\n"+
			"Диас Ерланұлы,dias@example.kz,member,"+teen+",Ерлан Сапаров,erlan@example.kz\n"))
		if err != nil || res.Guardians != 1 || res.Invited != 0 {
			t.Fatalf("the school naming the guardian: %+v %v", res, err)
		}
		f.env.Mail.WaitFor(t, "erlan@example.kz", 10*time.Second)
		// …once: a later file does not replace them.
		res, err = f.svc.ImportMembers(ctx, schoolAdmin.User, school.ID, []byte("name,email,role,birth_date,guardian_name,guardian_email\n"+
			"Диас Ерланұлы,dias@example.kz,member,"+teen+",Басқа Адам,other@example.kz\n"))
		if err != nil || res.Guardians != 0 {
			t.Fatalf("a second guardian: %+v %v", res, err)
		}
		if got, _ := f.env.App.Auth.UserByID(ctx, dias.ID); got.GuardianEmail != "erlan@example.kz" {
			t.Fatalf("guardian now %q", got.GuardianEmail)
		}
	})
}

// Issue 13, item 3: an organization's administrator added any account by
// id and then read its email, birth date and region. Adding an existing
// account now sends an invitation; the organization sees nothing of the
// person until they accept, and the answer is the same for an id or an
// address that has no account.
func TestAddingAnExistingAccountInvites(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Ақтөбе бастауыш ұйымы", "Первичная организация Актобе")
		admin, tok := f.orgAdmin(t, org.ID)
		target := f.env.NewPerson() // born 1995-05-05, region KZ-79
		c := f.env.Client()
		base := fmt.Sprintf("/api/v1/organizations/%d", org.ID)
		add := func(body string) map[string]any {
			t.Helper()
			r := c.JSON("POST", base+"/members", tok, body)
			if r.StatusCode != http.StatusAccepted {
				t.Fatalf("add %s: %d %s", body, r.StatusCode, r.Body)
			}
			for _, leak := range []string{target.Email, target.User.Name, "1995-05-05", "KZ-79"} {
				if strings.Contains(r.Body, leak) && !strings.Contains(strings.ToLower(body), strings.ToLower(leak)) {
					t.Errorf("the answer to %s reveals %q: %s", body, leak, r.Body)
				}
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		known := add(fmt.Sprintf(`{"person_id":"%d","role":"member"}`, target.User.ID))
		unknown := add(`{"person_id":"987654321","role":"member"}`)
		byEmail := add(fmt.Sprintf(`{"email":%q,"role":"delegate"}`, strings.ToUpper(target.Email)))
		nobody := add(`{"email":"nobody@example.kz","role":"delegate"}`)
		shape := func(m map[string]any) string {
			inv := m["invitation"].(map[string]any)
			var keys []string
			for k := range inv {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return fmt.Sprint(m["status"], m["detail"], keys)
		}
		if shape(known) != shape(unknown) || shape(byEmail) != shape(nobody) || known["status"] != "invited" {
			t.Errorf("an existing and a missing account get different answers:\n%v\n%v\n%v\n%v", known, unknown, byEmail, nobody)
		}
		// The organization sees nothing of the person yet.
		notListed := func(when string) {
			t.Helper()
			r := c.JSON("GET", base+"/members", tok, "")
			if r.StatusCode != 200 || strings.Contains(r.Body, target.User.Name) || strings.Contains(r.Body, target.Email) {
				t.Errorf("%s: the member list shows the person: %s", when, r.Body)
			}
			var buf bytes.Buffer
			if err := f.svc.ExportMembers(ctx, admin.User, org.ID, &buf, orgs.CSV); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), target.Email) || strings.Contains(buf.String(), target.User.Name) {
				t.Errorf("%s: the export shows the person:\n%s", when, buf.String())
			}
		}
		notListed("invited")
		r := c.JSON("GET", base+"/invitations", tok, "")
		for _, want := range []string{fmt.Sprintf(`"target":"#%d"`, target.User.ID), `"target":"#987654321"`,
			`"target":"` + target.Email + `"`, `"target":"nobody@example.kz"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("invitations lack %s: %s", want, r.Body)
			}
		}
		if strings.Contains(r.Body, target.User.Name) {
			t.Errorf("the invitation list names the person: %s", r.Body)
		}
		// The person is told (the inbox of the app's registry) and sees both
		// invitations; declining one is theirs alone.
		pc := f.env.Client()
		pc.SignIn(target)
		if b := pc.Get("/kk/inbox").Body; !strings.Contains(b, "Ақтөбе бастауыш ұйымы") {
			t.Errorf("no notification of the invitation in the inbox")
		}
		b := pc.Get("/ru/invitations").Body
		if !strings.Contains(b, "Первичная организация Актобе") || strings.Count(b, "/accept\"") != 2 {
			t.Fatalf("the invitations page:\n%s", b)
		}
		mine, _ := f.svc.MyInvitations(ctx, target.User)
		var memberInv, delegateInv int64
		for _, v := range mine {
			if v.Role == "member" {
				memberInv = v.ID
			} else {
				delegateInv = v.ID
			}
		}
		if r := pc.PostForm(fmt.Sprintf("/kk/invitations/%d/decline", delegateInv), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("decline: %d", r.StatusCode)
		}
		notListed("declined one")
		// Another person cannot accept it for them.
		stranger := f.env.Client()
		stranger.SignIn(f.env.NewPerson())
		if r := stranger.PostForm(fmt.Sprintf("/kk/invitations/%d/accept", memberInv), nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger accepting: %d", r.StatusCode)
		}
		if r := pc.PostForm(fmt.Sprintf("/kk/invitations/%d/accept", memberInv), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
		}
		// Now a member by their own act: contact data shown.
		r = c.JSON("GET", base+"/members", tok, "")
		if !strings.Contains(r.Body, target.User.Name) || !strings.Contains(r.Body, `"email":"`+target.Email+`"`) || !strings.Contains(r.Body, `"source":"invitation"`) {
			t.Errorf("after accepting, the member list: %s", r.Body)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportMembers(ctx, admin.User, org.ID, &buf, orgs.CSV); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), target.User.Name+","+target.Email+",member,,,1995-05-05,KZ-79") {
			t.Errorf("after accepting, the export:\n%s", buf.String())
		}
		if r := c.JSON("GET", base+"/invitations", tok, ""); strings.Contains(r.Body, fmt.Sprintf(`"target":"#%d"`, target.User.ID)) {
			t.Errorf("an accepted invitation is still listed: %s", r.Body)
		}
		if o, _ := f.svc.Get(ctx, org.ID); o.MemberCount != 1 {
			t.Errorf("member count %d after accepting", o.MemberCount)
		}
	})
}

// The web form of an organization's administrator invites as the API does;
// invitations can be withdrawn; an address without an account keeps its
// invitation for whoever signs up with it and confirms it.
func TestMemberFormInvitesAndRevokes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "council", "Аналар кеңесі", "Совет матерей")
		admin, _ := f.orgAdmin(t, org.ID)
		target := f.env.NewPerson()
		c := f.env.Client()
		c.SignIn(admin)
		path := fmt.Sprintf("/kk/organizations/%d/members", org.ID)
		for _, email := range []string{target.Email, "later@example.kz"} {
			if r := c.PostForm(path, url.Values{"email": {email}, "role": {"member"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("the form: %d %s", r.StatusCode, r.Body)
			}
		}
		b := c.Get(path).Body
		if !strings.Contains(b, `id="invitations"`) || !strings.Contains(b, "<td>"+target.Email+"</td>") ||
			!strings.Contains(b, "<td>later@example.kz</td>") || strings.Contains(b, target.User.Name) {
			t.Fatalf("the member page:\n%s", b)
		}
		list, err := f.svc.Invitations(ctx, admin.User, org.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("invitations: %+v %v", list, err)
		}
		var toTarget int64
		for _, v := range list {
			if v.Target == target.Email {
				toTarget = v.ID
			}
		}
		if r := c.PostForm(fmt.Sprintf("/kk/organizations/%d/invitations/%d/revoke", org.ID, toTarget), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if _, err := f.svc.AcceptInvitation(ctx, target.User, toTarget); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("accepting a withdrawn invitation: %v", err)
		}
		// Someone signs up with the invited address: once it is confirmed,
		// the invitation is theirs.
		later, _, err := f.env.App.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Кейін Келген", Email: "later@example.kz", BirthDate: "1990-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := f.svc.MyInvitations(ctx, later)
		if err != nil || len(mine) != 1 {
			t.Fatalf("the later account's invitations: %+v %v", mine, err)
		}
		// Invitations expire after 30 days.
		f.env.Clock.Advance(orgs.InvitationTTL)
		if mine, _ := f.svc.MyInvitations(ctx, later); len(mine) != 0 {
			t.Fatalf("an expired invitation is still open: %+v", mine)
		}
		if list, _ := f.svc.Invitations(ctx, admin.User, org.ID); len(list) != 0 {
			t.Fatalf("expired invitations listed: %+v", list)
		}
	})
}

// Contact data (email, birth date, region) in the member list, its API and
// the export only of people who are members by their own act or whose
// account the organization's import made. A platform administrator still
// adds people at once.
func TestContactDataOnlyByConsentOrCreation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Орал бастауыш ұйымы", "")
		admin, tok := f.orgAdmin(t, org.ID)
		direct := f.env.NewPerson()
		rootTok, err := f.env.App.Auth.CreateToken(ctx, f.admin.User, "root", f.admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.env.Client()
		base := fmt.Sprintf("/api/v1/organizations/%d", org.ID)
		if r := c.JSON("POST", base+"/members", rootTok, fmt.Sprintf(`{"person_id":"%d","role":"member"}`, direct.User.ID)); r.StatusCode != http.StatusCreated {
			t.Fatalf("a platform administrator adding: %d %s", r.StatusCode, r.Body)
		}
		if _, err := f.svc.ImportMembers(ctx, admin.User, org.ID, []byte("name,email,role,birth_date,region\nИмпорт Адам,imported@example.kz,member,1991-02-03,KZ-35\n")); err != nil {
			t.Fatal(err)
		}
		list, _, _, err := f.svc.Members(ctx, admin.User, org.ID, orgs.MemberFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("members: %+v %v", list, err)
		}
		for _, m := range list {
			switch m.PersonID {
			case direct.User.ID:
				if m.Email != "" || m.Source != "platform_admin" {
					t.Errorf("added by a platform administrator: %+v", m)
				}
			default:
				if m.Email != "imported@example.kz" || m.Source != "import" {
					t.Errorf("made by the import: %+v", m)
				}
			}
		}
		r := c.JSON("GET", base+"/members", tok, "")
		if strings.Contains(r.Body, direct.Email) || !strings.Contains(r.Body, "imported@example.kz") || !strings.Contains(r.Body, direct.User.Name) {
			t.Errorf("members API: %s", r.Body)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportMembers(ctx, admin.User, org.ID, &buf, orgs.CSV); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, direct.User.Name+",,member,,,,\n") || strings.Contains(out, direct.Email) || strings.Contains(out, "1995-05-05") {
			t.Errorf("export shows the directly added person's contact data:\n%s", out)
		}
		if !strings.Contains(out, "Импорт Адам,imported@example.kz,member,,,1991-02-03,KZ-35") {
			t.Errorf("export lacks the imported person's data:\n%s", out)
		}
		// The page: the administrator sees the hidden marker, not the address.
		pc := f.env.Client()
		pc.SignIn(admin)
		if b := pc.Get(fmt.Sprintf("/kk/organizations/%d/members", org.ID)).Body; strings.Contains(b, direct.Email) || !strings.Contains(b, "imported@example.kz") {
			t.Errorf("the member page shows the directly added person's address")
		}
		// An organization's administrator adds an account its import made at once.
		r = c.JSON("POST", base+"/members", tok, `{"email":"imported@example.kz","role":"delegate"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("adding the organization's own account: %d %s", r.StatusCode, r.Body)
		}
		// Service callers cannot go round the invitation.
		if _, err := f.svc.AddMember(ctx, admin.User, org.ID, orgs.MemberInput{PersonID: f.env.NewPerson().User.ID, Role: "member"}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("AddMember of someone else's account by an organization's administrator: %v", err)
		}
	})
}

// A membership from before invitations (or written by other code) shows no
// contact data; the person's acceptance of an invitation marks it theirs,
// without a second membership.
func TestInvitationUpgradesLegacyMembership(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "council", "Ақсақалдар кеңесі", "")
		admin, _ := f.orgAdmin(t, org.ID)
		old := f.env.NewPerson()
		f.env.Grant(old, org.ID, "member") // a raw insert: source legacy
		list, _, _, _ := f.svc.Members(ctx, admin.User, org.ID, orgs.MemberFilter{})
		if len(list) != 1 || list[0].Email != "" || list[0].Source != "legacy" {
			t.Fatalf("legacy member: %+v", list)
		}
		_, inv, err := f.svc.AddOrInvite(ctx, admin.User, org.ID, orgs.MemberInput{Email: old.Email, Role: "member"})
		if err != nil || inv == nil {
			t.Fatalf("invite: %v %v", inv, err)
		}
		if _, err := f.svc.AcceptInvitation(ctx, old.User, inv.ID); err != nil {
			t.Fatal(err)
		}
		list, _, _, _ = f.svc.Members(ctx, admin.User, org.ID, orgs.MemberFilter{})
		if len(list) != 1 || list[0].Email != old.Email || list[0].Source != "invitation" {
			t.Fatalf("after accepting: %+v", list)
		}
	})
}

// A platform administrator's import adds existing accounts at once; an
// organization administrator's import invites them.
func TestImportOfExistingAccounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Теміртау бастауыш ұйымы", "")
		admin, _ := f.orgAdmin(t, org.ID)
		a, b := f.env.NewPerson(), f.env.NewPerson()
		file := func(p apptest.Person) []byte {
			return []byte("name,email,role\n" + p.User.Name + "," + p.Email + ",member\nЖаңа Адам,new-" + p.Email + ",member\n")
		}
		res, err := f.svc.ImportMembers(ctx, admin.User, org.ID, file(a))
		if err != nil || res.Invited != 1 || res.Created != 1 || res.People != 1 {
			t.Fatalf("an organization administrator's import: %+v %v", res, err)
		}
		// The same file again: the invitation is renewed, nothing else.
		res, err = f.svc.ImportMembers(ctx, admin.User, org.ID, file(a))
		if err != nil || res.Invited != 1 || res.Created != 0 || res.Unchanged != 1 {
			t.Fatalf("again: %+v %v", res, err)
		}
		if mine, _ := f.svc.MyInvitations(ctx, a.User); len(mine) != 1 {
			t.Fatalf("invitations of the existing account: %+v", mine)
		}
		res, err = f.svc.ImportMembers(ctx, f.admin.User, org.ID, file(b))
		if err != nil || res.Invited != 0 || res.Created != 2 {
			t.Fatalf("a platform administrator's import: %+v %v", res, err)
		}
	})
}

// The 18th birthday lifts the limit in the member list and the counts too,
// with no job and no write.
func TestMinorCountedFromEighteenthBirthday(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "school", "№ 3 колледж", "")
		admin, tok := f.orgAdmin(t, org.ID)
		tomorrow := f.env.Clock.Now().In(time.FixedZone("UTC+5", 5*3600)).AddDate(-18, 0, 1).Format("2006-01-02")
		if _, err := f.svc.ImportMembers(ctx, admin.User, org.ID, []byte("name,email,role,birth_date\n"+
			"Ересек Адам,adult@example.kz,member,1990-01-01\nЕртең Толады,soon@example.kz,member,"+tomorrow+"\n")); err != nil {
			t.Fatal(err)
		}
		c := f.env.Client()
		state := func() (int, string) {
			t.Helper()
			var o struct {
				MemberCount int `json:"member_count"`
			}
			r := c.JSON("GET", fmt.Sprintf("/api/v1/organizations/%d", org.ID), "", "")
			json.Unmarshal([]byte(r.Body), &o)
			return o.MemberCount, c.JSON("GET", fmt.Sprintf("/api/v1/organizations/%d/members", org.ID), tok, "").Body
		}
		if n, list := state(); n != 1 || strings.Contains(list, "soon@example.kz") {
			t.Fatalf("the day before: count %d, list %s", n, list)
		}
		if w, _ := f.svc.WaitingForConsent(ctx, admin.User, org.ID); len(w) != 1 {
			t.Fatalf("waiting for consent: %+v", w)
		}
		f.env.Clock.Advance(24 * time.Hour)
		if n, list := state(); n != 2 || !strings.Contains(list, "soon@example.kz") {
			t.Fatalf("on the birthday: count %d, list %s", n, list)
		}
		if w, _ := f.svc.WaitingForConsent(ctx, admin.User, org.ID); len(w) != 0 {
			t.Fatalf("an adult still waits for consent: %+v", w)
		}
	})
}

// The organization that made a minor's account asks the guardian again
// from its member page, at most once an hour; the consent link works.
func TestOrganizationResendsConsentRequest(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "school", "№ 12 мектеп-гимназиясы", "")
		admin, _ := f.orgAdmin(t, org.ID)
		teen := f.env.Clock.Now().AddDate(-16, 0, 0).Format("2006-01-02")
		if _, err := f.svc.ImportMembers(ctx, admin.User, org.ID, []byte("name,email,role,birth_date,guardian_name,guardian_email\n"+
			"Аяжан Нұрланқызы,ayazhan@example.kz,member,"+teen+",Нұрлан Әлиев,nurlan@example.kz\n")); err != nil {
			t.Fatal(err)
		}
		f.env.Mail.WaitFor(t, "nurlan@example.kz", 10*time.Second)
		c := f.env.Client()
		c.SignIn(admin)
		page := fmt.Sprintf("/kk/organizations/%d/members", org.ID)
		b := c.Get(page).Body
		if !strings.Contains(b, `id="waiting"`) || !strings.Contains(b, "Аяжан Нұрланқызы") || strings.Contains(b, "nurlan@example.kz") {
			t.Fatalf("the waiting list:\n%s", b)
		}
		u, _ := f.env.App.Auth.UserByEmail(ctx, "ayazhan@example.kz")
		resend := fmt.Sprintf("/kk/organizations/%d/people/%d/guardian-request", org.ID, u.ID)
		if r := c.PostForm(resend, nil); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a resend right after the import: %d", r.StatusCode)
		}
		f.env.Clock.Advance(time.Hour)
		if r := c.PostForm(resend, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a resend an hour later: %d %s", r.StatusCode, r.Body)
		}
		deadline := time.Now().Add(10 * time.Second)
		for sentTo(f.env.Mail, "nurlan@example.kz") < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		var last mailtest.Received
		for _, m := range f.env.Mail.Messages() {
			if m.To == "nurlan@example.kz" {
				last = m
			}
		}
		if sentTo(f.env.Mail, "nurlan@example.kz") != 2 || !strings.Contains(last.Text, "№ 12 мектеп-гимназиясы") {
			t.Fatalf("the second request: %d sent, text %q", sentTo(f.env.Mail, "nurlan@example.kz"), last.Text)
		}
		link, _ := url.Parse(mailtest.FindLink(last.Text, f.env.URL+"/kk/consent?token="))
		if r := f.env.Client().PostForm("/kk/consent", url.Values{"token": {link.Query().Get("token")}, "guardian_name": {"Нұрлан Әлиев"}}); r.StatusCode != 200 {
			t.Fatalf("consent: %d", r.StatusCode)
		}
		if w, _ := f.svc.WaitingForConsent(ctx, admin.User, org.ID); len(w) != 0 {
			t.Fatalf("still waiting after consent: %+v", w)
		}
	})
}

// Many administrators inviting the same person at once leave one open
// invitation; the person accepting it from many tabs at once becomes a
// member once.
func TestInvitationsUnderConcurrency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Қостанай бастауыш ұйымы", "")
		admin, _ := f.orgAdmin(t, org.ID)
		target := f.env.NewPerson()
		const n = 16
		var wg sync.WaitGroup
		ids := make([]int64, n)
		errsSeen := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, inv, err := f.svc.AddOrInvite(ctx, admin.User, org.ID, orgs.MemberInput{Email: target.Email, Role: "member"})
				if err == nil {
					ids[i] = inv.ID
				}
				errsSeen[i] = err
			})
		}
		wg.Wait()
		for i, err := range errsSeen {
			if err != nil || ids[i] != ids[0] {
				t.Fatalf("invite %d: id %d (first %d), %v", i, ids[i], ids[0], err)
			}
		}
		var open int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM org_invitations WHERE org_id = ? AND status = 'pending'", org.ID).Scan(&open); err != nil || open != 1 {
			t.Fatalf("%d open invitations, want 1 (%v)", open, err)
		}
		var accepted, gone int
		var mu sync.Mutex
		for range n {
			wg.Go(func() {
				_, err := f.svc.AcceptInvitation(ctx, target.User, ids[0])
				mu.Lock()
				defer mu.Unlock()
				switch errs.CodeOf(err) {
				case "":
					if err == nil {
						accepted++
					} else {
						t.Errorf("accept: %v", err)
					}
				case errs.NotFound:
					gone++
				default:
					t.Errorf("accept: %v", err)
				}
			})
		}
		wg.Wait()
		var members int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND user_id = ?", org.ID, target.User.ID).Scan(&members); err != nil {
			t.Fatal(err)
		}
		if accepted != 1 || gone != n-1 || members != 1 {
			t.Fatalf("accepted %d, refused %d, memberships %d; want 1, %d, 1", accepted, gone, members, n-1)
		}
		if o, _ := f.svc.Get(ctx, org.ID); o.MemberCount != 1 {
			t.Fatalf("member count %d", o.MemberCount)
		}
	})
}
