package web_test

import (
	"net/http"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// /metrics was public. It is now served only to a scraper with the metrics
// token, or on the separate metrics address; with neither, not at all.
func TestMetricsAreNotPublic(t *testing.T) {
	const token = "a-metrics-token-for-tests"
	get := func(env *apptest.Env, url, bearer string) *apptest.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return env.Client().Do(req)
	}
	exposition := func(t *testing.T, r *apptest.Response) {
		t.Helper()
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, `ortaq_http_request_duration_seconds_count{code="200",method="GET",route="/{lang}/"}`, `ortaq_db_open_connections{pool="writer"}`)
	}

	t.Run("neither", func(t *testing.T) {
		env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
		mustStatus(t, env.Client().Get("/kk/"), http.StatusOK)
		mustStatus(t, env.Client().Get("/metrics"), http.StatusNotFound) // loopback too: a proxy on this machine is loopback
		mustStatus(t, get(env, env.URL+"/metrics", token), http.StatusNotFound)
	})

	t.Run("token", func(t *testing.T) {
		env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{Config: func(c *config.Config) { c.MetricsToken = token }})
		mustStatus(t, env.Client().Get("/kk/"), http.StatusOK)
		mustStatus(t, env.Client().Get("/metrics"), http.StatusUnauthorized)
		mustStatus(t, get(env, env.URL+"/metrics", "a-metrics-token-for-test"), http.StatusUnauthorized)
		mustStatus(t, get(env, env.URL+"/metrics", "ortaq_notatoken"), http.StatusUnauthorized)
		exposition(t, get(env, env.URL+"/metrics", token))
		// The metrics token is no API token.
		mustStatus(t, get(env, env.URL+"/api/v1/me", token), http.StatusUnauthorized)
	})

	t.Run("address", func(t *testing.T) {
		env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{Config: func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }})
		mustStatus(t, env.Client().Get("/kk/"), http.StatusOK)
		mustStatus(t, env.Client().Get("/metrics"), http.StatusNotFound)
		exposition(t, get(env, env.MetricsURL+"/metrics", ""))
		// That address serves nothing else.
		mustStatus(t, get(env, env.MetricsURL+"/kk/", ""), http.StatusNotFound)
		mustStatus(t, get(env, env.MetricsURL+"/healthz", ""), http.StatusNotFound)
	})

	t.Run("both", func(t *testing.T) {
		env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{Config: func(c *config.Config) { c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", token }})
		mustStatus(t, env.Client().Get("/kk/"), http.StatusOK)
		mustStatus(t, get(env, env.MetricsURL+"/metrics", ""), http.StatusUnauthorized)
		exposition(t, get(env, env.MetricsURL+"/metrics", token))
		exposition(t, get(env, env.URL+"/metrics", token))
	})
}
