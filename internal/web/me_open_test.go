package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
)

// Issue 15, item 2: a person's home shows what is open to them by age,
// region and membership: proposal collections and calls; not what is for
// another age or region.
func TestMeShowsWhatIsOpenToThePerson(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		now := env.Clock.Now()
		open := []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}
		for _, in := range []programmes.Input{
			{Title: i18n.Text{KK: "Алматы жастары", EN: "Almaty youth ideas"}, AgeMin: 14, AgeMax: 35, Regions: []string{"KZ-75"}},
			{Title: i18n.Text{KK: "Бүкіл ел", EN: "Whole country ideas"}, AgeMin: 18, AgeMax: 35},
			{Title: i18n.Text{KK: "Астана жастары", EN: "Astana only ideas"}, AgeMin: 14, AgeMax: 35, Regions: []string{"KZ-71"}},
			{Title: i18n.Text{KK: "Мектеп оқушылары", EN: "Pupils only ideas"}, AgeMin: 14, AgeMax: 17},
		} {
			in.OrgID = org
			in.Directions = []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}}
			in.Phases = open
			if _, err := env.App.Components.Programmes.Create(ctx, admin.User, in); err != nil {
				t.Fatal(err)
			}
		}
		tok, err := env.App.Auth.CreateToken(ctx, admin.User, "t", admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		call := func(title, elig string) {
			t.Helper()
			body := fmt.Sprintf(`{"organization_id":"%d","kind":"contest","title":{"kk":%q,"en":%q},"description":{"kk":"Сипаттама"},
				"eligibility":%s,"form":[{"key":"idea","label":{"kk":"Идея"},"type":"text","required":true}],
				"stages":[{"title":{"kk":"Бірінші кезең"},"opens_at":%q,"closes_at":%q,
				"criteria":[{"key":"q","title":{"kk":"Сапа"},"weight":1,"max":10}],"advance":1,"blind":false,"jurors_per_application":1}]}`,
				org, title, title, elig, now.Add(-time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339))
			req, _ := http.NewRequest("POST", env.URL+"/api/v1/calls", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 201 {
				t.Fatalf("call %s: %d %s", title, res.StatusCode, b)
			}
		}
		call("Startup contest", `{"age_min":18,"age_max":35}`)
		call("Members only contest", fmt.Sprintf(`{"member_of":"%d"}`, org))
		call("Astana only contest", `{"regions":["KZ-71"]}`)

		// A 30-year-old in Almaty (KZ-75), not a member.
		u, _, err := env.App.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Дана", Email: "dana@example.kz", Password: "correct horse battery",
			BirthDate: now.AddDate(-30, 0, 0).Format("2006-01-02"), Region: "KZ-75"})
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.SignIn(apptest.Person{User: u, Email: "dana@example.kz", Password: "correct horse battery"})
		body := c.Get("/en/me").Body
		for _, want := range []string{`id="me-open-collections"`, "Almaty youth ideas", "Whole country ideas", `id="me-calls"`, "Startup contest"} {
			if !strings.Contains(body, want) {
				t.Fatalf("home lacks %q:\n%s", want, body)
			}
		}
		for _, not := range []string{"Astana only ideas", "Pupils only ideas", "Members only contest", "Astana only contest"} {
			if strings.Contains(body, not) {
				t.Fatalf("home shows %q, not open to this person", not)
			}
		}
		// A member sees the members' call too.
		env.Grant(apptest.Person{User: u}, org, "member")
		if body := c.Get("/en/me").Body; !strings.Contains(body, "Members only contest") {
			t.Fatal("a member does not see the members' call")
		}
		// A minor waiting for consent is told why nothing is open yet.
		minor := env.NewPerson("minor")
		mc := env.Client()
		mc.SignIn(minor)
		if body := mc.Get("/en/me").Body; !strings.Contains(body, "Once your parent or guardian consents") || strings.Contains(body, "Startup contest") {
			t.Fatalf("a limited minor's home:\n%s", body)
		}
	})
}
