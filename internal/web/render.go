package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

//go:embed templates/*.html
var templateFS embed.FS

// PageData is what every page template receives as .
type PageData struct {
	Title  string
	Form   url.Values        // submitted values, to refill a form
	Errors map[string]string // field → translated message
	Flash  string            // translated one-time notice
	Data   any               // the page's own data
	Ctx    *PageContext
}

// PageContext is the request's part of the page: who, which language, where.
type PageContext struct {
	Lang     i18n.Lang
	P        *i18n.Printer
	User     *auth.User
	Path     string // the path without the language prefix, for the language switch
	RawQuery string
	Site     string
	Status   int
	HasInbox bool // a header counter is set: the header links to the inbox
	Inbox    int  // the signed-in person's unread notifications (0 for guests)

	out   *bytes.Buffer // the page being rendered by Renderer.Page (see embed)
	req   *pageReq      // where embed finds the fragments the handler took (nil: none)
	spans []span        // the cached fragments embed put into out
}

func (s *Server) pageContext(r *http.Request) *PageContext {
	l := LangOf(r)
	rest := strings.TrimPrefix(r.URL.Path, "/")
	if _, after, ok := strings.Cut(rest, "/"); ok {
		rest = after
	} else {
		rest = ""
	}
	path, query := s.switchTarget(r, "/"+rest)
	c := &PageContext{Lang: l, P: s.catalog.Printer(l), User: UserOf(r), Path: path, RawQuery: query, Site: s.cfg.SiteName, req: pageReqOf(r)}
	if s.headerCounter != nil {
		c.HasInbox = true
		if c.User != nil {
			c.Inbox = s.cache.count("inbox", c.User.ID, func() int { return s.headerCounter(r.Context(), c.User.ID) })
		}
	}
	return c
}

// Renderer parses every page template once, at start, each together with
// the layout, and renders into a buffer so that a template error becomes
// a 500 page instead of half a page.
//
// Each template is parsed once per language, with what does not depend on
// the request folded into its text: a message without arguments
// ({{t $c "key"}}), a link to a fixed path ("{{link $c "/path"}}") and an
// asset's hashed URL. text/template calls functions through reflection,
// and these calls — about 90% of the t calls — were most of a page's
// rendering time; folded, they cost nothing. See fold.
type Renderer struct {
	catalog *i18n.Catalog
	assets  *Assets
	site    string
	bufs    sync.Pool

	mu      sync.RWMutex
	sources map[string]file // page name → its template file
	layouts map[i18n.Lang]*template.Template
	pages   map[i18n.Lang]map[string]*template.Template // parsed on first use (see Add)
	noFold  bool                                        // tests: parse the templates as written

	sections []Section // the navigation's sections (Server.Section)
}

// NewRenderer parses the embedded templates.
func NewRenderer(c *i18n.Catalog, a *Assets, site string) (*Renderer, error) {
	return newRenderer(c, a, site, false)
}

func newRenderer(c *i18n.Catalog, a *Assets, site string, noFold bool) (*Renderer, error) {
	r := &Renderer{catalog: c, assets: a, site: site, noFold: noFold, sources: map[string]file{},
		layouts: map[i18n.Lang]*template.Template{}, pages: map[i18n.Lang]map[string]*template.Template{}}
	r.bufs.New = func() any { return new(bytes.Buffer) }
	// web's own _*.html are the layout's partials, in every page already.
	if err := r.add(templateFS, "templates", false); err != nil {
		return nil, err
	}
	return r, nil
}

// Add parses the page templates in dir of fsys, each with the layout and
// the partials (web's and dir's own _*.html, which only dir's pages see), so
// that a broken template stops the start; but it keeps none of them: a
// page is parsed again, for its language, on first use. Each page carries
// its own copy of the layout's parse trees (html/template's Clone copies
// them), about 70 KB a page: kept for every page in Kazakh at start, they
// were 9 MB of the idle server's 20 MB heap, for pages most servers never
// show (docs/benchmarks.md, core part 2).
func (r *Renderer) Add(fsys fs.FS, dir string) error { return r.add(fsys, dir, true) }

func (r *Renderer) add(fsys fs.FS, dir string, ownPartials bool) error {
	files, err := readAll(fsys, dir+"/*.html")
	if err != nil {
		return err
	}
	var partials, pages []file
	for _, f := range files {
		if strings.HasPrefix(f.name, "_") {
			if ownPartials {
				partials = append(partials, f)
			}
			continue
		}
		pages = append(pages, f)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range pages {
		name := strings.TrimSuffix(f.name, ".html")
		f.partials = partials
		r.sources[name] = f
		if _, err := r.parsePage(i18n.KK, f); err != nil {
			return err
		}
	}
	return nil
}

// langNav writes the language switch for c (see funcs). The part of the
// links after the language is the same in every language: it is
// normalized and escaped once.
func (r *Renderer) langNav(c *PageContext) template.HTML {
	rest := template.HTMLEscapeString(switchRest(c)) // the language codes need no escaping
	var b strings.Builder
	b.Grow(400 + 4*len(rest))
	for _, l := range i18n.Langs {
		short := template.HTMLEscapeString(r.catalog.Printer(l).T("lang.short"))
		if l == c.Lang {
			b.WriteString(`<strong aria-current="true">` + short + `</strong> `)
			continue
		}
		hl := template.HTMLEscapeString(l.HTMLLang())
		b.WriteString(`<a href="/` + string(l) + rest + `" hreflang="` + hl + `" lang="` + hl + `">` + short + `</a> `)
	}
	return template.HTML(b.String())
}

// sectionNav writes the navigation's sections as list items for c; the
// section the page belongs to is marked aria-current.
func (r *Renderer) sectionNav(c *PageContext) template.HTML {
	var b strings.Builder
	for _, sec := range r.sections {
		b.WriteString(`<li><a href="/` + string(c.Lang) + template.HTMLEscapeString(sec.Path) + `"`)
		if c.Path == sec.Path || strings.HasPrefix(c.Path, sec.Path+"/") {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(`>` + template.HTMLEscapeString(c.P.T(sec.Title)) + `</a></li>`)
	}
	return template.HTML(b.String())
}

// switchRest is what the language switch's links have after the language:
// this page's path and query, normalized as html/template would. The path
// passes through SafeNext like every return address (a request for
// "/kk//evil.example" gets a switch to "/ru/", not to a path a browser
// might read as another host); the query cannot change where a link that
// begins with a clean path goes, and is kept as the request had it.
func switchRest(c *PageContext) string {
	p := normalizeURL(c.Path)
	if SafeNext("/"+string(c.Lang)+p, "") == "" {
		return "/"
	}
	if c.RawQuery != "" {
		p += "?" + normalizeURL(c.RawQuery)
	}
	return p
}

// normalizeURL percent-encodes what html/template's URL normalizer does
// (all but RFC 3986's reserved and unreserved characters and valid
// escapes), so the switch's links are the ones the template wrote.
func normalizeURL(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Check parses every page template in every language (tests: a page of a
// language nobody has read yet must parse too).
func (r *Renderer) Check() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name := range r.sources {
		for _, l := range i18n.Langs {
			if _, err := r.parseLocked(l, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// page returns page name's template in language l, parsing it first if
// needed.
func (r *Renderer) page(l i18n.Lang, name string) (*template.Template, error) {
	r.mu.RLock()
	t := r.pages[l][name]
	r.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.parseLocked(l, name)
}

func (r *Renderer) parseLocked(l i18n.Lang, name string) (*template.Template, error) {
	if t := r.pages[l][name]; t != nil {
		return t, nil
	}
	f, ok := r.sources[name]
	if !ok {
		return nil, fmt.Errorf("web: no page template %q", name)
	}
	t, err := r.parsePage(l, f)
	if err != nil {
		return nil, err
	}
	if r.pages[l] == nil {
		r.pages[l] = map[string]*template.Template{}
	}
	r.pages[l][name] = t
	return t, nil
}

// parsePage parses page f in language l with the layout, which it parses
// first if needed (r.mu held).
func (r *Renderer) parsePage(l i18n.Lang, f file) (*template.Template, error) {
	layout := r.layouts[l]
	if layout == nil {
		partials, err := readAll(templateFS, "templates/_*.html")
		if err != nil {
			return nil, fmt.Errorf("web: layout: %w", err)
		}
		layout = template.New("layout").Funcs(r.funcs())
		for _, p := range partials {
			if _, err := layout.New(p.name).Parse(r.fold(l, p.src)); err != nil {
				return nil, fmt.Errorf("web: layout %s: %w", p.name, err)
			}
		}
		r.layouts[l] = layout
	}
	t := template.Must(layout.Clone())
	for _, p := range f.partials {
		if _, err := t.New(p.name).Parse(r.fold(l, p.src)); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p.name, err)
		}
	}
	t, err := t.New(f.name).Parse(r.fold(l, f.src))
	if err != nil {
		return nil, fmt.Errorf("web: template %s: %w", f.name, err)
	}
	return t, nil
}

type file struct {
	name, src string
	partials  []file // a component's own _*.html, parsed with its pages
}

func readAll(fsys fs.FS, pattern string) ([]file, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	out := make([]file, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, file{name: path.Base(n), src: string(b)})
	}
	return out, nil
}

var (
	foldT     = regexp.MustCompile(`\{\{\s*t\s+(?:\$c|\.Ctx|\$\.Ctx)\s+"([A-Za-z0-9_.\-]+)"\s*\}\}`)
	foldLink  = regexp.MustCompile(`"\{\{\s*link\s+(?:\$c|\.Ctx|\$\.Ctx)\s+"(/[A-Za-z0-9/_.\-]*)"\s*\}\}"`)
	foldAsset = regexp.MustCompile(`"\{\{\s*asset\s+"([A-Za-z0-9_.\-]+)"\s*\}\}"`)
	foldSite  = regexp.MustCompile(`\{\{\s*(?:\$c|\.Ctx|\$\.Ctx)\.Site\s*\}\}`)
	foldLang  = regexp.MustCompile(`\{\{\s*(?:\$c|\.Ctx|\$\.Ctx)\.Lang\.HTMLLang\s*\}\}`)
)

// fold writes into a template's text, for language l, the calls whose
// result is the same for every request in l: {{t $c "key"}} (HTML-escaped,
// valid in text and in quoted attributes, which is where messages go; a
// message that itself contains template delimiters is left as a call),
// "{{link $c "/fixed/path"}}" and "{{asset "name"}}" as a whole quoted
// attribute value (plain ASCII paths: what the URL escaper would leave as
// they are), and the site's name and the page's language code (in the
// layout of every page). TestFoldedTemplatesRenderTheSame keeps it honest.
func (r *Renderer) fold(l i18n.Lang, src string) string {
	if r.noFold {
		return src
	}
	src = foldSite.ReplaceAllLiteralString(src, template.HTMLEscapeString(r.site))
	src = foldLang.ReplaceAllLiteralString(src, template.HTMLEscapeString(l.HTMLLang()))
	p := r.catalog.Printer(l)
	src = foldT.ReplaceAllStringFunc(src, func(m string) string {
		key := foldT.FindStringSubmatch(m)[1]
		if !p.Has(key) {
			return m // the missing-key check reports it at run time
		}
		msg := p.T(key)
		if strings.Contains(msg, "{{") || strings.Contains(msg, "}}") {
			return m
		}
		return template.HTMLEscapeString(msg)
	})
	src = foldLink.ReplaceAllStringFunc(src, func(m string) string {
		return `"/` + string(l) + foldLink.FindStringSubmatch(m)[1] + `"`
	})
	return foldAsset.ReplaceAllStringFunc(src, func(m string) string {
		u, err := r.assets.URL(foldAsset.FindStringSubmatch(m)[1])
		if err != nil {
			return m // reported when rendered
		}
		return `"` + u + `"`
	})
}

// funcs are the template functions. Those that depend on the request take
// the PageContext as their first argument, so one parsed template serves
// every language.
func (r *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(c *PageContext, key string, args ...any) string { return c.P.T(key, args...) },
		"n": func(c *PageContext, key string, n int, args ...any) string { return c.P.N(key, n, args...) },
		"date": func(c *PageContext, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return c.P.Date(t)
		},
		"datetime": func(c *PageContext, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return c.P.DateTime(t)
		},
		// timerange is a span of time, the date once when it is one day.
		"timerange": func(c *PageContext, from, to time.Time) string { return c.P.TimeRange(from, to) },
		// auditlabel is an audit log action's name for people.
		"auditlabel": func(c *PageContext, action string) string { return audit.Label(c.P, action) },
		"number":     func(c *PageContext, n int) string { return c.P.Number(int64(n)) },
		// text shows user content written in Kazakh Cyrillic in Latin to
		// Qaz readers.
		"text": func(c *PageContext, s string) string {
			if c.Lang == i18n.KKLatn {
				return kazakh.ToLatin(s)
			}
			return s
		},
		"link":     func(c *PageContext, p string) string { return "/" + string(c.Lang) + p },
		"langlink": func(c *PageContext, l string) string { return "/" + l + switchRest(c) },
		// langnav is the language switch: the current language in bold, the
		// others as links to this page in them. Built here rather than in the
		// layout: as a template loop it was a fifth of a page's rendering.
		"langnav": r.langNav,
		// sectionnav is the sections' links (as list items), the current
		// one marked (see Server.Section).
		"sectionnav": r.sectionNav,
		"asset":      func(name string) (string, error) { return r.assets.URL(name) },
		"langs":      func() []i18n.Lang { return i18n.Langs },
		// langshort is each language's own short name (Қаз · Qaz · Рус · Eng).
		"langshort": func(l i18n.Lang) string { return r.catalog.Printer(l).T("lang.short") },
		"itoa":      func(n int64) string { return strconv.FormatInt(n, 10) },
		"field": func(d *PageData, name string) string {
			if d.Form == nil {
				return ""
			}
			return d.Form.Get(name)
		},
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		// embed puts HTML made elsewhere — a cached fragment, tens of
		// kilobytes — where elements may go, straight into the page's
		// buffer: printing a value copies it through fmt, whose buffer is
		// not reused above 64 KB, so a big fragment cost an allocation of
		// its size on every request. Elsewhere (a block rendered into a
		// fragment) it prints as usual.
		"embed": embedHTML,
	}
}

func embedHTML(c *PageContext, h template.HTML) (template.HTML, error) {
	if c == nil || c.out == nil {
		return h, nil
	}
	// Everything before this action is in c.out already: templates write
	// as they go. A cached fragment is remembered where it went, so that a
	// gzipped page takes it as it was compressed once (gzipPage).
	if len(h) >= gzipMinCached && c.req != nil {
		if e := c.req.fragment(h); e != nil {
			c.spans = append(c.spans, span{at: c.out.Len(), n: len(h), e: e})
		}
	}
	c.out.WriteString(string(h))
	return "", nil
}

// Page renders page name with the layout.
func (r *Renderer) Page(w http.ResponseWriter, req *http.Request, status int, name string, d *PageData, c *PageContext) {
	t, err := r.page(c.Lang, name)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	d.Ctx = c
	c.Status = status
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	c.out, c.spans = buf, c.spans[:0]
	err = t.ExecuteTemplate(buf, "layout", d)
	c.out = nil
	if err != nil {
		// A broken template must not show half a page or the error.
		http.Error(w, c.P.T("error.500.text"), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	body := buf.Bytes()
	if (len(c.spans) > 0 || len(body) >= gzipMin) && acceptsGzip(req) {
		zb := r.bufs.Get().(*bytes.Buffer)
		zb.Reset()
		defer r.bufs.Put(zb)
		if len(c.spans) > 0 {
			gzipPage(zb, body, c.spans)
		} else {
			gzipTo(zb, body)
		}
		body = zb.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	if c.User != nil {
		h.Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

// Block renders the template named block from page's template file
// (see Server.Fragment).
func (r *Renderer) Block(w *bytes.Buffer, page, block string, d *PageData) error {
	t, err := r.page(d.Ctx.Lang, page)
	if err != nil {
		return err
	}
	if err := t.ExecuteTemplate(w, block, d); err != nil {
		return fmt.Errorf("web: %s/%s: %w", page, block, err)
	}
	return nil
}

// page renders with the request's context.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, d *PageData) {
	c := s.pageContext(r)
	if d.Flash == "" {
		if f, err := r.Cookie(flashCookie); err == nil && f.Value != "" {
			if c.P.Has(f.Value) {
				d.Flash = c.P.T(f.Value)
			}
			http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true})
		}
	}
	s.render.Page(w, r, status, name, d, c)
}

// redirect sends the browser to a page in its language, with an optional
// one-time notice (a message key) shown there.
func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, p, flashKey string) {
	if flashKey != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: flashKey, Path: "/", MaxAge: 60, HttpOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, "/"+string(LangOf(r))+p, http.StatusSeeOther)
}

func urlQuery(s string) string { return url.QueryEscape(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// Printer is the message printer of the request's language (pages: the
// URL prefix; API: Accept-Language).
func (s *Server) Printer(r *http.Request) *i18n.Printer {
	if isAPI(r) {
		return s.catalog.Printer(apiLang(r))
	}
	return s.catalog.Printer(LangOf(r))
}

// Catalog is the message catalog.
func (s *Server) Catalog() *i18n.Catalog { return s.catalog }
