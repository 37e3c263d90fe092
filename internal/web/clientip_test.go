package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func TestClientIP(t *testing.T) {
	server := func(header string, hops int) *web.Server {
		s, err := web.New(web.Config{SiteName: "Ortaq", ClientIPHeader: header, ProxyHops: hops}, nil, nil, nil, i18n.MustLoad(),
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const conn = "192.0.2.10"
	for _, tc := range []struct {
		header string
		hops   int
		lines  []string // values of the header, one per line
		want   string
	}{
		{"", 1, []string{"203.0.113.5"}, conn},                                             // no header configured: the connection
		{"X-Forwarded-For", 1, nil, conn},                                                  // header absent
		{"X-Forwarded-For", 1, []string{"203.0.113.5"}, "203.0.113.5"},                     // what our proxy appended
		{"X-Forwarded-For", 1, []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},            // the client wrote the first entry
		{"X-Forwarded-For", 1, []string{"6.6.6.6,7.7.7.7 ,  203.0.113.5 "}, "203.0.113.5"}, // spaces
		{"X-Forwarded-For", 1, []string{"6.6.6.6", "203.0.113.5"}, "203.0.113.5"},          // several lines are one list
		{"X-Forwarded-For", 2, []string{"6.6.6.6, 203.0.113.5, 198.51.100.1"}, "203.0.113.5"},
		{"X-Forwarded-For", 2, []string{"203.0.113.5"}, conn}, // fewer entries than trusted hops
		{"X-Forwarded-For", 3, []string{"6.6.6.6, 203.0.113.5, 198.51.100.1"}, "6.6.6.6"},
		{"X-Forwarded-For", 1, []string{"6.6.6.6, 2001:db8::1"}, "2001:db8::1"},
		{"X-Forwarded-For", 1, []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"X-Forwarded-For", 1, []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"X-Forwarded-For", 1, []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"X-Forwarded-For", 1, []string{"203.0.113.5, evil"}, conn}, // malformed: the connection
		{"X-Forwarded-For", 1, []string{"203.0.113.5, "}, conn},
		{"X-Forwarded-For", 1, []string{"unknown"}, conn},
		{"X-Forwarded-For", 1, []string{"fe80::1%eth0"}, conn},
		{"X-Forwarded-For", 1, []string{"203.0.113.5, 198.51.100.1/24"}, conn},
		{"X-Real-IP", 1, []string{"203.0.113.5"}, "203.0.113.5"},
		{"X-Real-IP", 1, []string{"not an address"}, conn},
	} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = conn + ":5555"
		for _, l := range tc.lines {
			r.Header.Add("X-Forwarded-For", l)
			r.Header.Add("X-Real-IP", l)
		}
		if got := server(tc.header, tc.hops).ClientIP(r); got != tc.want {
			t.Errorf("%s (hops %d) %q: ClientIP = %q, want %q", tc.header, tc.hops, tc.lines, got, tc.want)
		}
	}
}

// Behind a proxy, the per-address sign-in limit counts the address the
// proxy appended: a client writing a new first entry each time gets no
// fresh allowance (before, the first entry was trusted), and the sessions
// list and audit log show the same address.
func TestSigninLimitBehindAProxy(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
			c.ClientIPHeader, c.ProxyHops, c.SigninIP, c.SigninAccount = "X-Forwarded-For", 1, 3, 100
		}})
		c := env.Client()
		post := func(email, password, spoof string) *apptest.Response {
			req, _ := http.NewRequest("POST", env.URL+"/kk/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", spoof+", 203.0.113.5") // the proxy appended the real address
			return c.Do(req)
		}
		for i := range 3 {
			mustStatus(t, post(fmt.Sprintf("guess%d@example.kz", i), "wrong password", fmt.Sprintf("10.0.0.%d", i)), http.StatusUnauthorized)
		}
		mustStatus(t, post("guess9@example.kz", "wrong password", "10.9.9.9"), http.StatusTooManyRequests)
		// Another client behind the same proxy is not held back.
		p := env.NewPerson()
		req, _ := http.NewRequest("POST", env.URL+"/kk/signin", strings.NewReader(url.Values{"email": {p.Email}, "password": {p.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.5, 198.51.100.7")
		mustStatus(t, c.Do(req), http.StatusSeeOther)
		sessions, err := env.App.Auth.Sessions(t.Context(), p.User.ID, 0)
		if err != nil || len(sessions) != 1 || sessions[0].IP != "198.51.100.7" {
			t.Fatalf("sessions %+v (%v): want one from 198.51.100.7", sessions, err)
		}
	})
}
