package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Readers in different states never see each other's parts of a page.
//
// Two nodes serve one database: one with every cache on (guests' pages,
// shared fragments, counts, remembered sessions and roles — production's
// settings), one with none. Seven readers — a guest, someone signed in with
// no relation, a minor without a guardian's consent, a member, the author
// of the proposals, a moderator and a platform administrator — read the hot
// pages from both, in one order and then in the reverse one, so that each
// page's shared parts are filled first by the most and by the least
// privileged reader. Every answer of the caching node must be the very page
// the plain node renders for the same reader: a reader shown a part made
// for another (a moderator's form, someone's support mark, a name only
// members may see, a hidden proposal) fails here.
func TestReadersNeverSeeEachOthersParts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		cached := apptest.Start(t, d, apptest.Options{})
		plain := apptest.Start(t, d, apptest.Options{NoCaches: true})
		ctx := context.Background()

		org := cached.NewOrg(0, "Орал қаласының жастар қанаты")
		people := map[string]apptest.Person{
			"signed_in": cached.NewPerson(),
			"minor":     cached.NewPerson("minor"),
			"member":    cached.NewPerson(),
			"author":    cached.NewPerson(),
			"moderator": cached.NewPerson(),
			"admin":     cached.NewPerson("admin"),
		}
		cached.Grant(people["member"], org, "member")
		cached.Grant(people["author"], org, "member")
		cached.Grant(people["moderator"], org, "moderator")
		tok := map[string]string{}
		for name, p := range people {
			if name == "minor" {
				continue // a minor without consent gets no token
			}
			tk, err := cached.App.Auth.CreateToken(ctx, p.User, "test", p.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			tok[name] = tk
		}
		api := func(who, method, path, body string, want int) map[string]any {
			t.Helper()
			r := cached.Client().JSON(method, path, tok[who], body)
			if r.StatusCode != want {
				t.Fatalf("%s %s as %s: %d %s", method, path, who, r.StatusCode, r.Body)
			}
			var v map[string]any
			json.Unmarshal([]byte(r.Body), &v)
			return v
		}
		now := cached.Clock.Now()
		prog := api("admin", "POST", "/api/v1/programmes", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жастар бастамалары"},
			"description":{"kk":"Ұсыныстар жинау"},"age_min":14,"age_max":60,"regions":["KZ-79"],"directions":[{"title":{"kk":"Білім"}}],
			"phases":[{"kind":"proposals","starts_at":%q,"ends_at":%q}]}`, org, now.Add(-time.Hour).Format(time.RFC3339), now.Add(240*time.Hour).Format(time.RFC3339)), 201)
		pid := prog["id"].(string)
		dir := prog["directions"].([]any)[0].(map[string]any)["id"].(string)
		propose := func(who, title string) string {
			return api(who, "POST", "/api/v1/programmes/"+pid+"/proposals", fmt.Sprintf(`{"title":%q,"body":"Ауылдағы жастарға спорт алаңы керек.","direction_id":%q,"region":"KZ-79"}`,
				title, dir), 201)["id"].(string)
		}
		open, hidden := propose("author", "Ауылға спорт алаңы"), propose("author", "Жабық ұсыныс")
		propose("member", "Кітапхана жаңарту")
		api("member", "PUT", "/api/v1/proposals/"+open+"/support", "", 200)
		api("author", "PUT", "/api/v1/proposals/"+open+"/support", "", 200)
		own := api("author", "POST", "/api/v1/proposals/"+open+"/comments", `{"body":"Автордың түсініктемесі"}`, 201)["id"].(string)
		reply := api("member", "POST", "/api/v1/proposals/"+open+"/comments", fmt.Sprintf(`{"body":"Мүшенің жауабы","parent_id":%q}`, own), 201)["id"].(string)
		api("member", "POST", "/api/v1/proposals/"+open+"/comments", `{"body":"Жасырылатын пікір"}`, 201)
		mod := cached.Client()
		mod.SignIn(people["moderator"])
		var spam int64
		if err := cached.App.DB.QueryRow(ctx, "SELECT MAX(id) FROM proposal_comments").Scan(&spam); err != nil {
			t.Fatal(err)
		}
		if r := mod.PostForm(fmt.Sprintf("/kk/comments/%d/hide", spam), url.Values{"reason": {"Тақырыптан тыс"}}); r.StatusCode != 303 {
			t.Fatalf("hide comment: %d %s", r.StatusCode, r.Body)
		}
		if r := mod.PostForm("/kk/proposals/"+hidden+"/hide", url.Values{"hide": {"1"}, "reason": {"Қайталау"}}); r.StatusCode != 303 {
			t.Fatalf("hide proposal: %d %s", r.StatusCode, r.Body)
		}
		meeting := api("moderator", "POST", "/api/v1/meetings", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп беру жиналысы"},"kind":"report",
			"format":"hybrid","address":"Орал қ., Достық даңғылы, 12","online_url":"https://meet.example.kz/secret","starts_at":%q,"ends_at":%q,"invite":"members"}`,
			org, now.Add(24*time.Hour).Truncate(time.Hour).Format(time.RFC3339), now.Add(26*time.Hour).Truncate(time.Hour).Format(time.RFC3339)), 201)["id"].(string)
		api("member", "POST", "/api/v1/meetings/"+meeting+"/questions", `{"body":"Жастар орталығы қашан ашылады?"}`, 201)

		pages := []string{
			"/kk/proposals/" + open,
			"/kk/proposals/" + open + "?reply=" + reply,
			"/kk/proposals/" + open + "?edit=" + own,
			fmt.Sprintf("/kk/proposals/%s?hide=%s", open, reply),
			"/ru/proposals/" + open,
			"/kk/proposals/" + hidden,
			"/kk/programmes/" + pid + "/proposals",
			"/kk/programmes/" + pid + "/proposals?sort=newest",
			"/kk/programmes/" + pid,
			"/kk/meetings/" + meeting,
			"/kk/meetings",
			fmt.Sprintf("/kk/organizations/%d", org),
			fmt.Sprintf("/kk/organizations/%d/members", org),
		}
		readers := []string{"guest", "signed_in", "minor", "member", "author", "moderator", "admin"}
		clients := map[string][2]*apptest.Client{}
		for _, name := range readers {
			c, p := cached.Client(), plain.Client()
			if name != "guest" {
				c.SignIn(people[name])
				p.SignIn(people[name])
			}
			clients[name] = [2]*apptest.Client{c, p}
		}
		// What must differ between readers does: the test would be empty if
		// every reader got the same page.
		seen := map[string]map[string]bool{}
		for round, order := range [][]string{readers, reversed(readers)} {
			for _, page := range pages {
				for _, who := range order {
					got, want := clients[who][0].Get(page), clients[who][1].Get(page)
					if got.StatusCode != want.StatusCode || got.Body != want.Body {
						t.Errorf("round %d, %s as %s: the caching node answered %d (%d bytes), the plain one %d (%d bytes)\n%s",
							round, page, who, got.StatusCode, len(got.Body), want.StatusCode, len(want.Body), firstDiff(got.Body, want.Body))
						continue
					}
					if seen[page] == nil {
						seen[page] = map[string]bool{}
					}
					seen[page][fmt.Sprint(want.StatusCode, len(want.Body), want.Body)] = true
				}
			}
		}
		for _, page := range pages[:1] {
			if len(seen[page]) < 5 {
				t.Errorf("%s: only %d different pages for %d readers", page, len(seen[page]), len(readers))
			}
		}
		// The parts that tell readers apart are where they belong.
		for who, wantLink := range map[string]bool{"guest": false, "signed_in": false, "minor": false, "member": true, "moderator": true} {
			body := clients[who][0].Get("/kk/meetings/" + meeting).Body
			if got := strings.Contains(body, "meet.example.kz/secret"); got != wantLink {
				t.Errorf("meeting page as %s: online link shown %v", who, got)
			}
		}
		for who, status := range map[string]int{"guest": 404, "member": 404, "author": 200, "moderator": 200} {
			if r := clients[who][0].Get("/kk/proposals/" + hidden); r.StatusCode != status {
				t.Errorf("hidden proposal as %s: %d, want %d", who, r.StatusCode, status)
			}
		}
	})
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("caching: …%s…\nplain:   …%s…", a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}
