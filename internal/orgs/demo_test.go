package orgs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// The registry's demo accounts sign in with their printed passwords and can
// do what their role in the story says.
func TestDemoAccounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		if _, err := demo.Load(ctx, f.env.App); err != nil {
			t.Fatal(err)
		}
		pw := map[string]string{}
		for _, a := range demo.Accounts {
			pw[a.Email] = a.Password
		}
		id := func(nameEN string) int64 {
			var id int64
			if err := d.QueryRow(ctx, "SELECT id FROM organizations WHERE name_en = ?", nameEN).Scan(&id); err != nil {
				t.Fatalf("%s: %v", nameEN, err)
			}
			return id
		}
		asm, palace := id("Shymkent City Assembly of People of Kazakhstan"), id("Temirtau Palace of Culture primary organization")
		council := id("Mothers' Council")
		client := func(email string) *apptest.Client {
			if pw[email] == "" {
				t.Fatalf("%s is not among the demo accounts", email)
			}
			c := f.env.Client()
			c.SignIn(apptest.Person{Email: email, Password: pw[email]})
			return c
		}
		for _, c := range []struct {
			email, path string
			status      int
			has, hasNot string
		}{
			{"secretariat@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/edit", asm), 200, `id="org-form"`, ""},
			{"secretariat@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/members", council), 200, `id="member-form"`, ""},
			{"secretariat@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/edit", palace), 403, "", ""},
			{"temirtau@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/members", palace), 200, `id="member-form"`, ""},
			{"temirtau@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/edit", asm), 403, "", ""},
			{"palace@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/members", palace), 200, `id="members"`, `id="member-form"`},
			{"palace@demo.ortaq.kz", fmt.Sprintf("/kk/organizations/%d/edit", palace), 403, "", ""},
		} {
			r := client(c.email).Get(c.path)
			if r.StatusCode != c.status || (c.has != "" && !strings.Contains(r.Body, c.has)) || (c.hasNot != "" && strings.Contains(r.Body, c.hasNot)) {
				t.Errorf("%s %s: %d", c.email, c.path, r.StatusCode)
			}
		}
		// 420 members, plus the chair and the member who sign in.
		var n int
		d.QueryRow(ctx, "SELECT member_count FROM organizations WHERE id = ?", palace).Scan(&n)
		if n != 422 {
			t.Errorf("palace organization has %d members", n)
		}
	})
}
