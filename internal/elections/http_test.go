package elections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func decode[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.Body)
	}
	return v
}

type setup struct {
	env     *apptest.Env
	org     int64
	officer apptest.Person
	otok    string
	id      string
	cands   []string
	members []apptest.Person
}

// newElection: an organization with n members, an election for 2 seats
// with 3 candidates proposed by the officer, opened.
func newElection(t *testing.T, env *apptest.Env, n int, method string) *setup {
	t.Helper()
	s := &setup{env: env, org: env.NewOrg(0, "Бастауыш партия ұйымы")}
	s.officer = env.NewPerson()
	env.Grant(s.officer, s.org, "moderator")
	s.otok = token(t, env, s.officer)
	for range n {
		p := env.NewPerson()
		env.Grant(p, s.org, "member")
		s.members = append(s.members, p)
	}
	minor := env.NewPerson("minor")
	env.Grant(minor, s.org, "member") // never in the electorate
	c := env.Client()
	r := c.JSON("POST", "/api/v1/elections", s.otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Қалалық конференцияға делегаттар сайлау","ru":"Выборы делегатов на городскую конференцию"},
		"seats":2,"method":%q,"electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, s.org, method, s.org))
	if r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	s.id = decode[map[string]any](t, r)["id"].(string)
	for i := range 3 {
		r := c.JSON("POST", "/api/v1/elections/"+s.id+"/candidates", s.otok, fmt.Sprintf(`{"person_id":"%d"}`, s.members[i].User.ID))
		if r.StatusCode != 201 {
			t.Fatalf("candidate: %d %s", r.StatusCode, r.Body)
		}
		s.cands = append(s.cands, decode[map[string]any](t, r)["id"].(string))
	}
	if r := c.JSON("POST", "/api/v1/elections/"+s.id+"/open", s.otok, ""); r.StatusCode != 200 {
		t.Fatalf("open: %d %s", r.StatusCode, r.Body)
	}
	return s
}

func TestElectionThroughTheAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		s := newElection(t, env, 8, "choose")
		c := env.Client()
		// Codes: officers only; {"items":[{"person_id","name","code"}]}.
		if r := c.JSON("POST", "/api/v1/elections/"+s.id+"/codes", token(t, env, s.members[0]), ""); r.StatusCode != 403 {
			t.Fatalf("member issued codes: %d", r.StatusCode)
		}
		r := c.JSON("POST", "/api/v1/elections/"+s.id+"/codes", s.otok, "")
		codes := decode[struct {
			Items []struct {
				PersonID string `json:"person_id"`
				Name     string `json:"name"`
				Code     string `json:"code"`
			} `json:"items"`
		}](t, r)
		if r.StatusCode != 200 || len(codes.Items) != 8 {
			t.Fatalf("codes: %d, %d items (the minor must not get one)\n%s", r.StatusCode, len(codes.Items), r.Body)
		}
		// Half vote with a code (no token), half with their token.
		for i, it := range codes.Items {
			var r *apptest.Response
			body := fmt.Sprintf(`{"choices":[%q,%q]}`, s.cands[0], s.cands[i%2+1])
			if i%2 == 0 {
				r = c.JSON("POST", "/api/v1/elections/"+s.id+"/ballots", "", strings.TrimSuffix(body, "}")+fmt.Sprintf(`,"code":%q}`, it.Code))
			} else {
				var p apptest.Person
				for _, m := range s.members {
					if fmt.Sprint(m.User.ID) == it.PersonID {
						p = m
					}
				}
				r = c.JSON("POST", "/api/v1/elections/"+s.id+"/ballots", token(t, env, p), body)
			}
			if r.StatusCode != 201 || !strings.Contains(r.Body, `"tracker"`) {
				t.Fatalf("ballot %d: %d %s", i, r.StatusCode, r.Body)
			}
			if r2 := c.JSON("POST", "/api/v1/elections/"+s.id+"/ballots", "", strings.TrimSuffix(body, "}")+fmt.Sprintf(`,"code":%q}`, it.Code)); r2.StatusCode != 409 {
				t.Fatalf("second ballot: %d %s", r2.StatusCode, r2.Body)
			}
		}
		// Errors speak the reader's language.
		bad := c.JSON("POST", "/api/v1/elections/"+s.id+"/ballots", token(t, env, env.NewPerson()), fmt.Sprintf(`{"choices":[%q,%q,%q]}`, s.cands[0], s.cands[1], s.cands[2]))
		if bad.StatusCode != 422 || !strings.Contains(bad.Body, `"field":"choices"`) {
			t.Fatalf("too many choices: %d %s", bad.StatusCode, bad.Body)
		}
		if r := c.JSON("GET", "/api/v1/elections/"+s.id+"/results", "", ""); r.StatusCode != 409 {
			t.Fatalf("results while open: %d", r.StatusCode)
		}
		if r := c.JSON("POST", "/api/v1/elections/"+s.id+"/close", s.otok, ""); r.StatusCode != 200 {
			t.Fatalf("close: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("GET", "/api/v1/elections/"+s.id+"/bulletin", "", ""); r.StatusCode != 401 {
			t.Fatalf("unpublished bulletin to a guest: %d", r.StatusCode)
		}
		if r := c.JSON("POST", "/api/v1/elections/"+s.id+"/publish", s.otok, ""); r.StatusCode != 200 {
			t.Fatalf("publish: %d", r.StatusCode)
		}
		res := decode[struct {
			Electorate, Ballots, Valid int
			Turnout                    float64
			Candidates                 []struct {
				ID      string
				Name    string
				Votes   int
				Elected bool
			}
		}](t, c.JSON("GET", "/api/v1/elections/"+s.id+"/results", "", ""))
		if res.Electorate != 8 || res.Ballots != 8 || res.Valid != 8 || res.Turnout != 1 {
			t.Fatalf("results %+v", res)
		}
		votes := map[string]int{}
		for _, cr := range res.Candidates {
			votes[cr.ID] = cr.Votes
			if cr.Elected != (cr.ID == s.cands[0]) {
				// cands[0] has 8; cands[1] and cands[2] tie with 4 for the second seat.
				t.Errorf("candidate %s elected=%v with %d votes", cr.ID, cr.Elected, cr.Votes)
			}
		}
		if votes[s.cands[0]] != 8 || votes[s.cands[1]] != 4 || votes[s.cands[2]] != 4 {
			t.Fatalf("votes %v", votes)
		}
		// The bulletin, in pages, recounts to the same.
		recount := map[string]int{}
		n, cursor := 0, ""
		for {
			p := decode[struct {
				Items []struct {
					Tracker string
					Choices []string
				} `json:"items"`
				Next string `json:"next_cursor"`
			}](t, c.JSON("GET", "/api/v1/elections/"+s.id+"/bulletin?limit=3&cursor="+cursor, "", ""))
			for _, b := range p.Items {
				n++
				for _, ch := range b.Choices {
					recount[ch]++
				}
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if n != 8 || recount[s.cands[0]] != 8 || recount[s.cands[1]] != 4 {
			t.Fatalf("bulletin recount %v of %d", recount, n)
		}
		for _, l := range []string{"kk", "ru"} {
			pdf := c.Get("/" + l + "/elections/" + s.id + "/protocol.pdf")
			if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF") {
				t.Fatalf("protocol %s: %d", l, pdf.StatusCode)
			}
		}
		ctx := context.Background()
		for _, a := range []string{"elections.create", "elections.open", "elections.close", "elections.publish", "elections.codes"} {
			var k int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ?", a).Scan(&k); err != nil || k != 1 {
				t.Errorf("audit %s: %d entries", a, k)
			}
		}
		// No audit entry, and nothing else, per ballot.
		var k int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'elections.%'").Scan(&k); err != nil || k != 5+3 {
			t.Errorf("%d election audit entries, want 8 (create, 3 candidates, open, codes, close, publish)", k)
		}
	})
}

func TestBallotPagesWithoutJavaScript(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	s := newElection(t, env, 3, "for_against_abstain")
	voter := env.Client()
	voter.SignIn(s.members[0])
	page := voter.Get("/kk/elections/" + s.id)
	if page.StatusCode != 200 || !strings.Contains(page.Body, `id="ballot"`) || !strings.Contains(page.Body, `name="mark_`+s.cands[0]+`"`) {
		t.Fatalf("ballot page: %d\n%s", page.StatusCode, page.Body)
	}
	r := voter.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"mark_" + s.cands[0]: {"for"}, "mark_" + s.cands[1]: {"maybe"}})
	if r.StatusCode != 422 || !strings.Contains(r.Body, "field-error") {
		t.Fatalf("invalid mark: %d", r.StatusCode)
	}
	r = voter.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"mark_" + s.cands[0]: {"for"}, "mark_" + s.cands[1]: {"against"}})
	if r.StatusCode != 201 || !strings.Contains(r.Body, `id="tracker"`) {
		t.Fatalf("cast: %d\n%s", r.StatusCode, r.Body)
	}
	if r := voter.Get("/ru/elections/" + s.id); !strings.Contains(r.Body, `id="voted"`) {
		t.Fatal("the page does not say I voted")
	}
	if r := voter.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"mark_" + s.cands[0]: {"against"}}); r.StatusCode != 409 {
		t.Fatalf("changed ballot: %d", r.StatusCode)
	}
	// A guest with a printed code: the QR link fills it in.
	off := env.Client()
	off.SignIn(s.officer)
	if conf := off.PostForm("/kk/elections/"+s.id+"/codes", nil); conf.StatusCode != 200 || !strings.Contains(conf.Body, `id="confirm-form"`) {
		t.Fatalf("codes without a confirmation: %d", conf.StatusCode)
	}
	pdf := off.PostForm("/kk/elections/"+s.id+"/codes", url.Values{"confirmed": {"1"}})
	if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Fatalf("codes PDF: %d", pdf.StatusCode)
	}
	code := decode[struct {
		Items []struct{ Code string } `json:"items"`
	}](t, env.Client().JSON("POST", "/api/v1/elections/"+s.id+"/codes", s.otok, fmt.Sprintf(`{"person_ids":["%d"]}`, s.members[1].User.ID))).Items[0].Code
	guest := env.Client()
	if r := guest.Get("/kk/elections/" + s.id + "?code=" + code); !strings.Contains(r.Body, `value="`+code+`"`) {
		t.Fatal("the code from the QR link is not filled in")
	}
	if r := guest.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {code}, "mark_" + s.cands[2]: {"abstain"}}); r.StatusCode != 201 {
		t.Fatalf("cast with code: %d\n%s", r.StatusCode, r.Body)
	}
	if r := guest.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {"WRONG-CODE-0000"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-code"`) {
		t.Fatalf("wrong code: %d", r.StatusCode)
	}
}

// Two Ortaq nodes on one PostgreSQL database: voters hit both at once,
// each voter through both nodes; every voter counted exactly once.
func TestTwoNodesOnePostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	open := func() *db.DB {
		d, err := db.Open(context.Background(), url, db.Options{MaxOpenConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1, d2 := open(), open()
	n1 := apptest.Start(t, d1, apptest.Options{})
	n2 := apptest.Start(t, d2, apptest.Options{})
	// Connections the client dialled but did not use would hold up the
	// servers' graceful shutdown: close them first (cleanups run in reverse).
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	s := newElection(t, n1, 300, "choose")
	codes := decode[struct {
		Items []struct{ Code string } `json:"items"`
	}](t, n2.Client().JSON("POST", "/api/v1/elections/"+s.id+"/codes", s.otok, "")).Items
	var created, conflict atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 24)
	for _, it := range codes {
		for _, node := range []*apptest.Env{n1, n2} {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				r := node.Client().JSON("POST", "/api/v1/elections/"+s.id+"/ballots", "", fmt.Sprintf(`{"choices":[%q],"code":%q}`, s.cands[0], it.Code))
				switch r.StatusCode {
				case 201:
					created.Add(1)
				case 409:
					conflict.Add(1)
				default:
					t.Errorf("%d %s", r.StatusCode, r.Body)
				}
			})
		}
	}
	wg.Wait()
	var ballots, voters int
	if err := d1.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM election_ballots) + (SELECT COUNT(*) FROM election_sealed), (SELECT COUNT(*) FROM election_voters)`).Scan(&ballots, &voters); err != nil {
		t.Fatal(err)
	}
	if created.Load() != 300 || conflict.Load() != 300 || ballots != 300 || voters != 300 {
		t.Fatalf("created %d, refused %d, %d ballots, %d voters; want 300 each", created.Load(), conflict.Load(), ballots, voters)
	}
}
