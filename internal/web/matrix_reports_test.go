package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
)

// Reports: written and edited by the organization's administrators only
// (w.root's admins, and platform admins).
func init() {
	ctx := context.Background()
	// report makes a published report of w.root.
	report := func(w *world) int64 {
		var id int64
		err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO reports (org_id, title_kk, body_kk, status, published_at, created_at, updated_at)
				VALUES (?, 'Есеп', 'Мәтін', 'published', ?, ?, ?) RETURNING id`, w.root, tx.Now, tx.Now, tx.Now).Scan(&id)
		})
		if err != nil {
			panic(err)
		}
		return id
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return w.c.Do(req)
	}
	addCases(map[string]routeCase{
		"POST /{lang}/reports": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/reports", url.Values{"organization_id": {fmt.Sprint(w.root)}, "title_kk": {"Жиналыс өтті"},
				"body_kk": {"Біз жиналдық."}, "status": {"published"}})
		}, atLeast("org_admin", http.StatusSeeOther)},
		"POST /{lang}/reports/{id}": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/reports/%d", report(w)), url.Values{"title_kk": {"Түзетілген"}, "status": {"published"}})
		}, atLeast("org_admin", http.StatusSeeOther)},
		"POST /api/v1/reports": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/reports", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жиналыс өтті"},"links":{}}`, w.root))
		}, atLeast("org_admin", http.StatusCreated)},
		"PUT /api/v1/reports/{id}": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/reports/%d", report(w)), `{"title":{"kk":"Түзетілген"},"links":{}}`)
		}, atLeast("org_admin", http.StatusOK)},
	})
}
