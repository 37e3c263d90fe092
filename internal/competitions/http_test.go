package competitions_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// The pages work without JavaScript: an organizer creates a competition,
// enters teams and a judge and draws a round through forms; bad input is
// answered on the page next to its field (422) and changes nothing; the
// judge enters a result through the game's form and the table shows it;
// the judge's home lists the games waiting, the home page the competition.
func TestFormsWithoutJavaScript(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		oc := w.env.Client()
		oc.SignIn(w.organizer)

		bad := oc.PostForm("/ru/competitions", url.Values{"org_id": {fmt.Sprint(w.org)}, "title_kk": {""}, "format": {"league"},
			"disciplines": {"волейбол"}})
		want(t, "bad competition", bad, http.StatusUnprocessableEntity, `id="e-format"`, `id="e-disciplines"`, "ключ: название")
		r := oc.PostForm("/kk/competitions", url.Values{"org_id": {fmt.Sprint(w.org)}, "title_kk": {"Шағын футбол"}, "format": {"round_robin"},
			"points": {"football"}, "disciplines": {""}})
		want(t, "create", r, http.StatusSeeOther)
		page := r.Header.Get("Location")
		if !strings.HasPrefix(page, "/kk/competitions/") {
			t.Fatalf("redirect to %q", page)
		}
		id := strings.TrimPrefix(page, "/kk/competitions/")

		for i := range 3 {
			want(t, "team", oc.PostForm(page+"/teams", url.Values{"name": {fmt.Sprintf("Құрама %d", i+1)},
				"members": {fmt.Sprintf("%d, %d", w.players[2*i].User.ID, w.players[2*i+1].User.ID)}}), http.StatusSeeOther)
		}
		twice := oc.PostForm(page+"/teams", url.Values{"name": {"Тағы бір"}, "members": {fmt.Sprint(w.players[0].User.ID)}})
		want(t, "member in two teams", twice, http.StatusUnprocessableEntity, `id="e-members"`, "«Құрама 1»")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ?`, id); n != 3 {
			t.Fatalf("%d teams after a refused one", n)
		}
		want(t, "judge", oc.PostForm(page+"/judges", url.Values{"person_id": {fmt.Sprint(w.judge.User.ID)}}), http.StatusSeeOther)
		want(t, "draw", oc.PostForm(page+"/rounds", nil), http.StatusSeeOther)

		var game, home int64
		if err := d.QueryRow(t.Context(), `SELECT id, home_id FROM competition_pairings WHERE competition_id = ? AND away_id IS NOT NULL ORDER BY board LIMIT 1`, id).Scan(&game, &home); err != nil {
			t.Fatal(err)
		}
		jc := w.env.Client()
		jc.SignIn(w.judge)
		me := jc.Get("/kk/me")
		want(t, "judge's home", me, http.StatusOK, `id="me-competitions-judge"`, "Шағын футбол")
		show := jc.Get(page)
		want(t, "judge's page", show, http.StatusOK, fmt.Sprintf(`action="/kk/competitions/%s/pairings/%d/result"`, id, game))

		action := fmt.Sprintf("%s/pairings/%d/result", page, game)
		badScore := jc.PostForm(action, url.Values{"home_score": {"үш"}, "away_score": {"1"}})
		want(t, "a score in words", badScore, http.StatusUnprocessableEntity, "Есепті санмен жазыңыз")
		if n := count(t, d, `SELECT COUNT(*) FROM competition_pairings WHERE id = ? AND done = TRUE`, game); n != 0 {
			t.Fatal("a refused result was written")
		}
		want(t, "result", jc.PostForm(action, url.Values{"home_score": {"4"}, "away_score": {"2"}}), http.StatusSeeOther)
		want(t, "again", jc.PostForm(action, url.Values{"home_score": {"4"}, "away_score": {"2"}}), http.StatusConflict)
		table := jc.Get(page)
		want(t, "table", table, http.StatusOK, "4 : 2", fmt.Sprintf(`<tr data-team="%d"><td>1</td>`, home))

		// A member who is not a judge has no form and is refused.
		xc := w.env.Client()
		xc.SignIn(w.outsider)
		if strings.Contains(xc.Get(page).Body, "result-form") {
			t.Fatal("a member who is not a judge sees a result form")
		}
		want(t, "not a judge", xc.PostForm(action, url.Values{"winner": {"home"}}), http.StatusForbidden)
		// A pairing of another competition through this one's address: 404.
		want(t, "pairing elsewhere", jc.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/result", 999999, game), url.Values{"winner": {"home"}}),
			http.StatusNotFound)

		// A report about the competition is listed on its page.
		admin := w.env.NewPerson()
		w.env.Grant(admin, w.org, "admin")
		rep := w.api("POST", "/api/v1/reports", token(t, w.env, admin), fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Шағын футбол: бірінші тур өтті"},
			"body":{"kk":"Үш команда алаңға шықты."},"links":{"competition_id":"%s"}}`, w.org, id))
		want(t, "report", rep, http.StatusCreated)
		want(t, "report on the page", w.env.Client().Get(page), http.StatusOK, "Шағын футбол: бірінші тур өтті")

		home2 := w.env.Client().Get("/kk/")
		want(t, "home page", home2, http.StatusOK, `id="now-competitions"`, "Шағын футбол")
	})
}

// An organizer names a judge by typing a name, not a person's number: the
// people offered are those AddJudge takes (members of the organization),
// in either script; a name that leaves a choice brings a button per match;
// a name nobody has is answered next to the field; nothing is stored until
// one person is meant.
func TestJudgeNamedByTyping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		stranger := w.env.NewPerson() // not a member: never offered
		rename(t, d, map[int64]string{w.judge.User.ID: "Бекзат Әлиев", w.outsider.User.ID: "Бекзат Нұров", stranger.User.ID: "Бекзат Сейітов"})
		id := w.create(t, `"title":{"kk":"Волейбол лигасы"},"format":"round_robin"`)
		oc := w.env.Client()
		oc.SignIn(w.organizer)
		page := "/en/competitions/" + id
		judges := func() int { return count(t, d, `SELECT COUNT(*) FROM competition_judges WHERE competition_id = ?`, id) }

		r := oc.PostForm(page+"/judges", url.Values{"judge_q": {"бекзат"}})
		want(t, "two members match", r, http.StatusUnprocessableEntity, `id="judge-matches"`, "Бекзат Әлиев", "Бекзат Нұров",
			fmt.Sprintf(`name="person_id" value="%d"`, w.outsider.User.ID), "Several members match")
		if strings.Contains(r.Body, "Сейітов") {
			t.Fatal("a stranger was offered as a judge")
		}
		want(t, "nobody", oc.PostForm(page+"/judges", url.Values{"judge_q": {"Сейітов"}}), http.StatusUnprocessableEntity,
			`id="e-judge_q"`, "No member of the organization has that name", `<label for="f-judge_q">Judge&#39;s name</label>`)
		want(t, "too short", oc.PostForm(page+"/judges", url.Values{"judge_q": {"б"}}), http.StatusUnprocessableEntity, `id="e-judge_q"`)
		if n := judges(); n != 0 {
			t.Fatalf("%d judges stored before one person was meant", n)
		}
		// The whole name in the Latin alphabet means one person.
		want(t, "one by name", oc.PostForm(page+"/judges", url.Values{"judge_q": {"Bekzat Äliev"}}), http.StatusSeeOther)
		// A match's button sends the person.
		want(t, "by button", oc.PostForm(page+"/judges", url.Values{"person_id": {fmt.Sprint(w.outsider.User.ID)}}), http.StatusSeeOther)
		got, err := db.ScanIDs(d.Query(t.Context(), `SELECT user_id FROM competition_judges WHERE competition_id = ? ORDER BY user_id`, id))
		if err != nil {
			t.Fatal(err)
		}
		if w1, w2 := min(w.judge.User.ID, w.outsider.User.ID), max(w.judge.User.ID, w.outsider.User.ID); len(got) != 2 || got[0] != w1 || got[1] != w2 {
			t.Fatalf("judges %v, want %d and %d", got, w1, w2)
		}
		// A stranger's number sent by hand is refused next to the field.
		want(t, "stranger by number", oc.PostForm(page+"/judges", url.Values{"person_id": {fmt.Sprint(stranger.User.ID)}}),
			http.StatusUnprocessableEntity, `id="e-judge_q"`)
	})
}

// An organizer enters a team's members by their names, separated by
// commas, in either script; a name that leaves a choice or means nobody
// is refused next to the field with the matches' names and numbers, and
// nothing is stored; a number ("#12") still names a namesake.
func TestTeamMembersNamedByTyping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		stranger := w.env.NewPerson() // not a member: never offered
		rename(t, d, map[int64]string{w.players[0].User.ID: "Айгерім Бекова", w.players[1].User.ID: "Айгерім Сәрсенова",
			w.players[2].User.ID: "Данияр Омаров", stranger.User.ID: "Данияр Қасымов"})
		id := w.create(t, `"title":{"kk":"Волейбол лигасы"},"format":"round_robin"`)
		oc := w.env.Client()
		oc.SignIn(w.organizer)
		page := "/en/competitions/" + id
		teams := func() int { return count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ?`, id) }

		want(t, "two match", oc.PostForm(page+"/teams", url.Values{"name": {"Құрама"}, "members": {"Данияр Омаров, Айгерім"}}),
			http.StatusUnprocessableEntity, `id="e-members"`, "matches several members", "Айгерім Бекова (#", "Айгерім Сәрсенова (#")
		want(t, "nobody", oc.PostForm(page+"/teams", url.Values{"name": {"Құрама"}, "members": {"Данияр Қасымов"}}),
			http.StatusUnprocessableEntity, `id="e-members"`, "No member is named")
		if n := teams(); n != 0 {
			t.Fatalf("%d teams stored from refused forms", n)
		}
		want(t, "by names", oc.PostForm(page+"/teams", url.Values{"name": {"Құрама"}, "members": {"Данияр Омаров, Aigerim Bekova"}}), http.StatusSeeOther)
		// The team's organization is named by typing too.
		college := w.env.NewOrg(w.org, "Сарысу аграрлық колледжі")
		want(t, "unknown organization", oc.PostForm(page+"/teams", url.Values{"name": {"Екінші"}, "team_org_id_q": {"Жоқ колледж"},
			"members": {fmt.Sprintf("#%d", w.players[1].User.ID)}}), http.StatusUnprocessableEntity, `id="e-team_org_id"`, `value="Жоқ колледж"`)
		want(t, "by number", oc.PostForm(page+"/teams", url.Values{"name": {"Екінші"}, "team_org_id_q": {"аграрлық колледж"},
			"members": {fmt.Sprintf("#%d", w.players[1].User.ID)}}), http.StatusSeeOther)
		if n := count(t, d, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ? AND name = 'Екінші' AND org_id = ?`, id, college); n != 1 {
			t.Fatalf("the second team's organization: %d rows with %d", n, college)
		}
		got, err := db.ScanIDs(d.Query(t.Context(), `SELECT user_id FROM competition_members WHERE competition_id = ? ORDER BY user_id`, id))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] != w.players[0].User.ID || got[1] != w.players[1].User.ID || got[2] != w.players[2].User.ID {
			t.Fatalf("members %v, want players 0–2", got)
		}
	})
}

// rename gives people new names, with their memberships' sort keys.
func rename(t *testing.T, d *db.DB, names map[int64]string) {
	t.Helper()
	if err := d.Write(t.Context(), func(tx *db.Tx) error {
		for id, name := range names {
			if _, err := tx.Exec(t.Context(), "UPDATE users SET name = ? WHERE id = ?", name, id); err != nil {
				return err
			}
			if _, err := tx.Exec(t.Context(), "UPDATE memberships SET name_key = ? WHERE user_id = ?", kazakh.Fold(name), id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
