// Package app wires Ortaq together in one place: configuration →
// database → services → HTTP server → background jobs. Nothing reaches for
// globals, so tests run many apps side by side.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/keys"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/regions"
	"github.com/ortaq/ortaq/internal/telegram"
	"github.com/ortaq/ortaq/internal/web"
)

// App is a running Ortaq.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	DB       *db.DB
	Catalog  *i18n.Catalog
	Regions  *regions.List
	Auth     *auth.Service
	Web      *web.Server
	Mail     mail.Sender
	Keys     *keys.Keys    // the installation's secret: seals ballots
	Telegram *telegram.Bot // nil-safe; polls only while serving with a token
	Outbox   *outbox.Box   // emails and Telegram messages sent after a change, retried until sent

	Components // the components, built in components.go

	// MetricsListener, when set before Serve, is where /metrics is served
	// on its own (tests open it on port 0); otherwise Serve listens on
	// Cfg.MetricsAddr when that is set.
	MetricsListener net.Listener

	background []func(context.Context) // components' loops run while serving (the outbox, the bot)
	stop       []func()                // components' writers to finish after the last request (group commit)
}

// Options are what a caller (the CLI or a test) may replace.
type Options struct {
	Mail   mail.Sender  // nil: SMTP when configured, else the log
	Hasher *auth.Hasher // nil: argon2id with the production parameters
}

// New opens the database, applies migrations and builds the services.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*App, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{MaxOpenConns: cfg.DBMaxConns, ConnectTimeout: min(cfg.DBTimeout, 3*time.Second)})
	if err != nil {
		return nil, err
	}
	a, err := Build(ctx, cfg, log, d, opt)
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// Build migrates an open database and builds the services on it.
func Build(ctx context.Context, cfg config.Config, log *slog.Logger, d *db.DB, opt Options) (*App, error) {
	applied, err := d.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "db", d.URL, "versions", applied)
	}
	a := &App{Cfg: cfg, Log: log, DB: d}
	if a.Keys, err = keys.Load(ctx, d, cfg.SecretKey, keys.DefaultDir(d)); err != nil {
		return nil, err
	}
	if a.Catalog, err = i18n.Load(); err != nil {
		return nil, err
	}
	if a.Regions, err = regions.Load(ctx, d); err != nil {
		return nil, err
	}
	a.Mail = opt.Mail
	if a.Mail == nil {
		if cfg.SMTPHost != "" {
			a.Mail = mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
				Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
		} else {
			a.Mail = mail.NewLog(log)
		}
	}
	hasher := opt.Hasher
	if hasher == nil {
		hasher = auth.NewHasher(cfg.MaxHashes)
	}
	a.Auth = auth.New(d, hasher, a.Mail, a.Catalog, log, auth.Settings{
		BaseURL: cfg.BaseURL, SiteName: cfg.SiteName, SessionLifetime: cfg.SessionLifetime,
		SigninAccount: cfg.SigninAccount, SigninIP: cfg.SigninIP, SigninWindow: cfg.SigninWindow,
		CheckedTTL: cfg.AuthCacheTTL, MailPerAddress: cfg.MailPerAddress, MailPerClient: cfg.MailPerClient, MailWindow: cfg.MailWindow,
	})
	a.Web, err = web.New(web.Config{
		SiteName: cfg.SiteName, BaseURL: cfg.BaseURL, MaxBodyBytes: cfg.MaxBodyBytes,
		ClientIPHeader: cfg.ClientIPHeader, ProxyHops: cfg.ProxyHops, SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
		SessionMaxAge: cfg.SessionLifetime, PageCacheTTL: cfg.PageCacheTTL, MetricsToken: cfg.MetricsToken, DBTimeout: cfg.DBTimeout,
	}, d, a.Auth, a.Regions, a.Catalog, log)
	if err != nil {
		return nil, err
	}
	// Other nodes' changes (sign-outs, revoked roles, changed pages) reach
	// this node's caches as soon as PostgreSQL tells it.
	a.background = append(a.background, func(ctx context.Context) { a.DB.Listen(ctx, a.Log) })
	if err := a.wire(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Close releases the database.
func (a *App) Close() error {
	defer FlushLog(a.Log)
	return a.DB.Close()
}

// Serve serves HTTP on ln until ctx ends, then lets in-flight requests
// finish (up to the shutdown timeout). With --metrics-addr, /metrics is
// served on a listener of its own as well (see MetricsListener).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
			ConnContext:       web.ConnContext, // page copies sent in one segment
		}
	}
	// On shutdown the node first drains (see drain): connections the proxy
	// keeps open may still bring requests, each answered and then closed.
	var draining atomic.Bool
	var conns atomic.Int64 // open connections
	srv := newServer(closeWhenDraining(&draining, a.Web.Handler()))
	srv.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			conns.Add(-1)
		}
	}
	ln = &closeOnce{Listener: ln}
	var msrv *http.Server // the metrics listener's, if any
	if mln := a.MetricsListener; mln != nil || a.Cfg.MetricsAddr != "" {
		if mln == nil {
			var err error
			if mln, err = net.Listen("tcp", a.Cfg.MetricsAddr); err != nil {
				return fmt.Errorf("metrics: %w", err)
			}
		}
		msrv = newServer(a.Web.MetricsHandler())
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.Log.Error("metrics listener", "err", err)
			}
		}()
		defer msrv.Close() // when serving ends early; after a shutdown, a no-op
		a.Log.Info("serving metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
	}
	jobs, stopJobs := context.WithCancel(ctx)
	var bg sync.WaitGroup
	// Stop the background loops before returning, so that what they hold
	// (the bot's lease, a mail being sent) ends while the database is
	// still open.
	defer func() { stopJobs(); bg.Wait() }()
	bg.Go(func() { a.runJobs(jobs) })
	for _, run := range a.background {
		bg.Go(func() { run(jobs) })
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("serving", "addr", "http://"+ln.Addr().String(), "db", a.DB.URL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight", "timeout", a.Cfg.ShutdownTimeout, "drain", a.Cfg.ShutdownDrain)
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	draining.Store(true)
	drain(sctx, ln, &conns, a.Cfg.ShutdownDrain)
	err := srv.Shutdown(sctx)
	// Write what the group-commit writers still hold, then refuse more.
	for _, stop := range a.stop {
		stop()
	}
	// Last, after the writers that may still hand it messages: sends under
	// way end, what they held is due again at once (for another node, or
	// this one when it starts again).
	a.Outbox.Stop()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	a.finish(sctx, msrv)
	a.Log.Info("stopped")
	return nil
}

// finish, once the last request has been answered, stops the metrics
// listener (msrv, if any) and waits for the emails that requests asked for
// and that are still being sent, until ctx ends.
func (a *App) finish(ctx context.Context, msrv *http.Server) {
	if msrv != nil {
		_ = msrv.Shutdown(ctx) // a scrape is short, and may be cut
	}
	mailed := make(chan struct{})
	go func() { a.Auth.Wait(); close(mailed) }()
	select {
	case <-mailed:
	case <-ctx.Done():
		a.Log.Warn("shutdown: emails still being sent were abandoned")
	}
}

// runJobs does the periodic housekeeping. Every node runs it; each job is
// idempotent, so several nodes doing it at once is harmless.
func (a *App) runJobs(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Auth.Cleanup(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("cleanup", "err", err)
			}
		}
	}
}

// NewLogger makes the slog logger: text in a terminal, JSON otherwise
// (format "auto"), or as configured. Written to a file or a pipe (not a
// terminal), lines are written in batches (logBuffer): call FlushLog
// before the process ends.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	terminal := false
	f, isFile := w.(*os.File)
	if isFile {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	if format == "auto" {
		format = "json"
		if terminal {
			format = "text"
		}
	}
	var b *logBuffer
	if isFile && !terminal {
		b = &logBuffer{w: w}
		w = b
	}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	if b != nil {
		h = flushingHandler{h, b}
	}
	return slog.New(h)
}

// drain is the first step of a shutdown. Closing idle kept-alive
// connections at once races with a proxy that has just written a request
// on one of them: the node never reads it, and the proxy does not resend a
// POST (it cannot know the node did not act on it), so the client gets a
// 502. Instead the node stops accepting connections (a refused connection
// is safe for the proxy to retry elsewhere, POSTs included), answers what
// still arrives on open connections with "Connection: close"
// (closeWhenDraining), and waits until the clients have closed them (the
// proxy closes an idle one after its keepalive_timeout) or the drain time
// has passed. Then http.Server.Shutdown closes what is left.
func drain(ctx context.Context, ln net.Listener, conns *atomic.Int64, wait time.Duration) {
	_ = ln.Close()
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for conns.Load() > 0 {
		select {
		case <-t.C:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// closeWhenDraining asks the server to close each connection after its
// answer once draining is set.
func closeWhenDraining(draining *atomic.Bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// closeOnce is a listener that drain and http.Server.Shutdown may both
// close.
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
