package proposals_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
)

// The list's text filter is the search component's (issue 17, item 9):
// Latin typed without Kazakh letters and inflected forms find Cyrillic
// proposals, in every order of the list, whether the matches are named
// to the database or the list is walked; a hidden proposal stays hidden.
func TestListTextFilterIsTheSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		s := &env.App.Components
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, mod, author := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		env.Grant(mod, org, "moderator")
		now := env.Clock.Now()
		p, err := s.Programmes.Create(ctx, admin.User, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
			Directions: []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}},
			Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		create := func(title, body string) int64 {
			t.Helper()
			env.Clock.Advance(time.Second)
			pr, err := s.Proposals.Create(ctx, author.User, p.ID, proposals.NewProposal{Title: title, Body: body,
				DirectionID: p.Directions[0].ID, Region: "KZ-79"})
			if err != nil {
				t.Fatal(err)
			}
			return pr.ID
		}
		bike := create("Шымкентте велосипед жолдары керек", "Қалада жастар велосипедпен жүреді, бірақ жолдары жоқ, қауіпті.")
		park := create("Оралда жаңа саябақ", "Балаларға ойын алаңы керек, ағаштар отырғызу керек.")
		schools := create("Шымкенттің мектептеріне компьютерлер", "Мектептерде техника ескі, балалар оқи алмайды.")
		for i := range 6 {
			create(fmt.Sprintf("Ақтөбедегі жоба %d", i), "Жастар орталығын ашу керек, кітапхана да болсын.")
		}
		// Written through the service, not a web request: the node is told
		// as its web server would tell it (else it looks within
		// search.SyncEvery).
		env.App.Search.Touch()
		list := func(q, sort string) []int64 {
			t.Helper()
			var ids []int64
			cursor := ""
			for range 20 {
				page, next, err := s.Proposals.List(ctx, proposals.Filter{ProgrammeID: p.ID, Q: q, Sort: sort, Limit: 1, Cursor: cursor})
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				for _, x := range page {
					ids = append(ids, x.ID)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			slices.Sort(ids)
			return ids
		}
		check := func(when string, cases map[string][]int64) {
			t.Helper()
			for _, walk := range []struct{ dense, window, windows int }{{1000, 2, 2}, {0, 2, 10}, {0, 1, 1}} {
				restore := proposals.SetDenseLimit(walk.dense, walk.window, walk.windows)
				for q, want := range cases {
					for _, sort := range proposals.Sorts {
						if got := list(q, sort); !slices.Equal(got, want) {
							t.Errorf("%s, walk %v, sort %s: %q finds %v, want %v", when, walk, sort, q, got, want)
						}
					}
				}
				restore()
			}
		}
		check("before hiding", map[string][]int64{
			"Symkent":        {bike, schools}, // Latin without Kazakh letters
			"shymkent velo":  {bike},          // the last word as typed so far
			"мектептерінде":  {schools},       // inflected
			"saiabak":        {park},          // саябақ in Latin
			"velosiped Oral": {},              // every word must match
			"Oral":           {park},
			"Алматы":         {},
		})
		// Hidden by a moderator: gone from the filtered list, at once.
		c := env.Client()
		c.SignIn(mod)
		if r := c.PostForm(fmt.Sprintf("/kk/proposals/%d/hide", schools), url.Values{"hide": {"1"}, "reason": {"Қайталау"}}); r.StatusCode != 303 {
			t.Fatalf("hide: %d", r.StatusCode)
		}
		check("after hiding", map[string][]int64{"Symkent": {bike}, "мектептер": {}})
		// The page: the same filter, a clear answer for a query too long.
		r := env.Client().Get(fmt.Sprintf("/kk/programmes/%d/proposals?q=%s", p.ID, url.QueryEscape("Symkent")))
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Шымкентте велосипед") || strings.Contains(r.Body, "Шымкенттің мектептеріне") {
			t.Fatalf("the list page filtered: %d", r.StatusCode)
		}
		if r := env.Client().Get(fmt.Sprintf("/kk/programmes/%d/proposals?q=%s", p.ID, strings.Repeat("ш", 201))); r.StatusCode != 422 {
			t.Errorf("a query too long: %d", r.StatusCode)
		}
	})
}
