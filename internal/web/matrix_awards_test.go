package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
)

// Awards: the organizers of an organization (its moderators and admins,
// and those above them) issue and revoke its awards; nobody else does.
func init() {
	ctx := context.Background()
	// award issues an award of w.root directly; it returns its id and code.
	award := func(w *world) (int64, string) {
		var id int64
		code := certificate.NewCode()
		err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			var batch int64
			if err := tx.QueryRow(ctx, "INSERT INTO award_batches (org_id, size, created_at) VALUES (?, 1, ?) RETURNING id", w.root, tx.Now).Scan(&batch); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO awards (code, batch_id, org_id, kind, title_kk, recipient_name, issued_at)
				VALUES (?, ?, ?, 'certificate', 'Қатысқаны үшін', 'Әлия Нұрова', ?) RETURNING id`, code, batch, w.root, tx.Now).Scan(&id)
		})
		if err != nil {
			panic(err)
		}
		return id, code
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return w.c.Do(req)
	}
	organizer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	addCases(map[string]routeCase{
		"POST /{lang}/organizations/{id}/awards": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/awards", w.root), url.Values{"kind": {"thanks"},
				"title_kk": {"Керуенге қатысқаны үшін"}, "recipients": {"Асқар Нұров"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/awards/{code}/revoke": {func(w *world) *apptest.Response {
			_, code := award(w)
			return w.c.PostForm("/kk/awards/"+code+"/revoke", url.Values{"reason": {"Қате жазылған"}})
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/awards": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/awards", fmt.Sprintf(`{"organization_id":"%d","kind":"diploma","title":{"kk":"Байқау"},"recipients":[{"name":"Асқар Нұров","place":1}]}`, w.root))
		}, organizer(http.StatusCreated)},
		"DELETE /api/v1/awards/{id}": {func(w *world) *apptest.Response {
			id, _ := award(w)
			return api(w, "DELETE", fmt.Sprintf("/api/v1/awards/%d", id), `{"reason":"Қате жазылған"}`)
		}, organizer(http.StatusOK)},
	})
}
