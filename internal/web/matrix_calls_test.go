package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Calls: organizers are moderators and admins of the call's organization
// (w.root); anyone signed in who is not a minor waiting for consent may
// apply; only an assigned juror scores; only the applicant declines.
func init() {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	see := http.StatusSeeOther
	organizer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	// callOf makes a call of w.root whose first stage takes applications now.
	callOf := func(w *world) *calls.Call {
		admin := w.env.NewPerson("admin")
		now := w.env.Clock.Now()
		c, err := w.env.App.Calls.Create(ctx, admin.User, calls.Input{OrgID: w.root, Kind: "selection", Title: i18n.Text{KK: "Көшбасшылар мектебі"},
			Form: []calls.Field{{Key: "about", Label: i18n.Text{KK: "Өзіңіз туралы"}, Type: "long_text", Required: true}},
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1, PerApplication: 1,
				Criteria: []calls.Criterion{{Key: "motivation", Title: i18n.Text{KK: "Уәж"}, Weight: 1, Max: 10}}}}})
		must(err)
		return c
	}
	// applicationOf stores p's application to c directly.
	applicationOf := func(w *world, c *calls.Call, userID int64) int64 {
		var id int64
		must(w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, "INSERT INTO call_applications (call_id, user_id, answers, submitted_at) VALUES (?, ?, '{}', ?) RETURNING id",
				c.ID, userID, tx.Now).Scan(&id); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO call_entries (stage_id, application_id, holding_id) VALUES (?, ?, ?)", c.Stages[0].ID, id, w.root)
			return err
		}))
		return id
	}
	// teamInviting makes a team call of w.root and w.other's team
	// application inviting w.me (or, for a guest, an address of no one).
	teamInviting := func(w *world) (*calls.Call, int64) {
		admin := w.env.NewPerson("admin")
		now := w.env.Clock.Now()
		c, err := w.env.App.Calls.Create(ctx, admin.User, calls.Input{OrgID: w.root, Kind: "contest", Title: i18n.Text{KK: "Хакатон"}, TeamMin: 2, TeamMax: 3,
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1,
				Criteria: []calls.Criterion{{Key: "idea", Title: i18n.Text{KK: "Идея"}, Weight: 1, Max: 10}}}}})
		must(err)
		email := "nobody@example.kz"
		if w.me.User != nil {
			email = w.me.Email
		}
		a, err := w.env.App.Calls.Submit(ctx, w.other.User, c.ID, calls.ApplyInput{Members: []string{email}})
		must(err)
		return c, a.ID
	}
	stagePath := func(c *calls.Call, rest string) string {
		return fmt.Sprintf("/calls/%d/stages/%d%s", c.ID, c.Stages[0].ID, rest)
	}
	ownDecline := func() map[string]int {
		m := signedIn(see)
		m["limited"] = http.StatusNotFound // a minor waiting for consent has no application to give up
		return m
	}()

	addCases(map[string]routeCase{
		// --- pages
		"POST /{lang}/calls/new": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/calls/new", url.Values{"organization_id": {fmt.Sprint(w.root)}, "op": {"create"}, "kind": {"contest"},
				"title.kk": {"IT байқауы"}, "form.0.label.kk": {"Жоба сілтемесі"}, "form.0.type": {"url"},
				"stages.0.title.kk": {"Іріктеу"}, "stages.0.opens_at": {"2030-01-10T09:00"}, "stages.0.closes_at": {"2030-01-20T18:00"},
				"stages.0.advance": {"3"}, "stages.0.criteria": {"Идея; 1; 10"}})
		}, organizer(see)},
		"POST /{lang}/calls/{id}/apply": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/calls/%d/apply", callOf(w).ID), url.Values{"answers.about": {"Жастармен жұмыс істеймін"}})
		}, takePart(see)},
		"POST /{lang}/calls/{id}/stages/{stage_id}/jurors": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk"+stagePath(callOf(w), "/jurors"), url.Values{"email": {w.other.Email}, "host_id": {fmt.Sprint(w.root)}})
		}, organizer(see)},
		"POST /{lang}/calls/{id}/stages/{stage_id}/assign": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk"+stagePath(callOf(w), "/assign"), nil)
		}, organizer(see)},
		"POST /{lang}/calls/{id}/stages/{stage_id}/close": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk"+stagePath(callOf(w), "/close"), nil)
		}, organizer(see)},
		"POST /{lang}/calls/{id}/stages/{stage_id}/decline": {func(w *world) *apptest.Response {
			c := callOf(w)
			if w.me.User != nil && !w.me.User.Limited() {
				applicationOf(w, c, w.me.User.ID)
			}
			return w.c.PostForm("/kk"+stagePath(c, "/decline"), nil)
		}, ownDecline},
		"POST /{lang}/calls/{id}/stages/{stage_id}/review/{app}": {func(w *world) *apptest.Response {
			c := callOf(w)
			app := applicationOf(w, c, w.other.User.ID) // assigned to nobody
			return w.c.PostForm("/kk"+stagePath(c, fmt.Sprintf("/review/%d", app)), url.Values{"scores.motivation": {"7"}})
		}, signedIn(http.StatusForbidden)},
		// Only the stage's jurors declare conflicts; w.me is on no jury.
		"POST /{lang}/calls/{id}/stages/{stage_id}/review/{app}/conflict": {func(w *world) *apptest.Response {
			c := callOf(w)
			app := applicationOf(w, c, w.other.User.ID)
			return w.c.PostForm("/kk"+stagePath(c, fmt.Sprintf("/review/%d/conflict", app)), nil)
		}, signedIn(http.StatusForbidden)},

		"POST /{lang}/calls/{id}/stages/{stage_id}/holdings/{org}/publication": {func(w *world) *apptest.Response {
			c := callOf(w)
			return w.c.PostForm(fmt.Sprintf("/kk/calls/%d/stages/%d/holdings/%d/publication", c.ID, c.Stages[0].ID, w.root),
				url.Values{"publish_at": {c.Stages[0].ClosesAt.Add(48 * time.Hour).In(i18n.Almaty).Format("2006-01-02T15:04")}})
		}, organizer(see)},
		// Only the invited person answers an invitation (a minor waiting for consent may not join).
		"POST /{lang}/calls/{id}/invitations/{app}": {func(w *world) *apptest.Response {
			c, app := teamInviting(w)
			return w.c.PostForm(fmt.Sprintf("/kk/calls/%d/invitations/%d", c.ID, app), url.Values{"answer": {"accept"}})
		}, takePart(see)},

		// Only a team's applicant invites members; the team here is w.other's.
		"POST /{lang}/calls/{id}/applications/{app}/team": {func(w *world) *apptest.Response {
			c, app := teamInviting(w)
			return w.c.PostForm(fmt.Sprintf("/kk/calls/%d/applications/%d/team", c.ID, app), url.Values{"email": {"new@example.kz"}})
		}, signedIn(http.StatusForbidden)},
		// Only the call's jurors declare relatives; w.me is on no jury.
		"POST /{lang}/calls/{id}/relatives": {func(w *world) *apptest.Response {
			c := callOf(w)
			applicationOf(w, c, w.other.User.ID)
			return w.c.PostForm(fmt.Sprintf("/kk/calls/%d/relatives", c.ID), url.Values{"email": {w.other.Email}})
		}, signedIn(http.StatusForbidden)},

		// --- API
		"POST /api/v1/applications/{id}/team/members": {func(w *world) *apptest.Response {
			_, app := teamInviting(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/applications/%d/team/members", app), `{"email":"new@example.kz"}`)
		}, signedIn(http.StatusForbidden)},
		"POST /api/v1/calls/{id}/relatives": {func(w *world) *apptest.Response {
			c := callOf(w)
			applicationOf(w, c, w.other.User.ID)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/calls/%d/relatives", c.ID), fmt.Sprintf(`{"email":%q}`, w.other.Email))
		}, signedIn(http.StatusForbidden)},
		"PUT /api/v1/calls/{id}/stages/{stage_id}/holdings/{org_id}": {func(w *world) *apptest.Response {
			c := callOf(w)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/calls/%d/stages/%d/holdings/%d", c.ID, c.Stages[0].ID, w.root),
				fmt.Sprintf(`{"publish_at":%q}`, c.Stages[0].ClosesAt.Add(48*time.Hour).UTC().Format(time.RFC3339)))
		}, organizer(http.StatusOK)},
		"POST /api/v1/applications/{id}/team": {func(w *world) *apptest.Response {
			_, app := teamInviting(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/applications/%d/team", app), `{"accept":true}`)
		}, takePart(http.StatusOK)},
		"POST /api/v1/calls": {func(w *world) *apptest.Response {
			now := w.env.Clock.Now()
			return apiCall(w, "POST", "/api/v1/calls", fmt.Sprintf(`{"organization_id":"%d","kind":"contest","title":{"kk":"IT байқауы"},
				"description":{},"eligibility":{},"form":[],"stages":[{"title":{"kk":"Бірінші кезең"},"opens_at":%q,"closes_at":%q,
				"criteria":[{"key":"code","title":{"kk":"Код"},"weight":1,"max":10}],"advance":3,"blind":true}]}`,
				w.root, now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/calls/{id}/applications": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/calls/%d/applications", callOf(w).ID), `{"answers":{"about":"Волонтермін"}}`)
		}, takePart(http.StatusCreated)},
		"POST /api/v1/calls/{id}/stages/{stage_id}/jurors": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", "/api/v1"+stagePath(callOf(w), "/jurors"), fmt.Sprintf(`{"person_id":"%d"}`, w.other.User.ID))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/calls/{id}/stages/{stage_id}/assignments": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", "/api/v1"+stagePath(callOf(w), "/assignments"), "")
		}, organizer(http.StatusOK)},
		"POST /api/v1/calls/{id}/stages/{stage_id}/close": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", "/api/v1"+stagePath(callOf(w), "/close"), "")
		}, organizer(http.StatusOK)},
		"PUT /api/v1/applications/{id}/scores": {func(w *world) *apptest.Response {
			c := callOf(w)
			app := applicationOf(w, c, w.other.User.ID)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/applications/%d/scores", app), fmt.Sprintf(`{"stage_id":"%d","scores":{"motivation":7}}`, c.Stages[0].ID))
		}, signedIn(http.StatusForbidden)},
		"POST /api/v1/applications/{id}/conflicts": {func(w *world) *apptest.Response {
			c := callOf(w)
			app := applicationOf(w, c, w.other.User.ID)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/applications/%d/conflicts", app), fmt.Sprintf(`{"stage_id":"%d"}`, c.Stages[0].ID))
		}, signedIn(http.StatusForbidden)},
		// Someone else's application: nobody, not even an administrator, gives up another's place.
		"POST /api/v1/applications/{id}/decline": {func(w *world) *apptest.Response {
			c := callOf(w)
			app := applicationOf(w, c, w.other.User.ID)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/applications/%d/decline", app), fmt.Sprintf(`{"stage_id":"%d"}`, c.Stages[0].ID))
		}, signedIn(http.StatusForbidden)},
	})
}
