package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/cache"
	"github.com/ortaq/ortaq/internal/i18n"
)

// pageCache keeps guests' copies of public pages for a moment (two
// seconds by default), so that a crowd reading the same list — a link
// shared in a Telegram chat, a programme announced on television — costs
// one rendering per moment instead of one per reader. Only guests are
// served from it: anyone signed in gets a fresh page. It also keeps the
// fragments of pages that are the same for every reader (Fragment) and
// each signed-in person's unread count (count). A successful change on
// this node empties it at once, and other nodes' as soon as PostgreSQL
// tells them (the "pages" event). See docs/decisions/0006-guest-page-cache.md
// and, for what each of these copies buys, docs/benchmarks.md ("Caching:
// what each layer buys").
type pageCache struct {
	c *cache.Cache[pageKey, *cached]
	// last keeps the last good copy of each guest page for lastCopyTTL,
	// emptied by nothing else: while the database is unreachable a guest
	// gets it, marked as possibly out of date, instead of an error page.
	last *cache.Cache[string, *cached]

	onChange func() // also run after a successful change (the roles auth remembers for pages)
}

// pageKey names a kept copy. Each kind of copy fills its own fields; a
// fragment's own key is the caller's comparable value (a struct with a
// field for everything the fragment shows), never a string packed by hand.
type pageKey struct {
	kind  keyKind
	path  string    // a page: its path and query (the language is in the path); a fragment: its template file; a count: its name
	block string    // a fragment: its template block
	lang  i18n.Lang // a fragment: the language it is rendered in
	key   any       // a fragment: what the caller's load and block depend on
	user  int64     // a count: whose
}

type keyKind uint8

const (
	guestPage keyKind = iota + 1
	fragment
	personCount
)

type cached struct {
	header http.Header
	body   []byte
	gz     []byte        // body gzipped (nil: not worth it or not a page)
	data   any           // a fragment's data (see Fragment), or a count
	html   template.HTML // a fragment's HTML

	zOnce sync.Once
	z     []byte // html as deflate blocks that stand alone (see deflated)

	// A guest page's language and route, when it came through servePage
	// and a registered route: such a copy may be served by guestCopies.
	lang  i18n.Lang
	route string
}

// deflated returns a fragment's HTML compressed once, as deflate blocks
// that refer to nothing before them and end byte-aligned, to be put into
// a gzipped page as they are (gzipPage).
func (e *cached) deflated() []byte {
	e.zOnce.Do(func() { e.z = deflateSegment(nil, []byte(e.html)) })
	return e.z
}

// lastCopyTTL bounds how old a copy served during an outage may be. A
// change made since (a proposal hidden by a moderator, too) can be missing
// from it: the page says so, and it is served only while the database
// cannot answer. See decision 0006.
const lastCopyTTL = 10 * time.Minute

func newPageCache(ttl time.Duration, maxBytes int) *pageCache {
	c := &pageCache{c: cache.New(ttl, maxBytes, entrySize)}
	if ttl > 0 {
		c.last = cache.New(lastCopyTTL, maxBytes/2, func(k string, e *cached) int { return len(k) + len(e.body) + 128 })
	}
	return c
}

// PageCached registers a GET page like Page; guests may get a copy of it
// up to the cache lifetime old. Use it for public pages whose content does
// not depend on who the guest is (lists, public records), never for forms.
func (s *Server) PageCached(pattern string, h http.HandlerFunc) {
	s.Page(pattern, s.cache.wrap(h, func(r *http.Request) string { return s.T(r, "error.503.copy") }))
}

// wrap serves guests copies of h's answers; notice is what a copy served
// during an outage says about itself, in the reader's language (nil: no
// such copies are served).
func (c *pageCache) wrap(h http.HandlerFunc, notice func(*http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.c.On() || r.Method != http.MethodGet || UserOf(r) != nil || hasCookie(r, flashCookie) {
			h(w, r)
			return
		}
		key := pageKey{kind: guestPage, path: r.URL.Path + "?" + r.URL.RawQuery} // the language is in the path
		if e, ok := c.c.Get(key); ok {
			e.serve(w, r, http.StatusOK)
			return
		}
		// The copy is rendered plain (whatever this guest accepts) and
		// gzipped once here for those who accept gzip.
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h(rec, withoutGzip(r))
		e := &cached{header: rec.header, body: rec.body.Bytes()}
		if len(e.body) >= gzipMinCached && rec.header.Get("Content-Encoding") == "" && compressible(rec.header.Get("Content-Type")) {
			var zb bytes.Buffer
			gzipTo(&zb, e.body)
			e.gz = zb.Bytes()
			if !slices.Contains(e.header.Values("Vary"), "Accept-Encoding") {
				e.header.Add("Vary", "Accept-Encoding")
			}
		}
		if rec.status == http.StatusServiceUnavailable && c.last != nil && notice != nil {
			if old, ok := c.last.Get(key.path); ok { // the database is away: the last good copy
				old.serveOutdated(w, template.HTMLEscapeString(notice(r)))
				return
			}
		}
		e.serve(w, r, rec.status)
		// Only a plain success is kept: never an error, a redirect, or a
		// response that sets a cookie.
		if rec.status == http.StatusOK && len(rec.header.Values("Set-Cookie")) == 0 {
			if p, rh := pageReqOf(r), routeOf(r); p != nil && rh != nil {
				e.lang, e.route = p.lang, rh.route
			}
			c.c.Put(key, e)
			if c.last != nil {
				c.last.Put(key.path, e)
			}
		}
	}
}

// guestCopies serves a guest the copy of a page that the guest page cache
// holds, before the steps that matter only to requests that reach a
// handler: the database deadline, the body limit, the cross-origin check,
// the session, routing. For such a request they do nothing — a GET with no
// session cookie, no bearer token and no flash message is a guest whose
// request changes nothing and reads no database — but together they cost
// it as much as the copy itself (five copies of the request, a timer, the
// router; see docs/benchmarks.md "Guest pages against nginx"). What it
// sends is what the page's route would send: the same copy (wrap), and the
// language cookie as servePage sets it. Everything else, and any path
// without a copy, goes on through next.
func (s *Server) guestCopies(next http.Handler) http.Handler {
	c := s.cache
	if !c.c.On() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.RawPath != "" || r.Header.Get("Authorization") != "" ||
			hasCookie(r, sessionCookie) || hasCookie(r, flashCookie) {
			next.ServeHTTP(w, r)
			return
		}
		e, ok := c.c.Get(pageKey{kind: guestPage, path: r.URL.Path + "?" + r.URL.RawQuery})
		if !ok || e.lang == "" { // no copy, or one kept without its route (only tests make those)
			next.ServeHTTP(w, r)
			return
		}
		if rh := routeOf(r); rh != nil {
			rh.route = e.route
		}
		s.setLangCookie(w, r, e.lang)
		e.serve(w, r, http.StatusOK)
	})
}

// serveOutdated writes e, a page's last good copy, with a notice at the
// top of its main content that it may be out of date; nobody keeps it.
func (e *cached) serveOutdated(w http.ResponseWriter, notice string) {
	body := e.body
	banner := []byte(`<p class="notice warn" role="status" id="outdated">` + notice + `</p>`)
	if i := bytes.Index(body, []byte("<main")); i >= 0 {
		if j := bytes.IndexByte(body[i:], '>'); j >= 0 {
			at := i + j + 1
			body = slices.Concat(body[:at:at], banner, body[at:])
		}
	}
	dst := w.Header()
	for k, v := range e.header {
		dst[k] = v
	}
	dst.Del("Content-Length")
	dst.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// serve writes e as the answer to r: gzipped when there is a gzipped copy
// and r accepts it.
func (e *cached) serve(w http.ResponseWriter, r *http.Request, status int) {
	dst := w.Header()
	for k, v := range e.header {
		dst[k] = v
	}
	body := e.body
	if e.gz != nil && acceptsGzip(r) { // e.header has Vary: Accept-Encoding
		body = e.gz
		dst.Set("Content-Encoding", "gzip")
		dst.Set("Content-Length", strconv.Itoa(len(body)))
	}
	writeCorked(w, r, status, body)
}

// entrySize is what an entry is counted as against maxBytes: its body and
// key plus a rough overhead, so that many small entries (counts) are
// bounded too.
func entrySize(k pageKey, e *cached) int {
	return len(k.path) + len(k.block) + len(e.body) + len(e.gz) + len(e.html) + 128
}

// clear forgets every copy (after a change made on this node or another).
func (c *pageCache) clear() { c.c.Clear() }

// invalidate empties the cache after every successful state-changing
// request, so that whoever made a change, and everyone reading this node,
// sees it at once.
func (c *pageCache) invalidate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || (!c.c.On() && c.onChange == nil) {
			next.ServeHTTP(w, r)
			return
		}
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r)
		if sw.status < 400 {
			c.clear()
			if c.onChange != nil {
				c.onChange()
			}
		}
	})
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

// recorder buffers a response so that it can be both sent and kept.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// Fragment returns the HTML of the template block named block, defined in
// page's template file, rendered with the data load returns — or the copy
// rendered for the same page, block, key and language at most the page
// cache lifetime ago (then load is not called). It returns the data too
// (the cached data on a hit), for the parts of the page around it.
//
// This is how signed-in people's pages stay fast: the costly part that is
// the same for every reader (a list, a tree, counts) is queried and
// rendered once per moment, and only the rest of the page — the header,
// buttons that depend on the reader's role — is rendered per request.
// The block therefore sees .Data and a .Ctx without a person (.Ctx.User is
// nil, .Ctx.Inbox 0): whatever depends on the reader belongs outside it.
//
// key must name everything load and the block depend on besides the
// language: a comparable value, best a struct with one field for each
// (the proposal's id, whether it takes replies, its comment count), or a
// string of the request's filters. When expired copies are asked for at
// once, the readers share one load. A successful change on this node
// forgets every fragment, as it does guests' pages.
func (s *Server) Fragment(r *http.Request, page, block string, key any, load func() (any, error)) (template.HTML, any, error) {
	if key == nil || !reflect.TypeOf(key).Comparable() {
		return "", nil, fmt.Errorf("web: fragment %s/%s: key of type %T is not comparable", page, block, key)
	}
	k := pageKey{kind: fragment, path: page, block: block, lang: LangOf(r), key: key}
	e, err := s.cache.c.Load(r.Context(), k, func() (*cached, error) {
		v, err := load()
		if err != nil {
			return nil, err
		}
		// A fragment is the same for every reader: made as for a guest
		// (without counting the reader's inbox for a header it has not).
		pc := s.pageContext(r.WithContext(context.WithValue(r.Context(), keyUser, (*auth.User)(nil))))
		pc.User, pc.Inbox = nil, 0
		var buf bytes.Buffer
		if err := s.render.Block(&buf, page, block, &PageData{Data: v, Ctx: pc}); err != nil {
			return nil, err
		}
		return &cached{html: template.HTML(buf.String()), data: v}, nil
	})
	if err != nil {
		return "", nil, err
	}
	if p := pageReqOf(r); p != nil && s.cache.c.On() && len(e.html) >= gzipMinCached {
		p.took(e)
	}
	return e.html, e.data, nil
}

// count returns what n counts for a person, or the number it gave at most
// the cache lifetime ago (the header's unread count: a new notification
// made on this node empties the cache; one made on another node shows
// within the lifetime).
func (c *pageCache) count(name string, userID int64, n func() int) int {
	k := pageKey{kind: personCount, path: name, user: userID}
	if e, ok := c.c.Get(k); ok {
		return e.data.(int)
	}
	v := n()
	c.c.Put(k, &cached{data: v})
	return v
}
