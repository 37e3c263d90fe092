package orgs_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

// With the page cache on, the parts of the directory, an organization's
// page and its member list that are the same for everyone are rendered once
// and shared between readers (web.Server.Fragment); what depends on the
// reader must still be the reader's own: administrators' controls, who may
// see the member list at all, hidden people, addresses.
func TestSharedFragmentsKeepReadersApart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		// A lifetime long enough that no copy expires during the test.
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
		a := env.App
		f := &fixture{env: env, svc: orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}),
			admin: env.NewPerson("admin")}
		org := f.mustCreate(t, 0, "primary_organization", "Бірлік бастауыш ұйымы", "Первичная организация Бирлик")
		admin, member, hidden, outsider := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org.ID, "admin")
		// The member joined by accepting an invitation (so the
		// administrators see their address); the hidden one was added by a
		// platform administrator.
		if _, inv, err := f.svc.AddOrInvite(ctx, admin.User, org.ID, orgs.MemberInput{PersonID: member.User.ID, Role: "member"}); err != nil || inv == nil {
			t.Fatalf("invite: %v %v", inv, err)
		} else if _, err := f.svc.AcceptInvitation(ctx, member.User, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: hidden.User.ID, Role: "member"}); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET hidden = TRUE WHERE id = ?", hidden.User.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Signing in is a change (it empties the cache): everyone first.
		clients := map[string]*apptest.Client{}
		for name, p := range map[string]apptest.Person{"root": f.admin, "admin": admin, "member": member, "outsider": outsider} {
			c := env.Client()
			c.SignIn(p)
			clients[name] = c
		}
		get := func(who, path string, status int) string {
			t.Helper()
			r := clients[who].Get(path)
			if r.StatusCode != status {
				t.Fatalf("%s %s: status %d, want %d\n%.1500s", who, path, r.StatusCode, status, r.Body)
			}
			return r.Body
		}
		// A rename made behind the cache's back (not through a request): the
		// old name on a later reader's page shows that reader got the copy.
		rename := func(kk string) {
			t.Helper()
			if _, err := f.svc.Update(ctx, f.admin.User, org.ID, orgs.Patch{Name: &i18n.Text{KK: kk, RU: kk}}); err != nil {
				t.Fatal(err)
			}
		}
		edit := fmt.Sprintf(`/organizations/%d/edit"`, org.ID)
		list := fmt.Sprintf(`/organizations/%d/members"`, org.ID)

		// The organization's page: the administrator makes the copy, then
		// the others read it.
		page := fmt.Sprintf("/ru/organizations/%d", org.ID)
		if b := get("admin", page, 200); !strings.Contains(b, edit) || !strings.Contains(b, list) {
			t.Fatalf("the administrator lacks their controls")
		}
		rename("Бірлік-2")
		b := get("member", page, 200)
		if !strings.Contains(b, "Первичная организация Бирлик") || strings.Contains(b, "Бірлік-2") {
			t.Fatalf("the member did not get the shared copy")
		}
		if strings.Contains(b, edit) || !strings.Contains(b, list) {
			t.Errorf("a member sees administrators' controls, or not the member list link")
		}
		b = get("outsider", page, 200)
		if strings.Contains(b, edit) || strings.Contains(b, list) {
			t.Errorf("a non-member sees administrators' controls or the member list link")
		}
		// The other way round: a copy made by a non-member serves the
		// administrator, who still gets the controls.
		page = fmt.Sprintf("/en/organizations/%d", org.ID)
		if b := get("outsider", page, 200); strings.Contains(b, edit) || !strings.Contains(b, "Бірлік-2") {
			t.Fatalf("outsider's English page: controls or an old copy")
		}
		rename("Бірлік-3")
		if b := get("admin", page, 200); !strings.Contains(b, edit) || !strings.Contains(b, list) || !strings.Contains(b, "Бірлік-2") {
			t.Errorf("the administrator lost their controls on a shared copy")
		}

		// The member list: the administrator's copy shows addresses, the
		// hidden person and the forms; a member's page shows none of them,
		// and a non-member gets no list at all.
		members := fmt.Sprintf("/ru/organizations/%d/members", org.ID)
		b = get("admin", members, 200)
		for _, want := range []string{member.Email, "<td>" + hidden.User.Name + " <small>", `id="member-form"`, "/end\""} {
			if !strings.Contains(b, want) {
				t.Errorf("administrator's member list lacks %q", want)
			}
		}
		rename("Бірлік-4")
		b = get("member", members, 200)
		if !strings.Contains(b, "<td>"+member.User.Name+"<") {
			t.Errorf("a member does not see the list")
		}
		for _, leak := range []string{member.Email, "<td>" + hidden.User.Name + "<", "<td>" + hidden.User.Name + " ", `id="member-form"`, "/end\""} {
			if strings.Contains(b, leak) {
				t.Errorf("a member's list shows %q", leak)
			}
		}
		b = get("outsider", members, 403)
		if strings.Contains(b, "<td>"+member.User.Name) {
			t.Errorf("a non-member sees the members")
		}
		// A member's copy first; the administrator still gets theirs.
		members = fmt.Sprintf("/en/organizations/%d/members", org.ID)
		get("member", members, 200)
		if b := get("admin", members, 200); !strings.Contains(b, member.Email) || !strings.Contains(b, `id="member-form"`) {
			t.Errorf("the administrator got a member's copy of the list")
		}

		// The directory: platform administrators' links are theirs alone.
		dir := "/ru/organizations?kind=primary_organization"
		if b := get("root", dir, 200); !strings.Contains(b, `/ru/organizations/new"`) {
			t.Fatalf("a platform administrator lacks the link to a new organization")
		}
		rename("Бірлік-5")
		b = get("outsider", dir, 200)
		if strings.Contains(b, `/ru/organizations/new"`) || !strings.Contains(b, "Бірлік-4") {
			t.Errorf("a person without the right sees the link, or got no shared copy")
		}
		if !strings.Contains(b, "format=csv&amp;kind=primary_organization") {
			t.Errorf("the export link lost its filter")
		}
	})
}
