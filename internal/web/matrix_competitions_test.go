package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/web"
)

// Competitions: the organizers of the organization (its moderators and
// admins, and those above them) create competitions, enter teams, name
// judges, draw and change rounds and issue awards; results are entered by
// them or by the named judges (none of the roles below is a judge).
func init() {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	// competition makes a round-robin competition of w.root with teams
	// teams, each with one member of w.root; it returns its id and the
	// teams' ids.
	competition := func(w *world, teams int) (int64, []int64) {
		var id int64
		var ids []int64
		members := make([]apptest.Person, teams)
		for i := range members {
			members[i] = w.env.NewPerson()
			w.env.Grant(members[i], w.root, "member")
		}
		must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO competitions (org_id, title_kk, format, points, seed, created_at)
				VALUES (?, 'Спартакиада', 'round_robin', 'football', 7, ?) RETURNING id`, w.root, tx.Now).Scan(&id); err != nil {
				return err
			}
			for i := range teams {
				var t int64
				if err := tx.QueryRow(ctx, `INSERT INTO competition_teams (competition_id, name, created_at) VALUES (?, ?, ?) RETURNING id`,
					id, fmt.Sprintf("Команда %d", i+1), tx.Now).Scan(&t); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO competition_members (competition_id, team_id, user_id) VALUES (?, ?, ?)`,
					id, t, members[i].User.ID); err != nil {
					return err
				}
				ids = append(ids, t)
			}
			return nil
		}))
		return id, ids
	}
	// round draws round 1 directly: teams 1 v 2, 3 v 4, …; it returns the
	// round and its first pairing.
	round := func(w *world, comp int64, teams []int64) (int64, int64) {
		var r, first int64
		must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO competition_rounds (competition_id, stage, number, seed, created_at) VALUES (?, 'main', 1, 9, ?) RETURNING id`,
				comp, tx.Now).Scan(&r); err != nil {
				return err
			}
			for i := 0; i+1 < len(teams); i += 2 {
				var p int64
				if err := tx.QueryRow(ctx, `INSERT INTO competition_pairings (round_id, competition_id, board, home_id, away_id) VALUES (?, ?, ?, ?, ?) RETURNING id`,
					r, comp, i/2+1, teams[i], teams[i+1]).Scan(&p); err != nil {
					return err
				}
				if first == 0 {
					first = p
				}
			}
			return nil
		}))
		return r, first
	}
	member := func(w *world) int64 {
		p := w.env.NewPerson()
		w.env.Grant(p, w.root, "member")
		return p.User.ID
	}
	// judge names a member of w.root a judge of competition c.
	judge := func(w *world, c int64) int64 {
		id := member(w)
		must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO competition_judges (competition_id, user_id, added_at) VALUES (?, ?, ?)`, c, id, tx.Now)
			return err
		}))
		return id
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return w.c.Do(req)
	}
	organizer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	addCases(map[string]routeCase{
		"POST /{lang}/competitions": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/competitions", url.Values{"org_id": {fmt.Sprint(w.root)}, "title_kk": {"Дебат чемпионаты"},
				"format": {"swiss"}, "points": {"debate"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/teams": {func(w *world) *apptest.Response {
			c, _ := competition(w, 0)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/teams", c), url.Values{"name": {"Жаңа команда"}, "members": {fmt.Sprint(member(w))}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/judges": {func(w *world) *apptest.Response {
			c, _ := competition(w, 0)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/judges", c), url.Values{"person_id": {fmt.Sprint(member(w))}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/rounds": {func(w *world) *apptest.Response {
			c, _ := competition(w, 3)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/rounds", c), nil)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/rounds/{round}/swap": {func(w *world) *apptest.Response {
			c, teams := competition(w, 4)
			r, _ := round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/rounds/%d/swap", c, r), url.Values{"team_a": {fmt.Sprint(teams[0])}, "team_b": {fmt.Sprint(teams[2])}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/pairings/{pairing}/result": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/result", c, p), url.Values{"home_score": {"2"}, "away_score": {"1"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/competitions/{id}/pairings/{pairing}/clear": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = 1, away_score = 0, done = TRUE WHERE id = ?`, p)
				return err
			}))
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/clear", c, p), nil)
		}, organizer(http.StatusSeeOther)},
		"DELETE /api/v1/pairings/{id}/result": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE competition_pairings SET winner_id = home_id, done = TRUE WHERE id = ?`, p)
				return err
			}))
			return api(w, "DELETE", fmt.Sprintf("/api/v1/pairings/%d/result", p), "")
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/awards": {func(w *world) *apptest.Response {
			c, _ := competition(w, 2)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/awards", c), url.Values{"to": {"participants"}})
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/competitions": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/competitions", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Спартакиада"},"format":"round_robin"}`, w.root))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/competitions/{id}/teams": {func(w *world) *apptest.Response {
			c, _ := competition(w, 0)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/teams", c), fmt.Sprintf(`{"name":"Жаңа","members":["%d"]}`, member(w)))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/competitions/{id}/judges": {func(w *world) *apptest.Response {
			c, _ := competition(w, 0)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/judges", c), fmt.Sprintf(`{"person_id":"%d"}`, member(w)))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/competitions/{id}/rounds": {func(w *world) *apptest.Response {
			c, _ := competition(w, 2)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/rounds", c), `{}`)
		}, organizer(http.StatusCreated)},
		"POST /api/v1/competitions/{id}/awards": {func(w *world) *apptest.Response {
			c, _ := competition(w, 2)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/awards", c), `{"to":"participants"}`)
		}, organizer(http.StatusCreated)},
		"POST /api/v1/rounds/{id}/swap": {func(w *world) *apptest.Response {
			c, teams := competition(w, 4)
			r, _ := round(w, c, teams)
			return api(w, "POST", fmt.Sprintf("/api/v1/rounds/%d/swap", r), fmt.Sprintf(`{"team_a":"%d","team_b":"%d"}`, teams[1], teams[3]))
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/teams/{team}/withdraw": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/teams/%d/withdraw", c, teams[0]), url.Values{"reason": {"Келмеді"}, web.ConfirmField: {"1"}})
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/competitions/{id}/teams/{team}/withdraw": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/teams/%d/withdraw", c, teams[1]), `{"reason":"Жарақат"}`)
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/pairings/{pairing}/forfeit": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/forfeit", c, p), url.Values{"absent": {"away"}})
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/pairings/{id}/forfeit": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return api(w, "POST", fmt.Sprintf("/api/v1/pairings/%d/forfeit", p), `{"absent":"home"}`)
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/pairings/{pairing}/judges": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/judges", c, p), url.Values{"judge": {fmt.Sprint(judge(w, c))}})
		}, organizer(http.StatusSeeOther)},
		"PUT /api/v1/pairings/{id}/judges": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return api(w, "PUT", fmt.Sprintf("/api/v1/pairings/%d/judges", p), fmt.Sprintf(`{"judges":["%d"]}`, judge(w, c)))
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/rounds/{round}/judges": {func(w *world) *apptest.Response {
			c, teams := competition(w, 4)
			r, _ := round(w, c, teams)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/rounds/%d/judges", c, r), url.Values{"judge": {fmt.Sprint(judge(w, c))}})
		}, organizer(http.StatusSeeOther)},
		"PUT /api/v1/rounds/{id}/judges": {func(w *world) *apptest.Response {
			c, teams := competition(w, 4)
			r, _ := round(w, c, teams)
			return api(w, "PUT", fmt.Sprintf("/api/v1/rounds/%d/judges", r), fmt.Sprintf(`{"judges":["%d"]}`, judge(w, c)))
		}, organizer(http.StatusOK)},
		"POST /{lang}/competitions/{id}/groups": {func(w *world) *apptest.Response {
			c, _ := competition(w, 4)
			return w.c.PostForm(fmt.Sprintf("/kk/competitions/%d/groups", c), url.Values{"groups": {"2"}, "method": {"snake"}})
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/competitions/{id}/groups": {func(w *world) *apptest.Response {
			c, _ := competition(w, 4)
			return api(w, "POST", fmt.Sprintf("/api/v1/competitions/%d/groups", c), `{"groups":2,"method":"snake"}`)
		}, organizer(http.StatusOK)},
		"PUT /api/v1/pairings/{id}": {func(w *world) *apptest.Response {
			c, teams := competition(w, 2)
			_, p := round(w, c, teams)
			return api(w, "PUT", fmt.Sprintf("/api/v1/pairings/%d", p), `{"winner":"home"}`)
		}, organizer(http.StatusOK)},
	})
}
