package competitions_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// A double forfeit: neither team showed up. Recorded by a judge (API) or
// the organizer (the page's form), once; refused after a result and in a
// knockout, with the reason and nothing changed. Both teams lose: no
// points, no scores, a forfeit lost each; the draw shows it, and the next
// Swiss round is drawn (the two are not paired again).
func TestDoubleForfeit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		id := w.create(t, `"title":{"kk":"Дебат лигасы"},"format":"swiss"`)
		w.teams(t, id, 4)
		want(t, "judge", w.api("POST", "/api/v1/competitions/"+id+"/judges", w.otok, fmt.Sprintf(`{"person_id":"%d"}`, w.judge.User.ID)), http.StatusCreated)
		r1 := w.draw(t, id, `{}`)
		g0, g1 := r1.Pairings[0], r1.Pairings[1]

		want(t, "double forfeit by a member", w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.xtok, `{"absent":"both"}`), http.StatusForbidden)
		r := w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.jtok, `{"absent":"both"}`)
		want(t, "double forfeit", r, http.StatusOK, `"double_forfeit":true`, `"forfeit":true`, `"done":true`)
		if p := decode[pairingOut](t, r); p.Winner != "" || p.HomeScore != nil || p.AwayScore != nil {
			t.Fatalf("double forfeit: %+v", p)
		}
		want(t, "double forfeit twice", w.api("POST", "/api/v1/pairings/"+g0.ID+"/forfeit", w.jtok, `{"absent":"both"}`), http.StatusConflict,
			"келмеу ретінде жазылып қойған") // Kazakh: the API speaks the default language
		want(t, "a result after it", w.api("PUT", "/api/v1/pairings/"+g0.ID, w.jtok, `{"home_score":1,"away_score":0}`), http.StatusConflict)
		want(t, "result", w.api("PUT", "/api/v1/pairings/"+g1.ID, w.otok, `{"home_score":2,"away_score":1}`), http.StatusOK)
		want(t, "double forfeit after a result", w.api("POST", "/api/v1/pairings/"+g1.ID+"/forfeit", w.otok, `{"absent":"both"}`), http.StatusConflict,
			"енгізіліп қойған")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE id = ? AND forfeit = FALSE AND home_score = 2`, g1.ID); n != 1 {
			t.Fatal("the refused double forfeit changed the result")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'competitions.forfeit'`); n != 1 {
			t.Fatalf("%d forfeits audited", n)
		}

		tab := w.table(t, id)
		for _, team := range []string{g0.Home, *g0.Away} {
			if s := tab[team]; s.Played != 1 || s.Lost != 1 || s.ForfeitsLost != 1 || s.ForfeitsWon != 0 || s.Points != 0 || s.ScoresFor != 0 || s.ScoresAgainst != 0 {
				t.Fatalf("a team of the double forfeit: %+v", s)
			}
		}
		if s := tab[g1.Home]; s.Won != 1 || s.Points != 3 || s.ScoresFor != 2 {
			t.Fatalf("the played game's winner: %+v", s)
		}
		want(t, "the draw shows it", w.env.Client().Get("/en/competitions/"+id), http.StatusOK, "Double forfeit: neither team showed up")

		// The round is complete: round 2 is drawn, without a rematch.
		r2 := w.draw(t, id, `{}`)
		for _, p := range r2.Pairings {
			if p.Away != nil && ((p.Home == g0.Home && *p.Away == *g0.Away) || (p.Home == *g0.Away && *p.Away == g0.Home)) {
				t.Fatalf("the absent teams are paired again: %+v", r2)
			}
		}

		// The final stage seeded from the Swiss table is a knockout: refused there too.
		for _, p := range r2.Pairings {
			want(t, "round 2 result", w.api("PUT", "/api/v1/pairings/"+p.ID, w.otok, `{"home_score":1,"away_score":0}`), http.StatusOK)
		}
		fin := w.draw(t, id, `{"qualifiers":2}`)
		if fin.Stage != "final" {
			t.Fatalf("not the final stage: %+v", fin)
		}
		want(t, "double forfeit in the final", w.api("POST", "/api/v1/pairings/"+fin.Pairings[0].ID+"/forfeit", w.otok, `{"absent":"both"}`),
			http.StatusConflict, "жеңімпаз керек")

		// The page's form, by the organizer, in a round robin.
		rr := w.create(t, `"title":{"kk":"Шахмат"},"format":"round_robin","points":"chess"`)
		w.teams(t, rr, 4)
		rd := w.draw(t, rr, `{}`)
		oc := w.env.Client()
		oc.SignIn(w.organizer)
		page := "/ru/competitions/" + rr
		want(t, "the form offers it", oc.Get(page), http.StatusOK, `<option value="both">`)
		want(t, "double forfeit form", oc.PostForm(fmt.Sprintf("%s/pairings/%s/forfeit", page, rd.Pairings[0].ID), url.Values{"absent": {"both"}}), http.StatusSeeOther)
		want(t, "the page after it", oc.Get(page), http.StatusOK, "Обоюдная неявка")
		want(t, "twice by the form", oc.PostForm(fmt.Sprintf("%s/pairings/%s/forfeit", page, rd.Pairings[0].ID), url.Values{"absent": {"both"}}),
			http.StatusConflict, "уже записана как неявка")

		// A knockout needs a winner: refused, the game still waits.
		ko := w.create(t, `"title":{"kk":"Кубок"},"format":"knockout"`)
		w.teams(t, ko, 4)
		kr := w.draw(t, ko, `{}`)
		want(t, "double forfeit in a knockout", w.api("POST", "/api/v1/pairings/"+kr.Pairings[0].ID+"/forfeit", w.otok, `{"absent":"both"}`),
			http.StatusConflict, "жеңімпаз керек")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE id = ? AND done = FALSE`, kr.Pairings[0].ID); n != 1 {
			t.Fatal("the refused double forfeit changed the knockout game")
		}
		kp := "/kk/competitions/" + ko
		if r := oc.Get(kp); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `<option value="both">`) {
			t.Fatalf("the knockout's form offers a double forfeit: %d", r.StatusCode)
		}
	})
}
