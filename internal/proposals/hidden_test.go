package proposals_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/roadmap"
)

// A proposal hidden by a moderator is hidden from everyone but its author
// (who sees that it was hidden and why) and the moderators: its page, the
// API, its comments and file are "not found" for others, and its title,
// author and official answer leave the lists, the roadmap and the
// moderators' export — at once, though guests' pages and the shared
// parts of pages were cached before the hide.
func TestHiddenProposalOnlyForAuthorAndModerators(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = 10 * time.Minute }})
		a := env.App
		s := &a.Components
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, mod, author, member := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		env.Grant(mod, org, "moderator")
		env.Grant(member, org, "member")
		now := env.Clock.Now()
		p, err := s.Programmes.Create(ctx, admin.User, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
			Directions: []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}},
			Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		const title, answer, reason = "Ауылға спорт алаңы керек", "Қабылданды: келесі жылы саламыз.", "Жарнама сілтемесі бар"
		pr, err := s.Proposals.Create(ctx, author.User, p.ID, proposals.NewProposal{Title: title, Body: "Ауылдағы балаларға ойнайтын жер жоқ.",
			DirectionID: p.Directions[0].ID, Region: "KZ-79", Attachment: &proposals.Attachment{Name: "жоспар.pdf", Data: []byte("%PDF-1.4 fake")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Proposals.SetAnswer(ctx, mod.User, pr.ID, "accepted", answer); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Roadmap.Create(ctx, admin.User, p.ID, roadmap.ItemInput{Title: i18n.Text{KK: "Спорт алаңдары"}}, pr.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Proposals.AddComment(ctx, member.User, pr.ID, 0, "Өте керек нәрсе, қолдаймын."); err != nil {
			t.Fatal(err)
		}
		clients := map[string]*apptest.Client{"guest": env.Client()}
		tokens := map[string]string{"guest": ""}
		for name, who := range map[string]apptest.Person{"moderator": mod, "author": author, "member": member} {
			c := env.Client()
			c.SignIn(who)
			clients[name], tokens[name] = c, token(t, env, who)
		}
		page := fmt.Sprintf("/kk/proposals/%d", pr.ID)
		list := fmt.Sprintf("/kk/programmes/%d/proposals", p.ID)
		roadmapPage := fmt.Sprintf("/kk/programmes/%d/roadmap", p.ID)
		apiGet := fmt.Sprintf("/api/v1/proposals/%d", pr.ID)
		apiList := fmt.Sprintf("/api/v1/programmes/%d/proposals", p.ID)
		apiComments := apiGet + "/comments"
		// Everyone reads it once: guests' pages and shared parts cached.
		for name, c := range clients {
			for _, path := range []string{page, list, roadmapPage} {
				if r := c.Get(path); r.StatusCode != 200 || !strings.Contains(r.Body, title) {
					t.Fatalf("%s before hiding, %s: %d", name, path, r.StatusCode)
				}
			}
		}

		if r := clients["moderator"].PostForm(page+"/hide", url.Values{"hide": {"1"}, "reason": {reason}}); r.StatusCode != 303 {
			t.Fatalf("hide: %d", r.StatusCode)
		}

		for _, name := range []string{"guest", "member"} {
			c, tok := clients[name], tokens[name]
			r := c.Get(page)
			if r.StatusCode != 404 || strings.Contains(r.Body, title) || strings.Contains(r.Body, answer) ||
				strings.Contains(r.Body, author.User.Name) || strings.Contains(r.Body, reason) {
				t.Errorf("%s: the page of a hidden proposal: %d\n%s", name, r.StatusCode, r.Body)
			}
			for _, path := range []string{list, roadmapPage} {
				if r := c.Get(path); r.StatusCode != 200 || strings.Contains(r.Body, title) {
					t.Errorf("%s: %s still names the hidden proposal (%d)", name, path, r.StatusCode)
				}
			}
			if r := c.Get(page + "/attachment"); r.StatusCode != 404 {
				t.Errorf("%s: the file of a hidden proposal: %d", name, r.StatusCode)
			}
			for _, path := range []string{apiGet, apiComments} {
				if r := env.Client().JSON("GET", path, tok, ""); r.StatusCode != 404 || strings.Contains(r.Body, title) || strings.Contains(r.Body, answer) {
					t.Errorf("%s: API %s: %d %s", name, path, r.StatusCode, r.Body)
				}
			}
			if r := env.Client().JSON("GET", apiList, tok, ""); r.StatusCode != 200 || strings.Contains(r.Body, title) {
				t.Errorf("%s: API list: %d %s", name, r.StatusCode, r.Body)
			}
		}
		for _, name := range []string{"author", "moderator"} {
			c, tok := clients[name], tokens[name]
			r := c.Get(page)
			if r.StatusCode != 200 || !strings.Contains(r.Body, title) || !strings.Contains(r.Body, `id="hidden-note"`) ||
				!strings.Contains(r.Body, reason) || !strings.Contains(r.Body, answer) {
				t.Errorf("%s: their hidden proposal's page: %d", name, r.StatusCode)
			}
			if r := c.Get(page + "/attachment"); r.StatusCode != 200 {
				t.Errorf("%s: their hidden proposal's file: %d", name, r.StatusCode)
			}
			r = env.Client().JSON("GET", apiGet, tok, "")
			if r.StatusCode != 200 || !strings.Contains(r.Body, `"hidden":true`) || !strings.Contains(r.Body, `"hidden_reason":"`+reason+`"`) {
				t.Errorf("%s: API: %d %s", name, r.StatusCode, r.Body)
			}
			if r := env.Client().JSON("GET", apiComments, tok, ""); r.StatusCode != 200 {
				t.Errorf("%s: API comments: %d", name, r.StatusCode)
			}
		}
		// The moderators' export leaves it out, as lists do.
		var buf strings.Builder
		if err := s.Proposals.Export(ctx, mod.User, p.ID, "csv", "http://x", &buf); err != nil || strings.Contains(buf.String(), title) {
			t.Errorf("export: %v\n%s", err, buf.String())
		}
		// Shown again: back for everyone.
		if r := clients["moderator"].PostForm(page+"/hide", url.Values{"hide": {"0"}}); r.StatusCode != 303 {
			t.Fatalf("unhide: %d", r.StatusCode)
		}
		if r := clients["guest"].Get(page); r.StatusCode != 200 || !strings.Contains(r.Body, title) {
			t.Errorf("guest after unhiding: %d", r.StatusCode)
		}
	})
}

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
