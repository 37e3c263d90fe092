package competitions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/competitions"
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

// want fails unless r has status and its body contains every fragment.
func want(t *testing.T, what string, r *apptest.Response, status int, fragments ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.StatusCode, status, r.Body)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Body, f) {
			t.Fatalf("%s: no %q in\n%s", what, f, r.Body)
		}
	}
}

// count returns one number from the database.
func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type world struct {
	env        *apptest.Env
	org        int64
	organizer  apptest.Person
	otok       string
	judge      apptest.Person
	jtok       string
	outsider   apptest.Person
	xtok       string
	players    []apptest.Person
	competitor int // next player to use
}

func newWorld(t *testing.T, d *db.DB) *world {
	env := apptest.Start(t, d, apptest.Options{})
	w := &world{env: env, org: env.NewOrg(0, "Сарысу керуені")}
	w.organizer = env.NewPerson()
	env.Grant(w.organizer, w.org, "moderator")
	w.judge = env.NewPerson()
	env.Grant(w.judge, w.org, "member")
	w.outsider = env.NewPerson()
	env.Grant(w.outsider, w.org, "member")
	w.otok, w.jtok, w.xtok = token(t, env, w.organizer), token(t, env, w.judge), token(t, env, w.outsider)
	for range 24 {
		p := env.NewPerson()
		env.Grant(p, w.org, "member")
		w.players = append(w.players, p)
	}
	return w
}

func (w *world) api(method, path, tok, body string) *apptest.Response {
	return w.env.Client().JSON(method, path, tok, body)
}

func (w *world) create(t *testing.T, body string) string {
	t.Helper()
	r := w.api("POST", "/api/v1/competitions", w.otok, fmt.Sprintf(`{"organization_id":"%d",%s}`, w.org, body))
	want(t, "create", r, http.StatusCreated)
	return decode[map[string]any](t, r)["id"].(string)
}

// teams enters n teams of two players each.
func (w *world) teams(t *testing.T, id string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		a, b := w.players[w.competitor], w.players[w.competitor+1]
		w.competitor += 2
		r := w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok,
			fmt.Sprintf(`{"name":"Команда %d","members":["%d","%d"]}`, i+1, a.User.ID, b.User.ID))
		want(t, "team", r, http.StatusCreated)
		ids = append(ids, decode[map[string]any](t, r)["id"].(string))
	}
	return ids
}

type roundOut struct {
	ID       string `json:"id"`
	Number   int    `json:"number"`
	Stage    string `json:"stage"`
	Seed     string `json:"seed"`
	Pairings []struct {
		ID         string  `json:"id"`
		Home       string  `json:"home"`
		Away       *string `json:"away"`
		ThirdPlace bool    `json:"third_place"`
		Done       bool    `json:"done"`
	} `json:"pairings"`
}

type standing struct {
	TeamID string `json:"team_id"`
	Name   string `json:"name"`
	Played int    `json:"played"`
	Won    int    `json:"won"`
	Drawn  int    `json:"drawn"`
	Lost   int    `json:"lost"`
	Points int    `json:"points"`
	Rank   int    `json:"rank"`
}

func (w *world) draw(t *testing.T, id, body string) roundOut {
	t.Helper()
	r := w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, body)
	want(t, "draw", r, http.StatusCreated)
	return decode[roundOut](t, r)
}

func (w *world) standings(t *testing.T, id, query string) []standing {
	t.Helper()
	r := w.env.Client().Get("/api/v1/competitions/" + id + "/standings" + query)
	want(t, "standings", r, http.StatusOK)
	return decode[struct{ Items []standing }](t, r).Items
}

// A round robin: teams entered by the organizer (a person in two teams
// refused, nothing written), rounds drawn and stored with their seed,
// results by the organizer or a named judge only, once; a result for a
// missing pairing refused; the table follows the results.
func TestRoundRobinResultsAndStandings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Волейбол лигасы"},"format":"round_robin"`)
		teams := w.teams(t, id, 4)

		// A person already in a team is refused with a clear message, and
		// the new team is not written.
		p0 := w.players[0]
		before := count(t, d, `SELECT COUNT(*) FROM competition_teams`)
		r := w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok, fmt.Sprintf(`{"name":"Екінші құрам","members":["%d"]}`, p0.User.ID))
		want(t, "member in two teams", r, http.StatusUnprocessableEntity, `"field":"members[0]"`, "Команда 1")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_teams`); n != before {
			t.Fatalf("a refused team was written: %d teams, had %d", n, before)
		}
		// Only the organizers enter teams; a member of no related
		// organization cannot be named.
		want(t, "team by a member", w.api("POST", "/api/v1/competitions/"+id+"/teams", w.xtok, `{"name":"Х","members":[]}`), http.StatusForbidden)
		stranger := w.env.NewPerson()
		want(t, "unrelated member", w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok,
			fmt.Sprintf(`{"name":"Бөгде","members":["%d"]}`, stranger.User.ID)), http.StatusUnprocessableEntity, `"field":"members[0]"`)

		// A minor without a guardian's consent is not named, even as a member.
		minor := w.env.NewPerson("minor")
		w.env.Grant(minor, w.org, "member")
		want(t, "minor in a team", w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok,
			fmt.Sprintf(`{"name":"Жасөспірімдер","members":["%d"]}`, minor.User.ID)), http.StatusUnprocessableEntity, `"field":"members[0]"`)
		want(t, "minor as judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, minor.User.ID)),
			http.StatusUnprocessableEntity, `"field":"person_id"`)
		// The judge is named; a judge who is not a member is refused.
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusCreated)
		want(t, "judge twice", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusConflict)
		want(t, "unrelated judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, stranger.User.ID)),
			http.StatusUnprocessableEntity, `"field":"person_id"`)

		r1 := w.draw(t, id, `{}`)
		if r1.Number != 1 || len(r1.Pairings) != 2 || r1.Seed == "" {
			t.Fatalf("round 1: %+v", r1)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_rounds WHERE seed <> 0 AND id = ?`, r1.ID); n != 1 {
			t.Fatal("the round's seed is not stored")
		}
		// Teams are closed once the first round is drawn.
		want(t, "late team", w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok, `{"name":"Кеш","members":[]}`), http.StatusConflict)

		g := r1.Pairings[0]
		put := func(tok, pairing, body string) *apptest.Response {
			return w.api("PUT", "/api/v1/pairings/"+pairing, tok, body)
		}
		want(t, "result by a non-judge", put(w.xtok, g.ID, `{"home_score":3,"away_score":1}`), http.StatusForbidden, "төрешілер")
		want(t, "result for a missing pairing", put(w.jtok, "999999", `{"home_score":3,"away_score":1}`), http.StatusNotFound)
		want(t, "half a score", put(w.jtok, g.ID, `{"home_score":3}`), http.StatusUnprocessableEntity, `"field":"away_score"`)
		want(t, "draw with unequal scores", put(w.jtok, g.ID, `{"home_score":3,"away_score":1,"winner":"draw"}`), http.StatusUnprocessableEntity)
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE done = TRUE AND away_id IS NOT NULL`); n != 0 {
			t.Fatalf("refused results were written: %d", n)
		}
		if s := w.standings(t, id, ""); s[0].Played != 0 {
			t.Fatalf("standings before any result: %+v", s)
		}
		want(t, "judge's result", put(w.jtok, g.ID, `{"home_score":3,"away_score":1}`), http.StatusOK, `"done":true`)
		want(t, "entered twice", put(w.otok, g.ID, `{"home_score":0,"away_score":0}`), http.StatusConflict)
		want(t, "organizer's result", put(w.otok, r1.Pairings[1].ID, `{"winner":"draw"}`), http.StatusOK)

		s := w.standings(t, id, "")
		if s[0].TeamID != g.Home || s[0].Points != 3 || s[0].Won != 1 {
			t.Fatalf("the winner is not first with 3 points: %+v", s)
		}
		if s[len(s)-1].TeamID != *g.Away || s[len(s)-1].Lost != 1 {
			t.Fatalf("the loser is not last: %+v", s)
		}
		for _, row := range s[1:3] {
			if row.Points != 1 || row.Drawn != 1 {
				t.Fatalf("the drawn teams: %+v", s)
			}
		}
		// Three rounds for four teams, then no more.
		w.draw(t, id, `{}`)
		w.draw(t, id, `{}`)
		want(t, "fourth round", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{}`), http.StatusConflict)
		// Every pair met once.
		if n := count(t, d, `SELECT COUNT(DISTINCT CASE WHEN home_id < away_id THEN home_id * 100000 + away_id ELSE away_id * 100000 + home_id END)
			FROM competition_pairings WHERE competition_id = ?`, id); n != 6 {
			t.Fatalf("%d distinct pairs of %d teams, want 6", n, len(teams))
		}
		// The page shows the table to guests, without the members' names.
		page := w.env.Client().Get("/kk/competitions/" + id)
		want(t, "page", page, http.StatusOK, "Волейбол лигасы", `id="standings-table"`, "Команда 1")
		if strings.Contains(page.Body, p0.User.Name) {
			t.Fatal("a guest sees a member's name")
		}
	})
}

// Two results for one game at once (two judges on their phones): exactly
// one is recorded, the other is told it was entered.
func TestResultEnteredOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Шахмат"},"format":"round_robin","points":"chess"`)
		w.teams(t, id, 2)
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusCreated)
		g := w.draw(t, id, `{}`).Pairings[0]
		const n = 16
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok := w.jtok
				if i%2 == 0 {
					tok = w.otok
				}
				codes[i] = w.api("PUT", "/api/v1/pairings/"+g.ID, tok, fmt.Sprintf(`{"home_score":%d,"away_score":0}`, i+1)).StatusCode
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflict++
			}
		}
		if ok != 1 || conflict != n-1 {
			t.Fatalf("%d recorded, %d refused of %d: %v", ok, conflict, n, codes)
		}
		if c := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'competitions.result'`); c != 1 {
			t.Fatalf("%d results in the audit log", c)
		}
	})
}

// A debate championship: Swiss rounds by the judges' decision, the next
// round refused while one is incomplete, no rematches; the top four seed a
// knockout final whose winners get diplomas with their place.
func TestSwissQualifyingAndKnockoutFinal(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Дебат чемпионаты"},"format":"swiss","points":"debate"`)
		w.teams(t, id, 8)
		met := map[[2]string]bool{}
		for round := 1; round <= 3; round++ {
			rd := w.draw(t, id, `{}`)
			if len(rd.Pairings) != 4 {
				t.Fatalf("round %d: %d pairings", round, len(rd.Pairings))
			}
			for i, p := range rd.Pairings {
				key := [2]string{min(p.Home, *p.Away), max(p.Home, *p.Away)}
				if met[key] {
					t.Fatalf("round %d: a rematch %v", round, key)
				}
				met[key] = true
				// A debate needs the judges' decision, not only scores.
				if i == 0 {
					want(t, "debate without a decision", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"home_score":75,"away_score":70}`),
						http.StatusUnprocessableEntity, `"field":"winner"`)
				}
				if i == len(rd.Pairings)-1 {
					// The next round is refused while this game waits.
					want(t, "swiss before complete", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{}`),
						http.StatusConflict, "Алдыңғы тур")
				}
				want(t, "decision", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"winner":"home","home_score":75.5,"away_score":74}`), http.StatusOK)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_rounds WHERE competition_id = ?`, id); n != 3 {
			t.Fatalf("%d rounds stored after refusals, want 3", n)
		}
		table := w.standings(t, id, "")
		want(t, "a final of one team", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{"qualifiers":1}`), http.StatusUnprocessableEntity)
		semi := w.draw(t, id, `{"qualifiers":4}`)
		if semi.Stage != "final" || len(semi.Pairings) != 2 {
			t.Fatalf("semi-finals: %+v", semi)
		}
		// Seeds 1 v 4 and 2 v 3 of the table.
		if semi.Pairings[0].Home != table[0].TeamID || *semi.Pairings[0].Away != table[3].TeamID ||
			semi.Pairings[1].Home != table[1].TeamID || *semi.Pairings[1].Away != table[2].TeamID {
			t.Fatalf("semi-finals %+v from table %+v", semi.Pairings, table)
		}
		for _, p := range semi.Pairings {
			want(t, "semi", w.api("PUT", "/api/v1/pairings/"+p.ID, w.jtok, `{"winner":"home"}`), http.StatusForbidden)
			want(t, "semi", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"winner":"home"}`), http.StatusOK)
		}
		final := w.draw(t, id, `{}`)
		if len(final.Pairings) != 2 || !final.Pairings[1].ThirdPlace {
			t.Fatalf("final and third place: %+v", final)
		}
		want(t, "final", w.api("PUT", "/api/v1/pairings/"+final.Pairings[0].ID, w.otok, `{"winner":"away"}`), http.StatusOK)
		want(t, "third", w.api("PUT", "/api/v1/pairings/"+final.Pairings[1].ID, w.otok, `{"winner":"home"}`), http.StatusOK)
		want(t, "after the final", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{}`), http.StatusConflict)

		// Diplomas: the final's winner (seed 2) first, its loser second, the
		// third-place match's winner third; two members each.
		r := w.api("POST", "/api/v1/competitions/"+id+"/awards", w.xtok, `{"to":"winners"}`)
		want(t, "awards by a member", r, http.StatusForbidden)
		r = w.api("POST", "/api/v1/competitions/"+id+"/awards", w.otok, `{"to":"winners"}`)
		want(t, "awards", r, http.StatusCreated, `"code"`)
		places := map[string]int{}
		rows, err := d.Query(context.Background(), `SELECT CAST(m.team_id AS TEXT), a.place FROM awards a
			JOIN competition_members m ON m.user_id = a.recipient_id AND m.competition_id = ? WHERE a.kind = 'diploma'`, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var team string
			var place int
			if err := rows.Scan(&team, &place); err != nil {
				t.Fatal(err)
			}
			places[team] = place
			n++
		}
		rows.Close()
		wantPlaces := map[string]int{*final.Pairings[0].Away: 1, final.Pairings[0].Home: 2, final.Pairings[1].Home: 3}
		if n != 6 || fmt.Sprint(places) != fmt.Sprint(wantPlaces) {
			t.Fatalf("diplomas: %d, places %v, want %v", n, places, wantPlaces)
		}
		// Certificates to all sixteen participants.
		r = w.api("POST", "/api/v1/competitions/"+id+"/awards", w.otok, `{"to":"participants"}`)
		want(t, "certificates", r, http.StatusCreated)
		if n := len(decode[struct{ Items []any }](t, r).Items); n != 16 {
			t.Fatalf("%d certificates, want 16", n)
		}
	})
}

// The organizer swaps teams of a round before it starts; afterwards the
// swap is refused.
func TestSwapBeforeTheRoundStarts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Кубок"},"format":"knockout"`)
		w.teams(t, id, 5) // a bracket of 8: three byes
		rd := w.draw(t, id, `{}`)
		if len(rd.Pairings) != 4 {
			t.Fatalf("%+v", rd)
		}
		byes := 0
		var bye, playing string
		for _, p := range rd.Pairings {
			if p.Away == nil {
				byes++
				bye = p.Home
				if !p.Done {
					t.Fatal("a bye is not done")
				}
			} else {
				playing = *p.Away
			}
		}
		if byes != 3 {
			t.Fatalf("%d byes of 5 teams in a bracket of 8", byes)
		}
		want(t, "swap by a member", w.api("POST", "/api/v1/rounds/"+rd.ID+"/swap", w.xtok, fmt.Sprintf(`{"team_a":"%s","team_b":"%s"}`, bye, playing)), http.StatusForbidden)
		r := w.api("POST", "/api/v1/rounds/"+rd.ID+"/swap", w.otok, fmt.Sprintf(`{"team_a":"%s","team_b":"%s"}`, bye, playing))
		want(t, "swap", r, http.StatusOK)
		got := decode[roundOut](t, r)
		for _, p := range got.Pairings {
			if p.Home == bye && p.Away == nil {
				t.Fatal("the team with the bye still has it")
			}
			if p.Home == playing && p.Away != nil {
				t.Fatal("the swapped team does not have the bye")
			}
		}
		var game string
		for _, p := range got.Pairings {
			if p.Away != nil {
				game = p.ID
			}
		}
		want(t, "result", w.api("PUT", "/api/v1/pairings/"+game, w.otok, `{"home_score":2,"away_score":1}`), http.StatusOK)
		want(t, "swap after a result", w.api("POST", "/api/v1/rounds/"+rd.ID+"/swap", w.otok, fmt.Sprintf(`{"team_a":"%s","team_b":"%s"}`, bye, playing)),
			http.StatusConflict)
		// A draw in a knockout needs a winner.
		for _, p := range got.Pairings {
			if p.Away != nil && p.ID != game {
				want(t, "knockout draw", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"home_score":1,"away_score":1}`), http.StatusUnprocessableEntity, `"field":"winner"`)
				want(t, "knockout draw on penalties", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"home_score":1,"away_score":1,"winner":"away"}`), http.StatusOK)
			}
		}
	})
}

// A spartakiad: each discipline has its own rounds and table; the overall
// table adds the places (lowest wins).
func TestSpartakiadOverall(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Колледждер спартакиадасы"},"format":"round_robin",
			"disciplines":[{"key":"volleyball","title":{"kk":"Волейбол"}},{"key":"chess","title":{"kk":"Шахмат"}}]`)
		teams := w.teams(t, id, 3)
		want(t, "no discipline", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{}`), http.StatusUnprocessableEntity, `"field":"discipline"`)
		// In each discipline team 1 beats everyone; team 2 beats team 3 in
		// volleyball, team 3 beats team 2 in chess.
		order := map[string][]string{"volleyball": {teams[0], teams[1], teams[2]}, "chess": {teams[0], teams[2], teams[1]}}
		for _, disc := range []string{"volleyball", "chess"} {
			rank := map[string]int{}
			for i, tm := range order[disc] {
				rank[tm] = i
			}
			for range 3 {
				rd := w.draw(t, id, `{"discipline":"`+disc+`"}`)
				for _, p := range rd.Pairings {
					if p.Away == nil {
						continue
					}
					side := "away"
					if rank[p.Home] < rank[*p.Away] {
						side = "home"
					}
					want(t, "result", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"winner":"`+side+`"}`), http.StatusOK)
				}
			}
			s := w.standings(t, id, "?discipline="+disc)
			for i, tm := range order[disc] {
				if s[i].TeamID != tm {
					t.Fatalf("%s table: %+v, want %v", disc, s, order[disc])
				}
			}
		}
		want(t, "unknown discipline", w.env.Client().Get("/api/v1/competitions/"+id+"/standings?discipline=golf"), http.StatusUnprocessableEntity)
		c, err := w.env.App.Competitions.Get(context.Background(), atoi(id))
		if err != nil {
			t.Fatal(err)
		}
		places, err := w.env.App.Competitions.Places(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		// Totals: team 1: 1+1, team 2: 2+3, team 3: 3+2 — tied on 5, and
		// countback (one second place each) and disciplines do not part
		// them: the lot does, so they share the rank.
		if places[atoi(teams[0])] != 1 || places[atoi(teams[1])] != 2 || places[atoi(teams[2])] != 2 {
			t.Fatalf("overall places %v", places)
		}
		page := w.env.Client().Get("/ru/competitions/" + id + "?d=chess")
		want(t, "page", page, http.StatusOK, `id="overall"`, "Шахмат")
	})
}

func atoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

var _ = competitions.Main

// An organizer takes back a mistyped result and enters the right one; a
// judge cannot, and nobody can once a later round is drawn on it. Winners'
// diplomas wait until every game has its result.
func TestCorrectAResult(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Тоғызқұмалақ турнирі"},"format":"swiss","points":"chess"`)
		w.teams(t, id, 4)
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusCreated)
		rd := w.draw(t, id, `{}`)
		g := rd.Pairings[0]
		want(t, "nothing to take back", w.api("DELETE", "/api/v1/pairings/"+g.ID+"/result", w.otok, ""), http.StatusConflict)
		want(t, "mistyped", w.api("PUT", "/api/v1/pairings/"+g.ID, w.jtok, `{"home_score":0,"away_score":1}`), http.StatusOK)
		want(t, "winners before the end", w.api("POST", "/api/v1/competitions/"+id+"/awards", w.otok, `{"to":"winners"}`), http.StatusConflict)
		want(t, "judge takes back", w.api("DELETE", "/api/v1/pairings/"+g.ID+"/result", w.jtok, ""), http.StatusForbidden)
		want(t, "organizer takes back", w.api("DELETE", "/api/v1/pairings/"+g.ID+"/result", w.otok, ""), http.StatusOK, `"done":false`)
		want(t, "the right one", w.api("PUT", "/api/v1/pairings/"+g.ID, w.jtok, `{"home_score":1,"away_score":0}`), http.StatusOK)
		s := w.standings(t, id, "")
		if s[0].TeamID != g.Home && s[1].TeamID != g.Home {
			t.Fatalf("the corrected winner is not at the top: %+v", s)
		}
		want(t, "other game", w.api("PUT", "/api/v1/pairings/"+rd.Pairings[1].ID, w.otok, `{"winner":"home"}`), http.StatusOK)
		w.draw(t, id, `{}`)
		want(t, "after the next draw", w.api("DELETE", "/api/v1/pairings/"+g.ID+"/result", w.otok, ""), http.StatusConflict)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'competitions.result_clear'`); n != 1 {
			t.Fatalf("%d corrections in the audit log", n)
		}
	})
}

// Ten organizers enter ten teams at once, each naming the same person:
// she plays for exactly one of them, the others are refused whole.
func TestOnePersonOneTeamUnderARace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Арқан тарту"},"format":"round_robin"`)
		star := w.players[0]
		const n = 10
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = w.api("POST", "/api/v1/competitions/"+id+"/teams", w.otok,
					fmt.Sprintf(`{"name":"Команда %d","members":["%d","%d"]}`, i, w.players[1+i].User.ID, star.User.ID)).StatusCode
			}()
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			if c == http.StatusCreated {
				created++
			} else if c != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %v", c, codes)
			}
		}
		if created != 1 {
			t.Fatalf("%d teams took her: %v", created, codes)
		}
		if teams, members := count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ?`, id),
			count(t, d, `SELECT COUNT(*) FROM competition_members WHERE competition_id = ?`, id); teams != 1 || members != 2 {
			t.Fatalf("%d teams, %d members after the race", teams, members)
		}
	})
}
