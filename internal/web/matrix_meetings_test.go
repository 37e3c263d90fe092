package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/web"
)

// Meetings and elections: organizers and election officers are moderators
// and admins of the organization (w.root); members register, ask, vote;
// only the electorate casts ballots.
func init() {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	write := func(w *world, fn func(tx *db.Tx) error) { must(w.env.App.DB.Write(ctx, fn)) }
	// meeting makes a meeting of w.root tomorrow, for its members.
	meeting := func(w *world) int64 {
		var id int64
		write(w, func(tx *db.Tx) error {
			start := tx.Now.Add(24 * time.Hour)
			return tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, address, starts_at, ends_at, invite, created_at, updated_at)
				VALUES (?, 'report', 'in_person', 'Жиналыс', 'Орал', ?, ?, 'members', ?, ?) RETURNING id`,
				w.root, start, start.Add(2*time.Hour), tx.Now, tx.Now).Scan(&id)
		})
		return id
	}
	// begun makes a meeting of w.root that began an hour ago (its minutes
	// can be approved).
	begun := func(w *world) int64 {
		var id int64
		write(w, func(tx *db.Tx) error {
			start := tx.Now.Add(-time.Hour)
			return tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, address, starts_at, ends_at, invite, created_at, updated_at)
				VALUES (?, 'report', 'in_person', 'Жиналыс', 'Орал', ?, ?, 'members', ?, ?) RETURNING id`,
				w.root, start, start.Add(2*time.Hour), tx.Now, tx.Now).Scan(&id)
		})
		return id
	}
	// registered registers a fresh member of w.root (present when asked).
	registered := func(w *world, m int64, present bool) (userID int64, token string) {
		p := w.env.NewPerson()
		w.env.Grant(p, w.root, "member")
		token = fmt.Sprintf("tok%d", uniq.Add(1))
		write(w, func(tx *db.Tx) error {
			var at any
			if present {
				at = tx.Now
			}
			_, err := tx.Exec(ctx, "INSERT INTO meeting_registrations (meeting_id, user_id, status, checkin_token, created_at, present_at) VALUES (?, ?, 'registered', ?, ?, ?)",
				m, p.User.ID, token, tx.Now, at)
			return err
		})
		return p.User.ID, token
	}
	first := func(w *world, q string, args ...any) int64 {
		var id int64
		must(w.env.App.DB.QueryRow(ctx, q, args...).Scan(&id))
		return id
	}
	// election makes an election of w.root with one accepted candidate,
	// in the given status; the electorate (w.root's members now) is fixed
	// unless it is a draft.
	election := func(w *world, status string) (id, cand int64) {
		p := w.env.NewPerson()
		w.env.Grant(p, w.root, "member")
		write(w, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO elections (org_id, title_kk, seats, method, rule, electorate_org_id, status, created_at, updated_at)
				VALUES (?, 'Сайлау', 1, 'choose', 'plurality', ?, ?, ?, ?) RETURNING id`, w.root, w.root, status, tx.Now, tx.Now).Scan(&id); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO election_candidates (election_id, person_id, status, created_at) VALUES (?, ?, 'accepted', ?) RETURNING id`,
				id, p.User.ID, tx.Now).Scan(&cand); err != nil {
				return err
			}
			if status == "draft" {
				return nil
			}
			_, err := tx.Exec(ctx, `INSERT INTO election_electorate (election_id, person_id) SELECT DISTINCT e.id, m.user_id FROM elections e
				JOIN memberships m ON m.org_id = e.electorate_org_id JOIN users u ON u.id = m.user_id
				WHERE e.id = ? AND (u.consent_required = FALSE OR u.guardian_consent_at IS NOT NULL)`, id)
			return err
		})
		return id, cand
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return w.c.Do(req)
	}
	officer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	// member: invited members (and the organizers above them) take part.
	member := func(ok int) map[string]int { return atLeast("member", ok) }
	// electorate: only the members fixed in the electorate vote.
	electorate := func(ok int) map[string]int {
		m := atLeast("member", ok)
		m["guest"] = http.StatusUnprocessableEntity // asked for a code or to sign in
		for _, r := range []string{"moderator", "org_admin", "platform_admin"} {
			m[r] = http.StatusForbidden // grants do not make anyone a voter
		}
		return m
	}
	mpath := func(id int64, rest string) string { return fmt.Sprintf("/kk/meetings/%d%s", id, rest) }
	epath := func(id int64, rest string) string { return fmt.Sprintf("/kk/elections/%d%s", id, rest) }

	addCases(map[string]routeCase{
		// --- meetings: pages
		"POST /{lang}/meetings": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/meetings", url.Values{"org_id": {fmt.Sprint(w.root)}, "title_kk": {"Кеңес отырысы"}, "kind": {"council"},
				"format": {"in_person"}, "invite": {"members"}, "address": {"Орал"}, "starts_at": {"2026-04-01T10:00"}, "ends_at": {"2026-04-01T12:00"}, "quorum": {"50"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/agenda": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/agenda"), url.Values{"title": {"Есеп"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/agenda/{item}/move": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_agenda_items (meeting_id, position, title) VALUES (?, 1, 'A'), (?, 2, 'B')", m, m)
				return err
			})
			item := first(w, "SELECT MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", m)
			return w.c.PostForm(mpath(m, fmt.Sprintf("/agenda/%d/move", item)), url.Values{"dir": {"up"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/agenda/{item}/minutes": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_agenda_items (meeting_id, position, title) VALUES (?, 1, 'A')", m)
				return err
			})
			item := first(w, "SELECT MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", m)
			return w.c.PostForm(mpath(m, fmt.Sprintf("/agenda/%d/minutes", item)), url.Values{"minutes": {"Тыңдалды."}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/agenda/{item}/edit": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_agenda_items (meeting_id, position, title) VALUES (?, 1, 'A')", m)
				return err
			})
			item := first(w, "SELECT MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", m)
			return w.c.PostForm(mpath(m, fmt.Sprintf("/agenda/%d/edit", item)), url.Values{"title": {"Жылдық есеп"}, "duration_min": {"20"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/agenda/{item}/delete": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_agenda_items (meeting_id, position, title) VALUES (?, 1, 'A')", m)
				return err
			})
			item := first(w, "SELECT MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", m)
			return w.c.PostForm(mpath(m, fmt.Sprintf("/agenda/%d/delete", item)), confirmed)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/edit": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/edit"), url.Values{"title_kk": {"Кеңес отырысы"}, "kind": {"council"},
				"format": {"in_person"}, "invite": {"members"}, "address": {"Орал"}, "starts_at": {"2030-04-01T10:00"}, "ends_at": {"2030-04-01T12:00"}, "quorum": {"50"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/cancel-meeting": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/cancel-meeting"), url.Values{"reason": {"Зал жабық."}, web.ConfirmField: {"1"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/register": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/register"), nil)
		}, member(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/cancel": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/cancel"), nil) // nobody is registered
		}, signedIn(http.StatusNotFound)},
		"POST /{lang}/meetings/{id}/attendance": {func(w *world) *apptest.Response {
			m := meeting(w)
			u, _ := registered(w, m, false)
			return w.c.PostForm(mpath(m, "/attendance"), url.Values{"user_id": {fmt.Sprint(u)}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/checkin": {func(w *world) *apptest.Response {
			m := meeting(w)
			_, tok := registered(w, m, false)
			return w.c.PostForm(mpath(m, "/checkin"), url.Values{"t": {tok}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/questions": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/questions"), url.Values{"body": {"Жастар орталығы қашан ашылады?"}})
		}, member(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/questions/{q}/vote": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_questions (meeting_id, author_id, body, created_at) VALUES (?, ?, 'Сұрақ бар ма?', ?)", m, w.other.User.ID, tx.Now)
				return err
			})
			return w.c.PostForm(mpath(m, fmt.Sprintf("/questions/%d/vote", first(w, "SELECT MAX(id) FROM meeting_questions"))), nil)
		}, member(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/questions/{q}/moderate": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_questions (meeting_id, author_id, body, created_at) VALUES (?, ?, 'Сұрақ бар ма?', ?)", m, w.other.User.ID, tx.Now)
				return err
			})
			return w.c.PostForm(mpath(m, fmt.Sprintf("/questions/%d/moderate", first(w, "SELECT MAX(id) FROM meeting_questions"))),
				url.Values{"action": {"answer"}, "answer": {"Жауап."}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/decisions": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(meeting(w), "/decisions"), url.Values{"text": {"Қабылдансын."}, "mode": {"counted"}, "votes_for": {"10"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/decisions/{d}/vote": {func(w *world) *apptest.Response {
			m := meeting(w)
			if w.me.User != nil { // present at the meeting
				write(w, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO meeting_registrations (meeting_id, user_id, status, checkin_token, created_at, present_at) VALUES (?, ?, 'registered', ?, ?, ?)",
						m, w.me.User.ID, fmt.Sprintf("me%d", uniq.Add(1)), tx.Now, tx.Now)
					return err
				})
			}
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_decisions (meeting_id, text, mode, status, created_at) VALUES (?, 'Шешім', 'online', 'voting', ?)", m, tx.Now)
				return err
			})
			return w.c.PostForm(mpath(m, fmt.Sprintf("/decisions/%d/vote", first(w, "SELECT MAX(id) FROM meeting_decisions"))), url.Values{"choice": {"for"}})
		}, member(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/decisions/{d}/close": {func(w *world) *apptest.Response {
			m := meeting(w)
			write(w, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO meeting_decisions (meeting_id, text, mode, status, created_at) VALUES (?, 'Шешім', 'online', 'voting', ?)", m, tx.Now)
				return err
			})
			return w.c.PostForm(mpath(m, fmt.Sprintf("/decisions/%d/close", first(w, "SELECT MAX(id) FROM meeting_decisions"))), confirmed)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/meetings/{id}/minutes/approve": {func(w *world) *apptest.Response {
			return w.c.PostForm(mpath(begun(w), "/minutes/approve"), confirmed)
		}, officer(http.StatusSeeOther)},
		// --- meetings: API
		"POST /api/v1/meetings": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/meetings", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Кездесу"},"kind":"qa","format":"online",
				"online_url":"https://meet.example.kz/a","starts_at":"2026-04-01T05:00:00Z","ends_at":"2026-04-01T06:00:00Z","invite":"anyone"}`, w.root))
		}, officer(http.StatusCreated)},
		"PUT /api/v1/meetings/{id}/registration": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/meetings/%d/registration", meeting(w)), "")
		}, member(http.StatusOK)},
		"DELETE /api/v1/meetings/{id}/registration": {func(w *world) *apptest.Response {
			return api(w, "DELETE", fmt.Sprintf("/api/v1/meetings/%d/registration", meeting(w)), "")
		}, signedIn(http.StatusNotFound)},
		"POST /api/v1/meetings/{id}/questions": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/meetings/%d/questions", meeting(w)), `{"body":"Грант қашан жарияланады?"}`)
		}, member(http.StatusCreated)},

		// --- elections: pages
		"POST /{lang}/elections": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/elections", url.Values{"org_id": {fmt.Sprint(w.root)}, "title_kk": {"Делегаттар"}, "seats": {"3"},
				"method": {"choose"}, "rule": {"plurality"}, "quorum": {"50"}})
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/ballot": {func(w *world) *apptest.Response {
			id, cand := election(w, "open")
			return w.c.PostForm(epath(id, "/ballot"), url.Values{"choice": {fmt.Sprint(cand)}})
		}, electorate(http.StatusCreated)},
		"POST /{lang}/elections/{id}/candidates": {func(w *world) *apptest.Response {
			id, _ := election(w, "draft")
			p := w.env.NewPerson()
			w.env.Grant(p, w.root, "member")
			return w.c.PostForm(epath(id, "/candidates"), url.Values{"email": {p.Email}})
		}, member(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/candidates/{cid}/{action}": {func(w *world) *apptest.Response {
			id, cand := election(w, "draft")
			return w.c.PostForm(epath(id, fmt.Sprintf("/candidates/%d/withdraw", cand)), nil)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/open": {func(w *world) *apptest.Response {
			id, _ := election(w, "draft")
			return w.c.PostForm(epath(id, "/open"), confirmed)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/close": {func(w *world) *apptest.Response {
			id, _ := election(w, "open")
			return w.c.PostForm(epath(id, "/close"), confirmed)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/publish": {func(w *world) *apptest.Response {
			id, _ := election(w, "closed")
			return w.c.PostForm(epath(id, "/publish"), confirmed)
		}, officer(http.StatusSeeOther)},
		"POST /{lang}/elections/{id}/codes": {func(w *world) *apptest.Response {
			id, _ := election(w, "open")
			return w.c.PostForm(epath(id, "/codes"), confirmed)
		}, officer(http.StatusOK)},
		"POST /{lang}/elections/{id}/codes/email": {func(w *world) *apptest.Response {
			id, _ := election(w, "open")
			return w.c.PostForm(epath(id, "/codes/email"), confirmed)
		}, officer(http.StatusOK)},
		"POST /{lang}/elections/{id}/candidates/list": {func(w *world) *apptest.Response {
			id, _ := election(w, "draft")
			p := w.env.NewPerson()
			w.env.Grant(p, w.root, "member")
			return w.c.PostForm(epath(id, "/candidates/list"), url.Values{"list": {p.Email}})
		}, officer(http.StatusSeeOther)},
		// --- elections: API
		"POST /api/v1/elections": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/elections", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Сайлау"},"seats":1,"method":"for_against_abstain",
				"electorate":{"organization_id":"%d"},"rule":"majority","quorum":0.5}`, w.root, w.root))
		}, officer(http.StatusCreated)},
		"POST /api/v1/elections/{id}/candidates": {func(w *world) *apptest.Response {
			id, _ := election(w, "draft")
			p := w.env.NewPerson()
			w.env.Grant(p, w.root, "member")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/candidates", id), fmt.Sprintf(`{"person_id":"%d"}`, p.User.ID))
		}, member(http.StatusCreated)},
		"POST /api/v1/elections/{id}/open": {func(w *world) *apptest.Response {
			id, _ := election(w, "draft")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/open", id), "")
		}, officer(http.StatusOK)},
		"POST /api/v1/elections/{id}/close": {func(w *world) *apptest.Response {
			id, _ := election(w, "open")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/close", id), "")
		}, officer(http.StatusOK)},
		"POST /api/v1/elections/{id}/publish": {func(w *world) *apptest.Response {
			id, _ := election(w, "closed")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/publish", id), "")
		}, officer(http.StatusOK)},
		"POST /api/v1/elections/{id}/ballots": {func(w *world) *apptest.Response {
			id, cand := election(w, "open")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/ballots", id), fmt.Sprintf(`{"choices":["%d"]}`, cand))
		}, func() map[string]int {
			m := electorate(http.StatusCreated)
			m["guest"] = http.StatusUnauthorized // neither a token nor a code
			return m
		}()},
		"POST /api/v1/elections/{id}/codes": {func(w *world) *apptest.Response {
			id, _ := election(w, "open")
			return api(w, "POST", fmt.Sprintf("/api/v1/elections/%d/codes", id), "")
		}, officer(http.StatusOK)},
	})
}

// confirmed is the form a confirmation page posts (web.Confirmation): the
// rows check who may do the act itself.
var confirmed = url.Values{web.ConfirmField: {"1"}}
