// Package apptest runs a whole Ortaq — real database (either engine), real
// HTTP server on loopback, real SMTP listener — for end-to-end tests, with
// helpers to make people in each role.
package apptest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

// Env is one running Ortaq.
type Env struct {
	T          testing.TB
	App        *app.App
	URL        string
	MetricsURL string // the --metrics-addr listener's, when the configuration sets one (any port: 0 is fine)
	Mail       *mailtest.Server
	Clock      *dbtest.Fixed

	stop func() error // ends serving (once) and says how it ended
}

// Options adjust the app.
type Options struct {
	RealHasher bool                 // argon2id with production parameters (default: the cheap test hasher)
	Config     func(*config.Config) // changes to the default configuration
	NoSMTP     bool                 // no mail server: the app writes emails to its log, as in production (Env.Mail gets nothing)
	Log        *slog.Logger         // the app's log; nil: discarded (warnings to the test log with -v)
	NoCaches   bool                 // no page, fragment or session copies (a test that writes to the database directly)
}

// Start runs Ortaq on d until the test ends.
func Start(tb testing.TB, d *db.DB, opt Options) *Env {
	tb.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	resolve := config.Register(fs, func(string) string { return "" })
	cfg, err := resolve()
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	cfg.DatabaseURL = d.URL
	cfg.ShutdownTimeout = 10 * time.Second
	// Test clients keep idle connections; a test of the drain sets it.
	cfg.ShutdownDrain = 0
	// Every cache is on, with its production lifetime (the defaults): the
	// permission matrix, the browser tests and every other whole-app test
	// run where one reader's data could leak to another's page. A test that
	// changes the database behind the app's back and needs a page to show
	// it at once sets NoCaches.
	if opt.NoCaches {
		cfg.PageCacheTTL = 0
		cfg.AuthCacheTTL = 0
	}
	// One secret for every app on a test database (nodes must share it),
	// and no secret.key file written into the package's folder.
	cfg.SecretKey = "ortaq test secret key, never used in production"
	if opt.Config != nil {
		opt.Config(&cfg)
	}
	smtp := mailtest.Start(tb)
	aopt := app.Options{Mail: nil}
	if !opt.RealHasher {
		aopt.Hasher = auth.NewTestHasher()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(tlogWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opt.Log != nil {
		log = opt.Log
	}
	if !opt.NoSMTP {
		aopt = withMail(aopt, smtp)
	}
	a, err := app.Build(context.Background(), cfg, log, d, aopt)
	if err != nil {
		tb.Fatal(err)
	}
	clock := dbtest.SetClock(d, dbtest.Clock)
	metricsURL := ""
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			tb.Fatal(err)
		}
		a.MetricsListener, metricsURL = mln, "http://"+mln.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	tb.Cleanup(func() {
		if err := stop(); err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return &Env{T: tb, App: a, URL: "http://" + cfg.Addr, MetricsURL: metricsURL, Mail: smtp, Clock: clock, stop: stop}
}

// Stop shuts the app down as SIGTERM does and waits until it has stopped;
// it returns what serving returned. The test's cleanup stops it otherwise.
func (e *Env) Stop() error { return e.stop() }

type tlogWriter struct{ tb testing.TB }

func (w tlogWriter) Write(b []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func withMail(o app.Options, s *mailtest.Server) app.Options {
	o.Mail = newSMTP(s)
	return o
}

// Client is a browser-like HTTP client: a cookie jar, no redirects
// followed (tests look at them).
type Client struct {
	*http.Client
	env *Env
}

// Client returns a new client with an empty cookie jar.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	c := &Client{env: e, Client: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	// Concurrent requests make the transport dial connections it may never
	// use; the server counts such a connection as busy for its first five
	// seconds, which would hold up its graceful shutdown. Cleanups run in
	// reverse order, so this runs before the server stops.
	e.T.Cleanup(c.CloseIdleConnections)
	return c
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Statements is how many statements the server sent to the database
// before answering, as its Server-Timing header says; -1 if it does not.
func (r *Response) Statements() int {
	_, v, ok := strings.Cut(r.Header.Get("Server-Timing"), `db;desc="`)
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, ` statements"`))
	if err != nil {
		return -1
	}
	return n
}

// Do sends a request and reads the whole body.
func (c *Client) Do(req *http.Request) *Response {
	c.env.T.Helper()
	resp, err := c.Client.Do(req)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.env.T.Fatal(err)
	}
	return &Response{Response: resp, Body: string(b)}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.env.T.Helper()
	req, _ := http.NewRequest("GET", c.env.URL+path, nil)
	return c.Do(req)
}

// PostForm posts a form as a same-origin browser would.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.env.T.Helper()
	req, _ := http.NewRequest("POST", c.env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.env.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// JSON sends a JSON body (API), with a bearer token when not empty.
func (c *Client) JSON(method, path, token, body string) *Response {
	c.env.T.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.env.URL+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.Do(req)
}

var seq atomic.Int64

// Person is a test account.
type Person struct {
	User     *auth.User
	Email    string
	Password string
}

// NewPerson creates a confirmed adult account (options: "admin", "minor").
func (e *Env) NewPerson(opts ...string) Person {
	e.T.Helper()
	n := seq.Add(1)
	email := fmt.Sprintf("person%d@example.kz", n)
	pw := "correct horse battery"
	in := auth.NewUser{Name: fmt.Sprintf("Қатысушы %d", n), Email: email, Password: pw, BirthDate: "1995-05-05", Region: "KZ-79"}
	for _, o := range opts {
		switch o {
		case "admin":
			in.Admin = true
		case "minor":
			in.BirthDate = e.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		}
	}
	u, _, err := e.App.Auth.CreateConfirmed(context.Background(), 0, in)
	if err != nil {
		e.T.Fatal(err)
	}
	return Person{User: u, Email: email, Password: pw}
}

// SignIn signs a client in as p.
func (c *Client) SignIn(p Person) {
	c.env.T.Helper()
	r := c.PostForm("/kk/signin", url.Values{"email": {p.Email}, "password": {p.Password}})
	if r.StatusCode != http.StatusSeeOther {
		c.env.T.Fatalf("sign in %s: status %d\n%s", p.Email, r.StatusCode, r.Body)
	}
}

// NewOrg creates an organization under parent (0: a root) directly in the
// database, as the registry would.
func (e *Env) NewOrg(parent int64, name string) int64 {
	e.T.Helper()
	ctx := context.Background()
	var id int64
	err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
		parentPath := "/"
		if parent != 0 {
			if err := tx.QueryRow(ctx, "SELECT path FROM organizations WHERE id = ?", parent).Scan(&parentPath); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, created_at, updated_at)
			VALUES (?, '', 'other', ?, ?, ?) RETURNING id`, nullID(parent), name, tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("%s%d/", parentPath, id), id)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return id
}

// Grant gives p a role ("admin", "moderator") in org, or a membership ("member").
func (e *Env) Grant(p Person, org int64, role string) {
	e.T.Helper()
	ctx := context.Background()
	err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
		if role == "member" {
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", org, p.User.ID, tx.Now)
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, ?, ?)", p.User.ID, org, role, tx.Now)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func newSMTP(s *mailtest.Server) *mail.SMTP { return mail.NewSMTP(s.Config()) }
