package competitions_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

type pairingOut struct {
	ID        string   `json:"id"`
	Home      string   `json:"home"`
	Away      *string  `json:"away"`
	HomeScore *float64 `json:"home_score"`
	AwayScore *float64 `json:"away_score"`
	Winner    string   `json:"winner"`
	Done      bool     `json:"done"`
	Forfeit   bool     `json:"forfeit"`
	Panel     *struct {
		Home, Away int
	} `json:"panel"`
}

type fullStanding struct {
	standing
	ScoresFor     float64 `json:"scores_for"`
	ScoresAgainst float64 `json:"scores_against"`
	ForfeitsWon   int     `json:"forfeits_won"`
	ForfeitsLost  int     `json:"forfeits_lost"`
	Group         string  `json:"group"`
	Withdrawn     bool    `json:"withdrawn"`
}

func (w *world) table(t *testing.T, id string) map[string]fullStanding {
	t.Helper()
	r := w.env.Client().Get("/api/v1/competitions/" + id + "/standings")
	want(t, "standings", r, http.StatusOK)
	out := map[string]fullStanding{}
	for _, s := range decode[struct{ Items []fullStanding }](t, r).Items {
		out[s.TeamID] = s
	}
	return out
}

func (w *world) judges(t *testing.T, id string, n int) ([]apptest.Person, []string) {
	t.Helper()
	var ps []apptest.Person
	var toks []string
	for range n {
		p := w.env.NewPerson()
		w.env.Grant(p, w.org, "member")
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, p.User.ID)), http.StatusCreated)
		ps = append(ps, p)
		toks = append(toks, token(t, w.env, p))
	}
	return ps, toks
}

// A team that did not show up loses one game by forfeit; a team withdrawn
// loses its unplayed games by forfeit, is paired no more in a Swiss, and
// keeps its line in the table. A forfeit counts as a win, not as goals.
func TestWithdrawalAndForfeits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Футзал"},"format":"swiss","forfeit_score":5`)
		teams := w.teams(t, id, 6)
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusCreated)
		r1 := w.draw(t, id, `{}`)
		g0, g1, g2 := r1.Pairings[0], r1.Pairings[1], r1.Pairings[2]

		// A single game: the home team did not show up (entered by a judge).
		want(t, "forfeit by a member", w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.xtok, `{"absent":"home"}`), http.StatusForbidden)
		want(t, "forfeit of nobody", w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.jtok, `{"absent":"nobody"}`), http.StatusUnprocessableEntity, `"field":"absent"`)
		r := w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.jtok, `{"absent":"home"}`)
		want(t, "forfeit", r, http.StatusOK, `"forfeit":true`, `"done":true`)
		if p := decode[pairingOut](t, r); p.Winner != *g0.Away || *p.HomeScore != 0 || *p.AwayScore != 5 {
			t.Fatalf("forfeit: %+v", p)
		}
		want(t, "forfeit twice", w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.jtok, `{"absent":"away"}`), http.StatusConflict)

		// Withdrawing: organizers only, with a reason, once.
		gone := g1.Home
		path := "/api/v1/competitions/" + id + "/teams/" + gone + "/withdraw"
		want(t, "withdraw by a judge", w.api("POST", path, w.jtok, `{"reason":"Автобус бұзылды"}`), http.StatusForbidden)
		want(t, "withdraw without a reason", w.api("POST", path, w.otok, `{"reason":" "}`), http.StatusUnprocessableEntity, `"field":"reason"`)
		want(t, "withdraw", w.api("POST", path, w.otok, `{"reason":"Автобус бұзылды"}`), http.StatusOK, `"withdrawn":true`, "Автобус бұзылды")
		want(t, "withdraw twice", w.api("POST", path, w.otok, `{"reason":"тағы"}`), http.StatusConflict)
		want(t, "withdraw a team of another competition", w.api("POST", "/api/v1/competitions/"+id+"/teams/999999/withdraw", w.otok, `{"reason":"x"}`), http.StatusNotFound)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'competitions.team_withdraw'`); n != 1 {
			t.Fatalf("%d withdrawals audited", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE id = ? AND forfeit = TRUE AND done = TRUE AND winner_id = ?`, g1.ID, *g1.Away); n != 1 {
			t.Fatal("the withdrawn team's game is not a forfeit won by its opponent")
		}
		// Its forfeit is for good; a result for it is refused.
		want(t, "clear a withdrawn team's game", w.api("DELETE", "/api/v1/pairings/"+g1.ID+"/result", w.otok, ""), http.StatusConflict)
		want(t, "result of a withdrawn team's game", w.api("PUT", "/api/v1/pairings/"+g1.ID, w.otok, `{"home_score":1,"away_score":0}`), http.StatusConflict)

		want(t, "played", w.api("PUT", "/api/v1/pairings/"+g2.ID, w.otok, `{"home_score":2,"away_score":1}`), http.StatusOK)
		tab := w.table(t, id)
		if s := tab[*g0.Away]; s.Won != 1 || s.ForfeitsWon != 1 || s.Points != 3 || s.ScoresFor != 0 {
			t.Fatalf("a forfeit win: %+v", s)
		}
		if s := tab[g0.Home]; s.Lost != 1 || s.ForfeitsLost != 1 || s.ScoresAgainst != 0 {
			t.Fatalf("a forfeit loss: %+v", s)
		}
		if s := tab[gone]; !s.Withdrawn || s.ForfeitsLost != 1 {
			t.Fatalf("the withdrawn team's line: %+v", s)
		}
		if s := tab[g2.Home]; s.ScoresFor != 2 || s.ForfeitsWon != 0 {
			t.Fatalf("a played game: %+v", s)
		}

		// Round 2: five teams left, one has the bye, the withdrawn team none.
		r2 := w.draw(t, id, `{}`)
		byes := 0
		for _, p := range r2.Pairings {
			if p.Home == gone || (p.Away != nil && *p.Away == gone) {
				t.Fatalf("the withdrawn team is paired: %+v", r2)
			}
			if p.Away == nil {
				byes++
			}
		}
		if len(r2.Pairings) != 3 || byes != 1 {
			t.Fatalf("round 2: %+v", r2)
		}
		_ = teams
	})
}

// In a knockout the opponent of a withdrawn team goes on; a team withdrawn
// before the first draw is left out of it.
func TestWithdrawalInKnockout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Кубок"},"format":"knockout"`)
		teams := w.teams(t, id, 5)
		want(t, "withdraw before the draw", w.api("POST", "/api/v1/competitions/"+id+"/teams/"+teams[4]+"/withdraw", w.otok, `{"reason":"келмеді"}`), http.StatusOK)
		r1 := w.draw(t, id, `{}`)
		if len(r1.Pairings) != 2 {
			t.Fatalf("four teams left, a bracket of four: %+v", r1)
		}
		for _, p := range r1.Pairings {
			if p.Home == teams[4] || p.Away == nil || *p.Away == teams[4] {
				t.Fatalf("pairing %+v", p)
			}
		}
		a := r1.Pairings[0]
		want(t, "withdraw", w.api("POST", "/api/v1/competitions/"+id+"/teams/"+*a.Away+"/withdraw", w.otok, `{"reason":"жарақат"}`), http.StatusOK)
		want(t, "other semi", w.api("PUT", "/api/v1/pairings/"+r1.Pairings[1].ID, w.otok, `{"home_score":2,"away_score":0}`), http.StatusOK)
		final := w.draw(t, id, `{}`)
		if final.Pairings[0].Home != a.Home || *final.Pairings[0].Away != r1.Pairings[1].Home {
			t.Fatalf("the final: %+v", final)
		}
	})
}

// Judges per game: a game with judges takes results only from them; a
// game without, from any judge. A debate's panel decides by majority,
// each judge once, and the table follows the result.
func TestJudgesPerGameAndPanel(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Дебат"},"format":"round_robin","points":"debate"`)
		w.teams(t, id, 4)
		js, toks := w.judges(t, id, 4)
		r1 := w.draw(t, id, `{}`)
		g, other := r1.Pairings[0], r1.Pairings[1]
		panel := fmt.Sprintf(`{"judges":["%d","%d","%d"]}`, js[0].User.ID, js[1].User.ID, js[2].User.ID)
		want(t, "panel by a judge", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", toks[0], panel), http.StatusForbidden)
		want(t, "even panel", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", w.otok,
			fmt.Sprintf(`{"judges":["%d","%d"]}`, js[0].User.ID, js[1].User.ID)), http.StatusUnprocessableEntity, `"field":"judges"`)
		want(t, "a member who is no judge", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", w.otok,
			fmt.Sprintf(`{"judges":["%d"]}`, w.outsider.User.ID)), http.StatusUnprocessableEntity, `"field":"judges"`)
		want(t, "panel", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", w.otok, panel), http.StatusOK)

		put := func(tok, pairing, body string) *apptest.Response {
			return w.api("PUT", "/api/v1/pairings/"+pairing, tok, body)
		}
		// The fourth judge is not on this game's panel; the other game has
		// no judges of its own, so any judge may enter it.
		want(t, "a judge not of this game", put(toks[3], g.ID, `{"winner":"home"}`), http.StatusForbidden)
		want(t, "a judge of an open game", put(toks[3], other.ID, `{"winner":"away"}`), http.StatusOK, `"done":true`)

		want(t, "first decision", put(toks[0], g.ID, `{"winner":"home"}`), http.StatusOK, `"done":false`)
		want(t, "second decision by the same judge", put(toks[0], g.ID, `{"winner":"away"}`), http.StatusConflict)
		want(t, "second judge", put(toks[1], g.ID, `{"winner":"away"}`), http.StatusOK, `"done":false`)
		if tab := w.table(t, id); tab[g.Home].Played != 0 {
			t.Fatalf("the table moved before the panel decided: %+v", tab[g.Home])
		}
		want(t, "panel cannot change once deciding", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", w.otok, fmt.Sprintf(`{"judges":["%d"]}`, js[3].User.ID)), http.StatusConflict)
		r := put(toks[2], g.ID, `{"winner":"home"}`)
		want(t, "third judge", r, http.StatusOK, `"done":true`)
		if p := decode[pairingOut](t, r); p.Winner != g.Home || p.Panel == nil || p.Panel.Home != 2 || p.Panel.Away != 1 {
			t.Fatalf("the panel's result: %+v", p)
		}
		want(t, "a decision after the result", put(toks[2], g.ID, `{"winner":"away"}`), http.StatusConflict)
		tab := w.table(t, id)
		if tab[g.Home].Won != 1 || tab[*g.Away].Lost != 1 {
			t.Fatalf("the table after the panel: %+v", tab)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_decisions WHERE pairing_id = ?`, g.ID); n != 3 {
			t.Fatalf("%d decisions stored", n)
		}
		// A round's games get the same judges at once; a single judge (not
		// a panel) then enters the result alone.
		r2 := w.draw(t, id, `{}`)
		want(t, "round judges", w.api("PUT", "/api/v1/rounds/"+r2.ID+"/judges", w.otok, fmt.Sprintf(`{"judges":["%d"]}`, js[3].User.ID)), http.StatusOK)
		if n := count(t, d, `SELECT COUNT(*) FROM competition_game_judges g JOIN competition_pairings p ON p.id = g.pairing_id WHERE p.round_id = ?`, r2.ID); n != 2 {
			t.Fatalf("%d game judges in round 2", n)
		}
		want(t, "another judge", put(toks[0], r2.Pairings[0].ID, `{"winner":"home"}`), http.StatusForbidden)
		want(t, "the round's judge", put(toks[3], r2.Pairings[0].ID, `{"winner":"home"}`), http.StatusOK, `"done":true`)
	})
}

// A group stage of two groups: teams split in snake order, a round robin
// within each group, a table per group, the top two of each seeding a
// crossed knockout (A1 v B2, B1 v A2).
func TestGroupStage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Спартакиада"},"format":"round_robin"`)
		teams := w.teams(t, id, 8)
		want(t, "a group of one", w.api("POST", "/api/v1/competitions/"+id+"/groups", w.otok,
			fmt.Sprintf(`{"groups":2,"method":"manual","teams":{"%s":"A","%s":"A","%s":"A","%s":"A","%s":"A","%s":"A","%s":"A","%s":"B"}}`,
				teams[0], teams[1], teams[2], teams[3], teams[4], teams[5], teams[6], teams[7])), http.StatusUnprocessableEntity, `"field":"groups"`)
		want(t, "five groups of eight", w.api("POST", "/api/v1/competitions/"+id+"/groups", w.otok, `{"groups":5,"method":"snake"}`), http.StatusUnprocessableEntity)
		want(t, "groups by a member", w.api("POST", "/api/v1/competitions/"+id+"/groups", w.xtok, `{"groups":2,"method":"snake"}`), http.StatusForbidden)
		r := w.api("POST", "/api/v1/competitions/"+id+"/groups", w.otok, `{"groups":2,"method":"snake"}`)
		want(t, "groups", r, http.StatusOK)
		group := map[string]string{}
		for _, tm := range decode[struct {
			Teams []struct{ ID, Group string }
		}](t, r).Teams {
			group[tm.ID] = tm.Group
		}
		var got []string
		for _, tm := range teams {
			got = append(got, group[tm])
		}
		if !slices.Equal(got, []string{"A", "B", "B", "A", "A", "B", "B", "A"}) {
			t.Fatalf("snake order: %v", got)
		}
		for range 3 {
			rd := w.draw(t, id, `{}`)
			if len(rd.Pairings) != 4 {
				t.Fatalf("a round of two groups of four: %+v", rd)
			}
			for i, p := range rd.Pairings {
				if group[p.Home] != group[*p.Away] {
					t.Fatalf("a game across groups: %+v", p)
				}
				// Home wins by the board's number of goals.
				want(t, "result", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, fmt.Sprintf(`{"home_score":%d,"away_score":0}`, i+1)), http.StatusOK)
			}
		}
		want(t, "a fourth round", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{}`), http.StatusConflict)
		want(t, "groups after the draw", w.api("POST", "/api/v1/competitions/"+id+"/groups", w.otok, `{"groups":2,"method":"snake"}`), http.StatusConflict)

		rs := w.env.Client().Get("/api/v1/competitions/" + id + "/standings")
		items := decode[struct{ Items []fullStanding }](t, rs).Items
		top := map[string][]string{}
		for _, s := range items {
			if s.Group != group[s.TeamID] {
				t.Fatalf("line of group %q for a team of %q", s.Group, group[s.TeamID])
			}
			if s.Played != 3 {
				t.Fatalf("a team of a group of four played %d", s.Played)
			}
			top[s.Group] = append(top[s.Group], s.TeamID)
		}
		want(t, "qualifiers beyond a group", w.api("POST", "/api/v1/competitions/"+id+"/rounds", w.otok, `{"qualifiers":5}`), http.StatusUnprocessableEntity, `"field":"qualifiers"`)
		final := w.draw(t, id, `{"qualifiers":2}`)
		if final.Stage != "final" || len(final.Pairings) != 2 {
			t.Fatalf("the final: %+v", final)
		}
		pairs := [][2]string{{final.Pairings[0].Home, *final.Pairings[0].Away}, {final.Pairings[1].Home, *final.Pairings[1].Away}}
		wantPairs := [][2]string{{top["A"][0], top["B"][1]}, {top["B"][0], top["A"][1]}}
		if !slices.Equal(pairs, wantPairs) {
			t.Fatalf("crossed semi-finals %v, want %v", pairs, wantPairs)
		}
		// The page shows both groups' tables.
		page := w.env.Client().Get("/kk/competitions/" + id)
		want(t, "page", page, http.StatusOK, `id="group-A"`, `id="group-B"`)
	})
}

// A panel's judges all deciding at once, each twice: exactly one decision
// each is stored, and the result is the majority of the three.
func TestPanelDecisionsAtOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Дебат"},"format":"round_robin","points":"debate"`)
		w.teams(t, id, 2)
		js, toks := w.judges(t, id, 3)
		g := w.draw(t, id, `{}`).Pairings[0]
		want(t, "panel", w.api("PUT", "/api/v1/pairings/"+g.ID+"/judges", w.otok,
			fmt.Sprintf(`{"judges":["%d","%d","%d"]}`, js[0].User.ID, js[1].User.ID, js[2].User.ID)), http.StatusOK)
		var wg sync.WaitGroup
		codes := make([]int, 6)
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				winner := []string{"home", "away", "home"}[i%3]
				codes[i] = w.api("PUT", "/api/v1/pairings/"+g.ID, toks[i%3], `{"winner":"`+winner+`"}`).StatusCode
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
		if ok != 3 || conflict != 3 {
			t.Fatalf("codes %v", codes)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_decisions WHERE pairing_id = ?`, g.ID); n != 3 {
			t.Fatalf("%d decisions", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE id = ? AND done = TRUE AND winner_id = home_id AND panel_home = 2 AND panel_away = 1`, g.ID); n != 1 {
			t.Fatal("the result is not the panel's 2–1 for home")
		}
	})
}

// In a round robin the schedule stands: a withdrawn team's later games are
// stored as forfeits as they are drawn, and the opponent has the win.
func TestWithdrawalInRoundRobin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Лига"},"format":"round_robin"`)
		teams := w.teams(t, id, 4)
		r1 := w.draw(t, id, `{}`)
		for _, p := range r1.Pairings {
			want(t, "result", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"home_score":1,"away_score":1}`), http.StatusOK)
		}
		want(t, "withdraw", w.api("POST", "/api/v1/competitions/"+id+"/teams/"+teams[0]+"/withdraw", w.otok, `{"reason":"тарады"}`), http.StatusOK)
		for range 2 {
			rd := w.draw(t, id, `{}`)
			for _, p := range rd.Pairings {
				mine := p.Home == teams[0] || *p.Away == teams[0]
				if mine != p.Done {
					t.Fatalf("round %d: %+v", rd.Number, p)
				}
			}
		}
		tab := w.table(t, id)
		if s := tab[teams[0]]; s.Played != 3 || s.Drawn != 1 || s.ForfeitsLost != 2 || !s.Withdrawn {
			t.Fatalf("the withdrawn team: %+v", s)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE competition_id = ? AND forfeit = TRUE`, id); n != 2 {
			t.Fatalf("%d forfeits", n)
		}
		// Level on points with two teams that stayed, it is placed after
		// them all.
		cid, _ := strconv.ParseInt(id, 10, 64)
		tid, _ := strconv.ParseInt(teams[0], 10, 64)
		c, err := w.env.App.Competitions.Get(t.Context(), cid)
		if err != nil {
			t.Fatal(err)
		}
		places, err := w.env.App.Competitions.Places(t.Context(), c)
		if err != nil || places[tid] != 4 {
			t.Fatalf("places %v (%v)", places, err)
		}
	})
}

// Without JavaScript: withdrawing asks for confirmation first (nothing
// changes), then acts; a forfeit and the judges of a game through their
// forms; the groups split by hand; a judge's home counts only the games
// waiting for them.
func TestStageFormsWithoutJavaScript(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Кубок"},"format":"round_robin"`)
		teams := w.teams(t, id, 4)
		js, _ := w.judges(t, id, 2)
		oc := w.env.Client()
		oc.SignIn(w.organizer)
		page := "/kk/competitions/" + id

		show := oc.Get(page)
		want(t, "organizer's page", show, http.StatusOK, `id="groups-form"`, `name="group_`+teams[0]+`"`)
		bad := oc.PostForm(page+"/groups", url.Values{"groups": {"2"}, "method": {"manual"}, "group_" + teams[0]: {"A"}, "group_" + teams[1]: {"A"},
			"group_" + teams[2]: {"A"}, "group_" + teams[3]: {"B"}})
		want(t, "a group of one", bad, http.StatusUnprocessableEntity, "B")
		want(t, "groups", oc.PostForm(page+"/groups", url.Values{"groups": {"2"}, "method": {"manual"}, "group_" + teams[0]: {"A"},
			"group_" + teams[1]: {"B"}, "group_" + teams[2]: {"A"}, "group_" + teams[3]: {"B"}}), http.StatusSeeOther)
		if n := count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ? AND group_no = 1 AND id IN (?, ?)`, id, teams[0], teams[2]); n != 2 {
			t.Fatal("the groups as chosen are not stored")
		}
		want(t, "draw", oc.PostForm(page+"/rounds", nil), http.StatusSeeOther)
		var game, other int64
		if err := d.QueryRow(t.Context(), `SELECT MIN(id), MAX(id) FROM competition_pairings WHERE competition_id = ?`, id).Scan(&game, &other); err != nil {
			t.Fatal(err)
		}

		// Withdraw: the confirmation page first, nothing changed.
		wpath := fmt.Sprintf("%s/teams/%s/withdraw", page, teams[3])
		want(t, "no reason", oc.PostForm(wpath, url.Values{"reason": {""}}), http.StatusUnprocessableEntity)
		conf := oc.PostForm(wpath, url.Values{"reason": {"Автобус келмеді"}})
		want(t, "confirmation", conf, http.StatusOK, `name="confirmed"`, "Автобус келмеді")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE withdrawn_at IS NOT NULL`); n != 0 {
			t.Fatal("withdrawn before confirming")
		}

		// Judges of one game: only the second judge's home counts it.
		want(t, "game judges", oc.PostForm(fmt.Sprintf("%s/pairings/%d/judges", page, game), url.Values{"judge": {fmt.Sprint(js[1].User.ID)}}), http.StatusSeeOther)
		c0, c1 := w.env.Client(), w.env.Client()
		c0.SignIn(js[0])
		c1.SignIn(js[1])
		want(t, "first judge's home", c0.Get("/en/me"), http.StatusOK, "1 game")
		want(t, "second judge's home", c1.Get("/en/me"), http.StatusOK, "2 games")
		refused := c0.PostForm(fmt.Sprintf("%s/pairings/%d/result", page, game), url.Values{"home_score": {"1"}, "away_score": {"0"}})
		want(t, "a judge not of the game", refused, http.StatusForbidden)

		want(t, "confirmed", oc.PostForm(wpath, url.Values{"reason": {"Автобус келмеді"}, "confirmed": {"1"}}), http.StatusSeeOther)
		after := oc.Get(page)
		want(t, "after withdrawing", after, http.StatusOK, "Автобус келмеді", `class="withdrawn"`)

		// A forfeit through the form, by the game's judge.
		var pending int64
		if err := d.QueryRow(t.Context(), `SELECT id FROM competition_pairings WHERE competition_id = ? AND done = FALSE ORDER BY id LIMIT 1`, id).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		fc := c0
		if pending == game {
			fc = c1
		}
		want(t, "forfeit", fc.PostForm(fmt.Sprintf("%s/pairings/%d/forfeit", page, pending), url.Values{"absent": {"home"}}), http.StatusSeeOther)
		want(t, "page after the forfeit", oc.Get(page), http.StatusOK, "Техникалық нәтиже")
		_ = other
	})
}
