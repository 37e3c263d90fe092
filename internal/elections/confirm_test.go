package elections_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

var confirmed = url.Values{"confirmed": {"1"}}

// Opening, closing and publishing go through a page that says what will
// happen; closing shows the turnout against the quorum. Nothing changes
// until the page's button is pressed; members get no such page.
func TestElectionStepsAreConfirmed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		s := newElection(t, env, 8, "choose") // open: 8 voters, quorum 50 %
		off := env.Client()
		off.SignIn(s.officer)
		member := env.Client()
		member.SignIn(s.members[0])
		status := func() string {
			var st string
			if err := d.QueryRow(context.Background(), "SELECT status FROM elections WHERE id = ?", s.id).Scan(&st); err != nil {
				t.Fatal(err)
			}
			return st
		}
		// One ballot of 8: the quorum (4) is not reached, and the page says so.
		if r := env.Client().JSON("POST", "/api/v1/elections/"+s.id+"/ballots", token(t, env, s.members[0]), fmt.Sprintf(`{"choices":[%q]}`, s.cands[0])); r.StatusCode != 201 {
			t.Fatalf("ballot: %d %s", r.StatusCode, r.Body)
		}
		waitVoters(t, d, s.id, 1)
		if r := member.PostForm("/ru/elections/"+s.id+"/close", nil); r.StatusCode != 403 {
			t.Fatalf("a member got the close page: %d", r.StatusCode)
		}
		r := off.PostForm("/ru/elections/"+s.id+"/close", nil)
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Проголосовали 1 из 8; кворум (4) не набран") || !strings.Contains(r.Body, `id="confirm-form"`) ||
			!strings.Contains(r.Body, "признаны несостоявшимися") {
			t.Fatalf("close page: %d\n%s", r.StatusCode, r.Body)
		}
		if r := off.PostForm("/en/elections/"+s.id+"/close", nil); !strings.Contains(r.Body, "1 of 8 voted; quorum 4 not reached") {
			t.Fatal("the English close page lacks the turnout")
		}
		if st := status(); st != "open" {
			t.Fatalf("closed without a confirmation: %s", st)
		}
		if r := off.PostForm("/ru/elections/"+s.id+"/close", confirmed); r.StatusCode != 303 || status() != "closed" {
			t.Fatalf("confirmed close: %d, %s", r.StatusCode, status())
		}
		if r := off.PostForm("/kk/elections/"+s.id+"/close", nil); r.StatusCode != 409 {
			t.Fatalf("the close page of a closed election: %d", r.StatusCode)
		}
		r = off.PostForm("/en/elections/"+s.id+"/publish", nil)
		if r.StatusCode != 200 || !strings.Contains(r.Body, "become public to everyone") || status() != "closed" {
			t.Fatalf("publish page: %d %s", r.StatusCode, status())
		}
		if r := off.PostForm("/en/elections/"+s.id+"/publish", confirmed); r.StatusCode != 303 || status() != "published" {
			t.Fatalf("confirmed publish: %d %s", r.StatusCode, status())
		}
	})
}

// waitVoters waits until the ballots written in batches are counted.
func waitVoters(t *testing.T, d *db.DB, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var got int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM election_voters WHERE election_id = ?", id).Scan(&got); err == nil && got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d voters not counted", n)
}

// Voting does not open with more seats than candidates, neither from the
// page nor through the API; an election without a title takes its agenda
// item's.
func TestElectionSanityChecks(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Бастауыш партия ұйымы")
		officer := env.NewPerson()
		env.Grant(officer, org, "moderator")
		otok := token(t, env, officer)
		var members []apptest.Person
		for range 3 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			members = append(members, p)
		}
		c := env.Client()
		r := c.JSON("POST", "/api/v1/elections", otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Кеңес сайлауы"},
			"seats":3,"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, org, org))
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		id := decode[map[string]any](t, r)["id"].(string)
		for _, m := range members[:2] {
			if r := c.JSON("POST", "/api/v1/elections/"+id+"/candidates", otok, fmt.Sprintf(`{"person_id":"%d"}`, m.User.ID)); r.StatusCode != 201 {
				t.Fatalf("candidate: %d %s", r.StatusCode, r.Body)
			}
		}
		off := env.Client()
		off.SignIn(officer)
		if r := off.PostForm("/ru/elections/"+id+"/open", nil); r.StatusCode != 409 || !strings.Contains(r.Body, "Мест (3) больше, чем кандидатов (2)") {
			t.Fatalf("open page with 3 seats, 2 candidates: %d", r.StatusCode)
		}
		if r := off.PostForm("/ru/elections/"+id+"/open", confirmed); r.StatusCode != 409 {
			t.Fatalf("open with 3 seats, 2 candidates: %d", r.StatusCode)
		}
		api := env.Client()
		req := api.JSON("POST", "/api/v1/elections/"+id+"/open", otok, "")
		if req.StatusCode != 409 {
			t.Fatalf("API open with 3 seats, 2 candidates: %d %s", req.StatusCode, req.Body)
		}
		// A third candidate: the page says what opening does, then it opens.
		if r := c.JSON("POST", "/api/v1/elections/"+id+"/candidates", otok, fmt.Sprintf(`{"person_id":"%d"}`, members[2].User.ID)); r.StatusCode != 201 {
			t.Fatalf("candidate: %d", r.StatusCode)
		}
		if r := off.PostForm("/en/elections/"+id+"/open", nil); r.StatusCode != 200 || !strings.Contains(r.Body, "3 candidates for 3 seats") {
			t.Fatalf("open page: %d", r.StatusCode)
		}
		if r := off.PostForm("/en/elections/"+id+"/open", confirmed); r.StatusCode != 303 {
			t.Fatalf("open: %d", r.StatusCode)
		}

		// No title, held under an agenda item: the item's title.
		start := env.Clock.Now().Add(time.Hour)
		mr := c.JSON("POST", "/api/v1/meetings", otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп беру жиналысы"},"kind":"report",
			"format":"in_person","address":"Орал","starts_at":%q,"ends_at":%q,"invite":"members"}`, org,
			start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
		if mr.StatusCode != 201 {
			t.Fatalf("meeting: %d %s", mr.StatusCode, mr.Body)
		}
		mid := decode[map[string]any](t, mr)["id"].(string)
		if r := off.PostForm("/kk/meetings/"+mid+"/agenda", url.Values{"title": {"Тексеру комиссиясын сайлау"}}); r.StatusCode != 303 {
			t.Fatalf("item: %d", r.StatusCode)
		}
		var item int64
		if err := d.QueryRow(context.Background(), "SELECT id FROM meeting_agenda_items WHERE meeting_id = ?", mid).Scan(&item); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"org_id": {fmt.Sprint(org)}, "meeting_id": {mid}, "agenda_item_id": {fmt.Sprint(item)}, "seats": {"1"},
			"method": {"choose"}, "rule": {"plurality"}, "quorum": {"50"}}
		if r := off.PostForm("/kk/elections", form); r.StatusCode != 303 {
			t.Fatalf("election without a title under an item: %d\n%s", r.StatusCode, r.Body)
		}
		var title string
		if err := d.QueryRow(context.Background(), "SELECT title_kk FROM elections WHERE agenda_item_id = ?", item).Scan(&title); err != nil || title != "Тексеру комиссиясын сайлау" {
			t.Fatalf("title %q, %v", title, err)
		}
		// Without a title and without an item: refused, translated.
		form.Del("agenda_item_id")
		form.Del("meeting_id")
		if r := off.PostForm("/ru/elections", form); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-title_kk"`) {
			t.Fatalf("election without a title: %d", r.StatusCode)
		}
	})
}
