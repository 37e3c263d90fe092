package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Every request gives back its place at the database's gate (decision
// 0184) however it ends: a page, a form, an API answer, a redirect, an
// error, a refused cross-origin form, a HEAD. A place kept would, after a
// few requests, leave every later read waiting until its deadline.
func TestRequestsGiveBackTheirPlaceToRead(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		admin := env.NewPerson("admin")
		org := env.NewOrg(0, "Ортақ жастар орталығы")
		c := env.Client()
		c.SignIn(admin)
		guest := env.Client()
		check := func(what string) {
			t.Helper()
			if n := d.Reading(); n != 0 {
				t.Errorf("after %s: %d places still held", what, n)
			}
		}
		id := strconv.FormatInt(org, 10)
		for _, p := range []string{"/kk/", "/kk/organizations/" + id, "/en/organizations/" + id + "/members",
			"/api/v1/me", "/api/v1/organizations/" + id + "/members?limit=5", "/kk/no-such-page", "/api/v1/organizations/0"} {
			c.Get(p)
			check("GET " + p)
			guest.Get(p)
			check("a guest's GET " + p)
		}
		r := c.PostForm("/en/organizations/"+id+"/members", url.Values{"email": {"nobody@example.org"}, "role": {"member"}})
		if r.StatusCode >= 500 {
			t.Errorf("POST members: %d", r.StatusCode)
		}
		check("POST members")
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/en/organizations/"+id+"/members", strings.NewReader("role=member"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := c.Do(req); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST: %d, want 403", r.StatusCode)
		}
		check("a refused cross-site POST")
		head, _ := http.NewRequest(http.MethodHead, env.URL+"/kk/organizations/"+id, nil)
		c.Do(head)
		check("HEAD")

		// Many at once, more than the places: all answered, none kept.
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				if r := c.Get("/api/v1/organizations/" + id + "/members?limit=5"); r.StatusCode != http.StatusOK {
					t.Errorf("concurrent member list: %d", r.StatusCode)
				}
			})
		}
		wg.Wait()
		check("40 concurrent requests")
	})
}
