// Package web is Ortaq's HTTP shell: the router with language-prefixed
// pages and the /api/v1 API, the middleware every request passes through
// (recovery, metrics, logs, body limits, cross-origin protection, session,
// language), server-side rendering with embedded templates and assets,
// and the one table from error codes to HTTP statuses.
package web

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/regions"
)

// Config is what the shell needs from the configuration.
type Config struct {
	SiteName       string
	BaseURL        string
	MaxBodyBytes   int64
	ClientIPHeader string
	ProxyHops      int // trusted proxies that append to ClientIPHeader (0 counts as 1)
	SecureCookies  bool
	SessionMaxAge  time.Duration
	PageCacheTTL   time.Duration // guests' copies of public pages; 0: none
	MetricsToken   string        // lets a scraper read /metrics here; "": /metrics is not served here (see MetricsHandler)
	DBTimeout      time.Duration // longest a request waits for the database in all; 0: no bound
}

// Server is the HTTP side of Ortaq.
type Server struct {
	pagesChanged coalescer // announces changes to other nodes
	changed      []func()  // run after every successful change through this node (OnChange)
	cfg          Config
	db           *db.DB
	auth         *auth.Service
	catalog      *i18n.Catalog
	log          *slog.Logger
	regions      *regions.List
	render       *Renderer
	assets       *Assets
	metrics      *Metrics
	cache        *pageCache
	API          *api.API

	headerCounter func(ctx context.Context, userID int64) int // see SetHeaderCounter
	profileParts  []ProfilePart                               // see AddProfilePart

	sections            []Section    // the navigation (nav.go)
	meBoards, nowBoards []namedBoard // panels of /me and of the home page (nav.go)

	pages  *http.ServeMux // patterns "METHOD /{lang}/…"
	other  *http.ServeMux // /api/v1, /static, /healthz, /metrics
	routes []Route
	large  []largeBody // requests allowed a bigger body than MaxBodyBytes (uploads)

	langCookies map[i18n.Lang]string // each language's Set-Cookie line (setLangCookie)

	pageParts map[string][]Part // parts of pages other components write (parts.go)
	newLinks  []NewLink         // "new …" links on an organization's page (parts.go)
	pickers   map[string]Picker // name pickers of forms, by kind (pick.go)
}

type largeBody struct {
	match func(*http.Request) bool
	max   int64
}

// AllowLargeBody lets requests that match (e.g. a file upload) send bodies
// up to max bytes instead of the configured MaxBodyBytes. Call it while
// wiring, before Handler.
func (s *Server) AllowLargeBody(match func(*http.Request) bool, max int64) {
	s.large = append(s.large, largeBody{match: match, max: max})
}

func (s *Server) bodyLimit(r *http.Request) int64 {
	limit := s.cfg.MaxBodyBytes
	for _, l := range s.large {
		if l.max > limit && l.match(r) {
			limit = l.max
		}
	}
	return limit
}

// Route is one registered state-changing or reading endpoint; the
// permission matrix test walks this list.
type Route struct {
	Method  string
	Pattern string // as registered, e.g. "/{lang}/signin" or "/api/v1/me"
}

// OnChange runs f after every successful state-changing request through
// this server (what empties its guest page copies); other nodes learn of
// it through the database's "pages" event. Call it before serving.
func (s *Server) OnChange(f func()) { s.changed = append(s.changed, f) }

// New builds the server. Components add their routes with Page and
// APIOperation before Handler is called.
func New(cfg Config, d *db.DB, a *auth.Service, regs *regions.List, c *i18n.Catalog, log *slog.Logger) (*Server, error) {
	assets, err := NewAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, db: d, auth: a, regions: regs, catalog: c, log: log, assets: assets,
		metrics: NewMetrics(d),
		cache:   newPageCache(cfg.PageCacheTTL, 32<<20),
		API:     api.New("Ortaq API", "1"),
		pages:   http.NewServeMux(),
		other:   http.NewServeMux(),
	}
	// A successful change made through any node's web server (a
	// membership, a proposal, a meeting) empties every node's guest page
	// copies and remembered roles: this node at once, the others as soon
	// as PostgreSQL tells them (the "pages" event).
	// Announcements are coalesced (at most one per 100 ms per node): a
	// NOTIFY per support would cost every write a round trip and a turn
	// at PostgreSQL's notification lock.
	if d != nil { // (some tests render pages without a database)
		s.cache.onChange = func() {
			if a != nil {
				a.ForgetViews()
			}
			for _, f := range s.changed {
				f()
			}
			s.pagesChanged.do(func() {
				if err := d.TellOthers(context.Background(), "pages"); err != nil {
					s.log.Warn("telling other nodes of a change", "err", err)
				}
			})
		}
		d.OnEvent("pages", func() {
			s.cache.clear()
			if a != nil {
				a.ForgetViews()
			}
		})
	}
	s.langCookies = make(map[i18n.Lang]string, len(i18n.Langs))
	for _, l := range i18n.Langs {
		s.langCookies[l] = s.langCookie(l).String()
	}
	s.render, err = NewRenderer(c, assets, cfg.SiteName)
	if err != nil {
		return nil, err
	}
	// ServeMux would answer unknown paths in plain English; ours are
	// answered in the page's language. Every other page pattern is more
	// specific than this one.
	s.pages.HandleFunc("/{lang}/", func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
	})
	s.routesCore()
	return s, nil
}

// Routes returns every registered route.
func (s *Server) Routes() []Route { return s.routes }

// Renderer returns the template renderer (components add their templates).
func (s *Server) Renderer() *Renderer { return s.render }

// Page registers a page handler. pattern is "METHOD /path" without the
// language prefix, e.g. "GET /organizations/{id}"; it is served at
// /{lang}/organizations/{id}.
func (s *Server) Page(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	full := "/{lang}" + path
	if path == "/" {
		full = "/{lang}/{$}"
	}
	s.routes = append(s.routes, Route{Method: method, Pattern: "/{lang}" + path})
	s.pages.Handle(method+" "+full, s.metrics.route("/{lang}"+path, h))
}

// APIOperation registers and documents an API endpoint under /api/v1.
func (s *Server) APIOperation(op api.Operation, h http.HandlerFunc) {
	s.API.Handle(op, h)
	p := "/api/v1" + op.Path
	s.routes = append(s.routes, Route{Method: op.Method, Pattern: p})
	s.other.Handle(op.Method+" "+p, s.metrics.route(p, h))
}

// APIShared documents several operations that net/http cannot tell apart
// (GET /awards/verify/{code} and GET /awards/{code}/credential) and serves
// them with one handler mounted at pattern ("GET /api/v1/awards/{a}/{b}"),
// which tells them apart itself.
func (s *Server) APIShared(pattern string, h http.HandlerFunc, ops ...api.Operation) {
	for _, op := range ops {
		s.API.Handle(op, h)
		s.routes = append(s.routes, Route{Method: op.Method, Pattern: "/api/v1" + op.Path})
	}
	_, path, _ := strings.Cut(pattern, " ")
	s.other.Handle(pattern, s.metrics.route(path, h))
}

// HandleWellKnown serves a site-wide address under /.well-known/ (RFC
// 8615), outside the language prefix: "GET /.well-known/jwks.json".
func (s *Server) HandleWellKnown(pattern string, h http.HandlerFunc) {
	if _, path, _ := strings.Cut(pattern, " "); !strings.HasPrefix(path, "/.well-known/") {
		panic("web: HandleWellKnown: " + pattern + " is not under /.well-known/")
	}
	s.handleOther(pattern, h)
}

func (s *Server) handleOther(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Method: method, Pattern: path})
	s.other.Handle(pattern, s.metrics.route(path, h))
}

// Handler returns the whole application as one http.Handler.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, errs.New(errs.Forbidden, "error.csrf"))
	}))
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = s.cache.invalidate(h)
	h = s.identify(h)
	h = cop.Handler(h)
	h = s.limitBody(h)
	h = s.deadline(h)
	h = s.guestCopies(h)
	h = s.logRequests(h) // and metrics
	h = s.recoverPanics(h)
	return h
}

// dispatch sends /api, /static and operations endpoints to their mux and
// everything else to the language-prefixed pages. Keeping two muxes lets
// "/{lang}/…" patterns live beside "/static/…" without ambiguity.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		s.rootRedirect(w, r)
	case strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/.well-known/") || p == "/healthz" || p == "/metrics" || p == "/favicon.ico" || p == "/robots.txt":
		s.other.ServeHTTP(w, r)
	default:
		s.servePage(w, r)
	}
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	lang, ok := i18n.Parse(seg)
	if !ok {
		s.Fail(w, withLang(r, s.preferredLang(r)), errs.New(errs.NotFound, "error.404.text"))
		return
	}
	if seg != string(lang) {
		// One address per page: /KK-latn/x → /kk-Latn/x.
		u := *r.URL
		u.Path = "/" + string(lang) + "/" + rest
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
		return
	}
	r = withLang(r, lang)
	s.rememberLang(w, r, lang)
	s.pages.ServeHTTP(w, r) // unknown paths reach notFound, registered in New
}

func (s *Server) rootRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/"+string(s.preferredLang(r))+"/", http.StatusFound)
}

// pathLang is the language a page's path names, else the preferred one.
func (s *Server) pathLang(r *http.Request) i18n.Lang {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if l, ok := i18n.Parse(seg); ok {
		return l
	}
	return s.preferredLang(r)
}

// preferredLang: the remembered choice, then the browser's.
func (s *Server) preferredLang(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if u := UserOf(r); u != nil {
		if l, ok := i18n.Parse(string(u.Lang)); ok {
			return l
		}
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

const (
	langCookie    = "ortaq_lang"
	sessionCookie = "ortaq_session"
	flashCookie   = "ortaq_flash"
)

func (s *Server) rememberLang(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	s.setLangCookie(w, r, l)
	if u := UserOf(r); u != nil && u.Lang != l && r.Method == http.MethodGet {
		if err := s.auth.SetLanguage(r.Context(), u.ID, l); err != nil {
			s.log.Warn("remember language", "err", err)
		}
	}
}

// setLangCookie remembers l as the reader's language unless their cookie
// says so already. The Set-Cookie line for each language is written once
// (langCookies), not formatted for every guest's request.
func (s *Server) setLangCookie(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == string(l) {
		return
	}
	if v, ok := s.langCookies[l]; ok {
		w.Header().Add("Set-Cookie", v)
		return
	}
	http.SetCookie(w, s.langCookie(l))
}

func (s *Server) langCookie(l i18n.Lang) *http.Cookie {
	return &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}

type ctxKey int

const (
	keyUser ctxKey = iota
	keyLang
	keySession
)

// pageReq is a page request's own state, in its context: its language,
// and the cached fragments its handler took (Fragment), which the page
// sends as they were compressed once (embed, gzipPage).
type pageReq struct {
	lang i18n.Lang

	mu    sync.Mutex
	frags []*cached
}

func withLang(r *http.Request, l i18n.Lang) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), keyLang, &pageReq{lang: l}))
}

func pageReqOf(r *http.Request) *pageReq {
	p, _ := r.Context().Value(keyLang).(*pageReq)
	return p
}

// took records that the request's handler took fragment e.
func (p *pageReq) took(e *cached) {
	p.mu.Lock()
	p.frags = append(p.frags, e)
	p.mu.Unlock()
}

// fragment returns the fragment taken whose HTML is h, or nil. Comparing
// the very string a fragment returned with its own costs no more than
// comparing two pointers; a different string (the fragment with a
// reader's links put in) differs from it early, or is not as long.
func (p *pageReq) fragment(h template.HTML) *cached {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.frags {
		if e.html == h {
			return e
		}
	}
	return nil
}

// LangOf returns the page's language.
func LangOf(r *http.Request) i18n.Lang {
	if p := pageReqOf(r); p != nil {
		return p.lang
	}
	return i18n.KK
}

// UserOf returns the signed-in person, or nil for a guest.
func UserOf(r *http.Request) *auth.User {
	u, _ := r.Context().Value(keyUser).(*auth.User)
	return u
}

func sessionOf(r *http.Request) int64 {
	id, _ := r.Context().Value(keySession).(int64)
	return id
}

// identify finds who is asking: a bearer token (API) or a session cookie.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r) // its bearer token is the metrics token, not a person's
			return
		}
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			u, err := s.auth.TokenUser(ctx, strings.TrimSpace(token))
			if !ok || err != nil {
				if err == nil || errs.CodeOf(err) != "" {
					err = errs.New(errs.Unauthorized, "auth.token_invalid")
				}
				s.Fail(w, withLang(r, i18n.Negotiate(r.Header.Get("Accept-Language"))), err)
				return
			}
			ctx = context.WithValue(ctx, keyUser, u)
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			u, sid, err := s.auth.SessionUser(ctx, c.Value)
			switch {
			case err == nil:
				ctx = context.WithValue(context.WithValue(ctx, keyUser, u), keySession, sid)
			case errs.CodeOf(err) == errs.Unauthorized:
				s.clearSession(w) // expired or revoked: forget it
			default:
				s.Fail(w, withLang(r, s.pathLang(r)), err) // the page's language is not known yet: read it from the path
				return
			}
		}
		if ctx != r.Context() { // a guest's request goes on as it came (no copy of it)
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(s.cfg.SessionMaxAge.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// ClientIP is the client's address, for the per-address limits and the
// audit log: the connection's, or, behind trusted proxies
// (--client-ip-header), the address the outermost of them appended to the
// header. Every proxy appends the address it got the request from, so the
// entries on the left are whatever the client wrote and only the last
// ProxyHops were written by proxies we trust: the client is the entry
// ProxyHops from the right. A header with fewer entries, or whose entry
// there is not an IP address, counts as absent.
func (s *Server) ClientIP(r *http.Request) string {
	conn := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		conn = host
	}
	if s.cfg.ClientIPHeader == "" {
		return conn
	}
	if ip, ok := forwardedFor(r.Header.Values(s.cfg.ClientIPHeader), max(s.cfg.ProxyHops, 1)); ok {
		return ip
	}
	return conn
}

// forwardedFor picks the entry hops from the right of a comma-separated
// header (which may come as several lines, read in order) and returns it
// as a normalized IP address.
func forwardedFor(lines []string, hops int) (string, bool) {
	var entries []string
	for _, l := range lines {
		for e := range strings.SplitSeq(l, ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if len(entries) < hops {
		return "", false
	}
	e := entries[len(entries)-hops]
	if a, err := netip.ParseAddr(e); err == nil && a.Zone() == "" {
		return a.Unmap().String(), true
	}
	if ap, err := netip.ParseAddrPort(e); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap().String(), true // some proxies add the port
	}
	return "", false
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.Fail(w, withLang(r, s.preferredLang(r)), errs.New(errs.TooLarge, "error.413.text"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", v)
				s.Fail(w, r, errPanic)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

var errPanic = errs.New("panic", "error.500.text")

type statusWriter struct {
	http.ResponseWriter
	status  int
	bytes   int
	start   time.Time   // when the request arrived (zero: no timing header)
	tracker *db.Tracker // statements sent to the database so far, and the request's place at its gate
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.timing()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.timing()
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// timing tells the client how long the server worked on the request
// before answering (Server-Timing, shown by browsers' developer tools and
// read by the benchmarks: the budgets are server time).
func (w *statusWriter) timing() {
	if w.tracker != nil {
		w.tracker.Done() // the answer begins: its place at the gate goes to the next request
	}
	if !w.start.IsZero() {
		var buf [64]byte
		v := append(buf[:0], "app;dur="...)
		v = strconv.AppendFloat(v, float64(time.Since(w.start).Microseconds())/1000, 'f', 3, 64)
		if w.tracker != nil {
			// How many statements the database was sent before the
			// answer began: a page that queries per item shows here.
			v = append(v, `, db;desc="`...)
			v = strconv.AppendInt(v, w.tracker.Statements(), 10)
			v = append(v, ` statements"`...)
		}
		w.Header()["Server-Timing"] = []string{string(v)}
	}
}

// logRequests logs every request and counts it in the metrics (by the
// route that served it), and gives the client the Server-Timing header:
// one wrapper and one copy of the request for the three.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var ctx context.Context
		var tr *db.Tracker
		if s.db != nil {
			ctx, tr = s.db.Track(r.Context())
		} else {
			ctx, tr = db.Track(r.Context(), nil)
		}
		defer tr.Done()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = awayBody{r.Body, ctx}
		}
		rec := &requestRecord{statusWriter: statusWriter{ResponseWriter: w, start: start, tracker: tr}, route: routeHolder{route: "unmatched"}}
		next.ServeHTTP(&rec.statusWriter, r.WithContext(context.WithValue(ctx, routeKey{}, &rec.route)))
		took := time.Since(start)
		s.metrics.observe(rec.route.route, r.Method, rec.status, took)
		if !s.log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("duration", took))
	})
}

// awayBody gives the request's place at the database's gate back while
// it reads the request body: an upload or a form sent slowly from a phone
// must not keep other requests from reading.
type awayBody struct {
	io.ReadCloser
	ctx context.Context
}

func (b awayBody) Read(p []byte) (int, error) {
	defer db.Elsewhere(b.ctx)()
	return b.ReadCloser.Read(p)
}

// requestRecord is what logRequests keeps of a request while it is served.
type requestRecord struct {
	statusWriter
	route routeHolder
}

// deadline bounds how long a request may wait for the database in all —
// opening a connection, a free place in the pool, its statements — so that
// a database that is down or frozen makes requests fail in seconds with
// 503 rather than hang. Imports and exports (paths ending in /import or
// /export) read or write thousands of rows, and uploads (multipart forms:
// photos, attachments) are received over slow phone connections and
// decoded before the write, so they get ten times as long; /healthz has
// its own second.
func (s *Server) deadline(next http.Handler) http.Handler {
	if s.cfg.DBTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.cfg.DBTimeout
		if p := r.URL.Path; strings.HasSuffix(p, "/import") || strings.HasSuffix(p, "/export") ||
			strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			d *= 10
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// coalescer runs a function at most once per coalesceWindow: a call while
// one is due joins it.
type coalescer struct {
	mu      sync.Mutex
	pending bool
	last    time.Time
}

const coalesceWindow = 100 * time.Millisecond

func (c *coalescer) do(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending {
		return
	}
	c.pending = true
	wait := max(0, coalesceWindow-time.Since(c.last))
	time.AfterFunc(wait, func() {
		c.mu.Lock()
		c.pending, c.last = false, time.Now()
		c.mu.Unlock()
		fn()
	})
}
