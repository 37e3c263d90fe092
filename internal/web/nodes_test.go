package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Three nodes on one PostgreSQL, each remembering checked sessions for 30
// seconds: "sign out everywhere" on one node reaches the other two at
// once (the "auth" event, LISTEN/NOTIFY), not when their copies expire.
// Before, a signed-out session could still act on another node for up to
// the cache's lifetime (issue 20, item 3).
func TestSignOutReachesEveryNode(t *testing.T) {
	base := dbtest.PostgresURL(t)
	var envs []*apptest.Env
	for i := range 3 {
		d, err := db.Open(context.Background(), base, db.Options{MaxOpenConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if i == 0 {
			if _, err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		envs = append(envs, apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.AuthCacheTTL = 30 * time.Second }}))
	}
	p := envs[0].NewPerson()
	c0 := envs[0].Client()
	c0.SignIn(p)
	// The same browser session on the other nodes (a load balancer's
	// choice): the cookie copied over.
	u0, _ := url.Parse(envs[0].URL)
	clients := []*apptest.Client{c0}
	for _, e := range envs[1:] {
		c := e.Client()
		u, _ := url.Parse(e.URL)
		c.Jar.SetCookies(u, c0.Jar.Cookies(u0))
		clients = append(clients, c)
	}
	for i, c := range clients {
		if r := c.Get("/kk/profile"); r.StatusCode != http.StatusOK {
			t.Fatalf("node %d: profile %d before signing out", i, r.StatusCode)
		}
	}
	// Give each node's listener a moment to be listening.
	time.Sleep(300 * time.Millisecond)

	if r := c0.PostForm("/kk/profile/signout-all", url.Values{}); r.StatusCode >= 400 {
		t.Fatalf("sign out everywhere: %d", r.StatusCode)
	}
	signedOut := time.Now()
	for i, c := range clients[1:] {
		var took time.Duration
		for {
			r := c.Get("/kk/profile")
			if r.StatusCode != http.StatusOK {
				took = time.Since(signedOut)
				break
			}
			if time.Since(signedOut) > 5*time.Second {
				t.Fatalf("node %d still lets the signed-out session in after %v", i+1, time.Since(signedOut))
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Logf("node %d refused the session %v after the sign-out", i+1, took)
		// Nor can it write there.
		if r := c.PostForm("/kk/profile/hidden", url.Values{"hidden": {"1"}}); r.StatusCode < 300 || r.StatusCode == http.StatusOK {
			t.Fatalf("node %d: a write with the signed-out session answered %d", i+1, r.StatusCode)
		}
	}
}

// A change made through one node empties every node's copies of pages at
// once (the "pages" event), not when they expire: a guest reading another
// node sees the change within moments even with a ten-minute lifetime.
func TestPageChangeReachesEveryNode(t *testing.T) {
	base := dbtest.PostgresURL(t)
	var envs []*apptest.Env
	for i := range 2 {
		d, err := db.Open(context.Background(), base, db.Options{MaxOpenConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if i == 0 {
			if _, err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		envs = append(envs, apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = 10 * time.Minute }}))
	}
	admin := envs[0].NewPerson("admin")
	tok, err := envs[0].App.Auth.CreateToken(context.Background(), admin.User, "test", admin.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	guest := envs[1].Client()
	const page = "/kk/organizations?q=Шалқар"
	if r := guest.Get(page); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "Шалқар ауылының") {
		t.Fatalf("before: %d", r.StatusCode)
	}
	time.Sleep(300 * time.Millisecond) // the listeners are listening
	if r := envs[0].Client().JSON("POST", "/api/v1/organizations", tok, `{"kind":"ngo","name":{"kk":"Шалқар ауылының жастар орталығы"}}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	changed := time.Now()
	for !strings.Contains(guest.Get(page).Body, "Шалқар ауылының") {
		if time.Since(changed) > 5*time.Second {
			t.Fatal("the other node still serves its copy from before the change")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the other node's copy was forgotten %v after the change", time.Since(changed))
}
