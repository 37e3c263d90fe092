package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
)

// The registry's state-changing routes: every one needs an administrator
// of the organization (or above); guests are asked to sign in.
func init() {
	admin := func(ok int) map[string]int { return atLeast("org_admin", ok) }
	child := func(w *world, suffix string) string { return fmt.Sprintf("/kk/organizations/%d%s", w.child, suffix) }
	api := func(method string, path func(w *world) string, body func(w *world) string) func(w *world) *apptest.Response {
		return func(w *world) *apptest.Response {
			req, _ := http.NewRequest(method, w.env.URL+path(w), strings.NewReader(body(w)))
			req.Header.Set("Content-Type", "application/json")
			return w.c.Do(req)
		}
	}
	uploadFile := func(path func(w *world) string, file func() string) func(w *world) *apptest.Response {
		return func(w *world) *apptest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "file.csv")
			fw.Write([]byte(file()))
			mw.Close()
			req, _ := http.NewRequest("POST", w.env.URL+path(w), &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Origin", w.env.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return w.c.Do(req)
		}
	}
	upload := func(path func(w *world) string) func(w *world) *apptest.Response {
		return uploadFile(path, func() string {
			return fmt.Sprintf("name,email,role\nЖаңа Мүше,imported%d@example.kz,member\n", uniq.Add(1))
		})
	}
	regionFile := func() string {
		n := uniq.Add(1)
		return fmt.Sprintf("code,kind,parent_code,name_kk,name_ru\nKZ-35-m%d,district,KZ-35,Сынақ ауданы %d,Тестовый район %d\n", n, n, n)
	}
	source := func(w *world) int64 {
		src := w.env.NewOrg(0, "Инженерлік компания")
		if err := w.env.App.DB.Write(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "INSERT INTO member_organizations (org_id, source_org_id, created_at) VALUES (?, ?, ?)",
				w.child, src, tx.Now)
			return err
		}); err != nil {
			panic(err)
		}
		return src
	}
	membership := func(w *world) int64 {
		w.env.Grant(w.other, w.child, "member")
		var id int64
		if err := w.env.App.DB.QueryRow(context.Background(), "SELECT MAX(id) FROM memberships WHERE org_id = ?", w.child).Scan(&id); err != nil {
			panic(err)
		}
		return id
	}
	addCases(map[string]routeCase{
		"POST /{lang}/organizations": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/organizations", url.Values{"parent_id": {fmt.Sprint(w.root)}, "kind": {"council"},
				"name.kk": {"Аналар кеңесі"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}": {func(w *world) *apptest.Response {
			return w.c.PostForm(child(w, ""), url.Values{"kind": {"primary_organization"}, "name.kk": {"Жаңа атау"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/move": {func(w *world) *apptest.Response {
			to := w.env.NewOrg(w.root, "Басқа филиал")
			return w.c.PostForm(child(w, "/move"), url.Values{"parent_id": {fmt.Sprint(to)}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/archive": {formConfirmed(child, "/archive"), admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/restore": {func(w *world) *apptest.Response {
			if err := w.env.App.DB.Write(context.Background(), func(tx *db.Tx) error {
				_, err := tx.Exec(context.Background(), "UPDATE organizations SET archived_at = updated_at WHERE id = ?", w.child)
				return err
			}); err != nil {
				panic(err)
			}
			return w.c.PostForm(child(w, "/restore"), nil)
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/delete": {formConfirmed(child, "/delete"), admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/registrations": {func(w *world) *apptest.Response {
			return w.c.PostForm(child(w, "/registrations"), url.Values{"registration.number": {fmt.Sprintf("M-%d", uniq.Add(1))},
				"registration.date": {"2020-05-05"}, "registration.status": {"registered"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/member-organizations": {func(w *world) *apptest.Response {
			src := w.env.NewOrg(0, "Теміртау Мәдениет сарайы")
			return w.c.PostForm(child(w, "/member-organizations"), url.Values{"source_id": {fmt.Sprint(src)}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/member-organizations/{sid}/delete": {func(w *world) *apptest.Response {
			return w.c.PostForm(child(w, fmt.Sprintf("/member-organizations/%d/delete", source(w))), url.Values{"detach": {"1"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/admin/regions/import": {uploadFile(func(*world) string { return "/kk/admin/regions/import" }, regionFile),
			atLeast("platform_admin", http.StatusOK)},
		"POST /api/v1/regions/import": {uploadFile(func(*world) string { return "/api/v1/regions/import" }, regionFile),
			atLeast("platform_admin", http.StatusOK)},
		"POST /{lang}/organizations/{id}/members": {func(w *world) *apptest.Response {
			return w.c.PostForm(child(w, "/members"), url.Values{"email": {w.other.Email}, "role": {"member"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/members/{mid}/end": {func(w *world) *apptest.Response {
			return w.c.PostForm(child(w, fmt.Sprintf("/members/%d/end", membership(w))), url.Values{"until": {"2026-03-01"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/members/import": {upload(func(w *world) string { return child(w, "/members/import") }),
			admin(http.StatusOK)},
		"POST /api/v1/organizations": {api("POST", func(*world) string { return "/api/v1/organizations" }, func(w *world) string {
			return fmt.Sprintf(`{"parent_id":"%d","kind":"working_group","name":{"kk":"Ғылыми-сараптамалық топ"}}`, w.root)
		}), admin(http.StatusCreated)},
		"PATCH /api/v1/organizations/{id}": {api("PATCH", func(w *world) string { return fmt.Sprintf("/api/v1/organizations/%d", w.child) },
			func(*world) string { return `{"short_name":{"kk":"БҰ"}}` }), admin(http.StatusOK)},
		"POST /api/v1/organizations/{id}/members": {api("POST", func(w *world) string { return fmt.Sprintf("/api/v1/organizations/%d/members", w.child) },
			func(w *world) string { return fmt.Sprintf(`{"person_id":"%d","role":"delegate"}`, w.other.User.ID) }), func() map[string]int {
			// An organization's administrator invites (202); a platform
			// administrator adds at once (201).
			m := admin(http.StatusAccepted)
			m["platform_admin"] = http.StatusCreated
			return m
		}()},
		"POST /api/v1/organizations/{id}/members/import": {upload(func(w *world) string { return fmt.Sprintf("/api/v1/organizations/%d/members/import", w.child) }),
			admin(http.StatusOK)},
	})
}

// formConfirmed posts what a confirmation page posts (web.Confirmation).
func formConfirmed(path func(*world, string) string, suffix string) func(w *world) *apptest.Response {
	return func(w *world) *apptest.Response { return w.c.PostForm(path(w, suffix), confirmed) }
}
