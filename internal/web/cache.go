package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/ortaq/ortaq/internal/auth"
)

// pageCache keeps guests' copies of public pages for a moment (two
// seconds by default), so that a crowd reading the same list — a link
// shared in a Telegram chat, a programme announced on television — costs
// one rendering per moment instead of one per reader. Only guests are
// served from it: anyone signed in gets a fresh page. A successful change
// on this node empties it at once; other nodes' copies age out within the
// lifetime. See docs/decisions/0006-guest-page-cache.md.
type pageCache struct {
	ttl      time.Duration
	maxBytes int
	now      func() time.Time

	mu      sync.RWMutex
	entries map[string]*cached
	bytes   int
	flights map[string]*flight // fragments being built
	frags   map[*byte]*cached  // the fragments in entries, by their HTML's first byte (see fragment)

	onChange func() // also run after a successful change (the roles auth remembers for pages)
}

type cached struct {
	header  http.Header
	body    []byte
	gz      []byte        // body gzipped (nil: not worth it or not a page)
	data    any           // a fragment's data (see Fragment)
	html    template.HTML // a fragment's HTML (body as a string, made once)
	expires time.Time

	zOnce sync.Once
	z     [][]byte // html as deflate blocks (see deflated)

	swOnce sync.Once
	sw     []int    // offsets of the switches in html (see switches)
	keys   []string // their keys
	mask   byte
}

// deflated returns a fragment's HTML compressed once, as pieces of a
// deflate stream that stand alone (they refer to nothing before the
// fragment and end byte-aligned, with a sync flush), to be put into a
// gzipped page (gzipPage): one piece, or, for a fragment with switches
// (reveal.go), one more than it has switches, which go between them.
func (e *cached) deflated() [][]byte {
	e.zOnce.Do(func() {
		if sw := e.switches(); len(sw) > 0 {
			e.z = deflateCut(string(e.html), sw, e.mask)
			return
		}
		e.z = [][]byte{deflateSegment(nil, []byte(e.html))}
	})
	return e.z
}

func newPageCache(ttl time.Duration, maxBytes int) *pageCache {
	return &pageCache{ttl: ttl, maxBytes: maxBytes, now: time.Now, entries: map[string]*cached{}, flights: map[string]*flight{}, frags: map[*byte]*cached{}}
}

// PageCached registers a GET page like Page; guests may get a copy of it
// up to the cache lifetime old. Use it for public pages whose content does
// not depend on who the guest is (lists, public records), never for forms.
func (s *Server) PageCached(pattern string, h http.HandlerFunc) {
	s.Page(pattern, s.cache.wrap(h))
}

func (c *pageCache) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c.ttl <= 0 || r.Method != http.MethodGet || UserOf(r) != nil || hasCookie(r, flashCookie) {
			h(w, r)
			return
		}
		key := r.URL.Path + "?" + r.URL.RawQuery // the language is in the path
		now := c.now()
		c.mu.RLock()
		e := c.entries[key]
		c.mu.RUnlock()
		if e != nil && now.Before(e.expires) {
			e.serve(w, r, http.StatusOK)
			return
		}
		// The copy is rendered plain (whatever this guest accepts) and
		// gzipped once here for those who accept gzip.
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h(rec, withoutGzip(r))
		e = &cached{header: rec.header, body: rec.body.Bytes(), expires: now.Add(c.ttl)}
		if len(e.body) >= gzipMinCached && rec.header.Get("Content-Encoding") == "" && compressible(rec.header.Get("Content-Type")) {
			var zb bytes.Buffer
			gzipTo(&zb, e.body)
			e.gz = zb.Bytes()
			if !slices.Contains(e.header.Values("Vary"), "Accept-Encoding") {
				e.header.Add("Vary", "Accept-Encoding")
			}
		}
		e.serve(w, r, rec.status)
		// Only a plain success is kept: never an error, a redirect, or a
		// response that sets a cookie.
		if rec.status == http.StatusOK && len(rec.header.Values("Set-Cookie")) == 0 {
			c.put(key, e)
		}
	}
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
	w.WriteHeader(status)
	w.Write(body)
}

func (c *pageCache) put(key string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.bytes -= entrySize(key, old)
		if old.html != "" {
			delete(c.frags, unsafe.StringData(string(old.html)))
		}
	}
	if c.bytes+entrySize(key, e) > c.maxBytes {
		// Full: start over rather than track ages; entries live seconds.
		c.entries, c.bytes, c.frags = map[string]*cached{}, 0, map[*byte]*cached{}
	}
	c.entries[key] = e
	c.bytes += entrySize(key, e)
	if e.html != "" {
		c.frags[unsafe.StringData(string(e.html))] = e
	}
}

// fragment returns the cached fragment whose HTML h is — the very string
// Fragment returned, not an equal one (a fragment the reader's own links
// were put into is a new string) — or nil. Map entries go with the
// entries that keep their strings alive, so an address is never reused
// while it is a key.
func (c *pageCache) fragment(h template.HTML) *cached {
	if h == "" {
		return nil
	}
	c.mu.RLock()
	e := c.frags[unsafe.StringData(string(h))]
	c.mu.RUnlock()
	if e == nil || len(e.html) != len(h) {
		return nil
	}
	return e
}

// entrySize is what an entry is counted as against maxBytes: its body and
// key plus a rough overhead, so that many small entries (counts) are
// bounded too.
func entrySize(key string, e *cached) int {
	return len(key) + len(e.body) + len(e.gz) + len(e.html) + 128
}

// clear forgets every copy (after a change made on this node).
func (c *pageCache) clear() {
	c.mu.Lock()
	if len(c.entries) > 0 {
		c.entries, c.bytes, c.frags = map[string]*cached{}, 0, map[*byte]*cached{}
	}
	c.mu.Unlock()
}

// invalidate empties the cache after every successful state-changing
// request, so that whoever made a change, and everyone reading this node,
// sees it at once.
func (c *pageCache) invalidate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || (c.ttl <= 0 && c.onChange == nil) {
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
// key must name everything load and the block depend on besides the
// language (the filters, the page's cursor). A successful change on this
// node forgets every fragment, as it does guests' pages.
func (s *Server) Fragment(r *http.Request, page, block, key string, load func() (any, error)) (template.HTML, any, error) {
	c := s.cache
	lang := LangOf(r)
	ck := "\x00frag\x00" + string(lang) + "\x00" + page + "\x00" + block + "\x00" + key
	now := c.now()
	if c.ttl > 0 {
		c.mu.RLock()
		e := c.entries[ck]
		c.mu.RUnlock()
		if e != nil && now.Before(e.expires) {
			return e.html, e.data, nil
		}
	}
	build := func() (template.HTML, any, error) {
		v, err := load()
		if err != nil {
			return "", nil, err
		}
		// A fragment is the same for every reader: made as for a guest
		// (without counting the reader's inbox for a header it has not).
		pc := s.pageContext(r.WithContext(context.WithValue(r.Context(), keyUser, (*auth.User)(nil))))
		pc.User, pc.Inbox = nil, 0
		var buf bytes.Buffer
		if err := s.render.Block(&buf, page, block, &PageData{Data: v, Ctx: pc}); err != nil {
			return "", nil, err
		}
		return template.HTML(buf.String()), v, nil
	}
	if c.ttl <= 0 {
		return build()
	}
	// When a copy expires, the readers who ask at that moment share one
	// load: the first builds it, the others wait for it (instead of every
	// one of 32 readers querying and rendering the same thing at once).
	c.mu.Lock()
	if e := c.entries[ck]; e != nil && now.Before(e.expires) {
		c.mu.Unlock() // built while we looked
		return e.html, e.data, nil
	}
	if f := c.flights[ck]; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				return f.html, f.data, nil
			}
			return build() // the first reader's load failed (e.g. it left): try ours
		case <-r.Context().Done():
			return "", nil, r.Context().Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[ck] = f
	c.mu.Unlock()
	f.html, f.data, f.err = build()
	if f.err == nil {
		c.put(ck, &cached{html: f.html, data: f.data, expires: now.Add(c.ttl)})
	}
	c.mu.Lock()
	delete(c.flights, ck)
	c.mu.Unlock()
	close(f.done)
	return f.html, f.data, f.err
}

// flight is a fragment being built, which other readers wait for.
type flight struct {
	done chan struct{}
	html template.HTML
	data any
	err  error
}

// count returns what n counts for a person, or the number it gave at most
// the cache lifetime ago (the header's unread count: a new notification
// made on this node empties the cache; one made on another node shows
// within the lifetime).
func (c *pageCache) count(name string, userID int64, n func() int) int {
	if c.ttl <= 0 {
		return n()
	}
	key := "\x00count\x00" + name + "\x00" + strconv.FormatInt(userID, 10)
	now := c.now()
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e != nil && now.Before(e.expires) {
		return e.data.(int)
	}
	v := n()
	c.put(key, &cached{data: v, expires: now.Add(c.ttl)})
	return v
}
