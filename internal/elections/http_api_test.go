package elections_test

import (
	"bytes"
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

type listedElection struct {
	ID         string            `json:"id"`
	Status     string            `json:"status"`
	Title      map[string]string `json:"title"`
	Candidates []struct {
		PersonID string `json:"person_id"`
		Status   string `json:"status"`
	} `json:"candidates"`
}

// walkElections reads every page of path with limit n, failing on
// duplicates.
func walkElections(t *testing.T, env *apptest.Env, tok, path string, n int) []listedElection {
	t.Helper()
	var all []listedElection
	seen := map[string]bool{}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for pages := 0; pages < 50; pages++ {
		p := path + sep + fmt.Sprintf("limit=%d", n)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := env.Client().JSON("GET", p, tok, "")
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, r.StatusCode, r.Body)
		}
		pg := decode[struct {
			Items      []listedElection `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}](t, r)
		if len(pg.Items) > n {
			t.Fatalf("%s: %d items for limit %d", p, len(pg.Items), n)
		}
		for _, e := range pg.Items {
			if seen[e.ID] {
				t.Fatalf("%s: election %s twice", p, e.ID)
			}
			seen[e.ID] = true
			all = append(all, e)
		}
		if pg.NextCursor == "" {
			return all
		}
		cursor = pg.NextCursor
	}
	t.Fatal("no end to the pages")
	return nil
}

func electionIDs(es []listedElection) string {
	var s []string
	for _, e := range es {
		s = append(s, e.ID)
	}
	return strings.Join(s, ",")
}

func TestElectionsListAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{NoCaches: true})
		a := newElection(t, env, 4, "choose") // open, three accepted candidates
		orgB := env.NewOrg(0, "Жастар қанаты")
		officer, nominator, nominee := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(officer, orgB, "moderator")
		env.Grant(nominator, orgB, "member")
		env.Grant(nominee, orgB, "member")
		otok := token(t, env, officer)
		var drafts []string
		for i := range 3 {
			env.Clock.Advance(24 * time.Hour)
			r := env.Client().JSON("POST", "/api/v1/elections", otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Сайлау %d","ru":"Выборы %d"},
				"seats":1,"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, orgB, i, i, orgB))
			if r.StatusCode != 201 {
				t.Fatalf("create: %d %s", r.StatusCode, r.Body)
			}
			drafts = append(drafts, decode[map[string]any](t, r)["id"].(string))
		}
		// A member's nomination of someone else waits for the nominee.
		if r := env.Client().JSON("POST", "/api/v1/elections/"+drafts[0]+"/candidates", token(t, env, nominator),
			fmt.Sprintf(`{"person_id":"%d"}`, nominee.User.ID)); r.StatusCode != 201 || !strings.Contains(r.Body, `"status":"nominated"`) {
			t.Fatalf("nominate: %d %s", r.StatusCode, r.Body)
		}
		newest := []string{drafts[2], drafts[1], drafts[0], a.id}

		// Everyone gets every election, newest first, across pages with
		// no gap or duplicate; the waiting nomination only where the
		// election's page shows it.
		readers := map[string]struct {
			tok     string
			pending bool
		}{"guest": {"", false}, "other member": {token(t, env, a.members[0]), false}, "officer": {otok, true},
			"nominator": {token(t, env, nominator), true}, "nominee": {token(t, env, nominee), true}}
		for who, rd := range readers {
			for _, n := range []int{1, 3, 50} {
				got := walkElections(t, env, rd.tok, "/api/v1/elections", n)
				if electionIDs(got) != strings.Join(newest, ",") {
					t.Fatalf("%s, limit %d: %s, want %s", who, n, electionIDs(got), strings.Join(newest, ","))
				}
				if len(got[3].Candidates) != 3 {
					t.Fatalf("%s: open election's candidates %+v", who, got[3].Candidates)
				}
				if pending := len(got[2].Candidates) == 1 && got[2].Candidates[0].Status == "nominated"; pending != rd.pending ||
					(!rd.pending && len(got[2].Candidates) != 0) {
					t.Fatalf("%s sees %+v", who, got[2].Candidates)
				}
			}
			// The election's own endpoint agrees.
			r := env.Client().JSON("GET", "/api/v1/elections/"+drafts[0], rd.tok, "")
			if strings.Contains(r.Body, `"status":"nominated"`) != rd.pending {
				t.Fatalf("%s: GET election: %s", who, r.Body)
			}
		}
		// Shape: ids as strings, every language key.
		r := env.Client().JSON("GET", "/api/v1/elections?limit=1", "", "")
		if !strings.Contains(r.Body, `"id":"`+drafts[2]+`"`) || !strings.Contains(r.Body, `"title":{"kk":"Сайлау 2","ru":"Выборы 2","en":""}`) ||
			!strings.Contains(r.Body, fmt.Sprintf(`"organization_id":"%d"`, orgB)) {
			t.Fatalf("shape: %s", r.Body)
		}
		// Documented in the OpenAPI document.
		doc := env.Client().JSON("GET", "/api/v1/openapi.json", "", "")
		var compact bytes.Buffer
		if doc.StatusCode != 200 || json.Compact(&compact, []byte(doc.Body)) != nil {
			t.Fatalf("openapi.json: %d", doc.StatusCode)
		}
		for _, op := range []string{"listElections"} {
			if !strings.Contains(compact.String(), `"operationId":"`+op+`"`) {
				t.Fatalf("OpenAPI document lacks %s", op)
			}
		}
		// Filters.
		now := env.Clock.Now().UTC()
		for q, want := range map[string][]string{
			fmt.Sprintf("organization_id=%d", a.org):             {a.id},
			fmt.Sprintf("organization_id=%d&status=draft", orgB): newest[:3],
			"status=open":      {a.id},
			"status=draft":     newest[:3],
			"status=published": nil,
			"from=" + url.QueryEscape(now.Add(-36*time.Hour).Format(time.RFC3339)): {drafts[2], drafts[1]},
			"to=" + url.QueryEscape(now.Add(-36*time.Hour).Format(time.RFC3339)):   {drafts[0], a.id},
			"meeting_id=999999": nil,
		} {
			if got := walkElections(t, env, "", "/api/v1/elections?"+q, 2); electionIDs(got) != strings.Join(want, ",") {
				t.Fatalf("%s: %s, want %s", q, electionIDs(got), strings.Join(want, ","))
			}
		}
		for q, field := range map[string]string{"limit=0": "limit", "limit=201": "limit", "cursor=bogus": "cursor",
			"organization_id=x": "organization_id", "meeting_id=0": "meeting_id", "status=maybe": "status", "from=soon": "from"} {
			r := env.Client().JSON("GET", "/api/v1/elections?"+q, "", "")
			if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"`+field+`"`) {
				t.Fatalf("%s: %d %s", q, r.StatusCode, r.Body)
			}
		}
	})
}
