package web

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
)

// pagesServer is a Server without a database, with a page cache that
// keeps copies for a minute and the test's pages (directory t) added.
func pagesServer(t testing.TB, pages fstest.MapFS) *Server {
	t.Helper()
	s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: time.Minute}, nil, nil, nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Renderer().Add(pages, "t"); err != nil {
		t.Fatal(err)
	}
	return s
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("broken gzip: %v", err)
	}
	return string(out)
}

// A browser that accepts gzip gets a big page gzipped — the same page, a
// fraction of the bytes, with the right length (HEAD too) — and one that
// does not gets it plain; a small page rendered for one reader stays plain
// (not worth the CPU); guests' cached copies go gzipped at any size above
// 1 KB, to whoever accepts it, whatever the first guest accepted.
func TestPagesGzipped(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/big.html":   {Data: []byte(`{{define "content"}}<ul>{{range .Data}}<li>Ұсыныс №{{.}}: жастарға арналған гранттар · <a href="?reply={{.}}#comment-form">жауап</a></li>{{end}}</ul>{{end}}`)},
		"t/small.html": {Data: []byte(`{{define "content"}}<p>{{t .Ctx "nav.home"}} · {{.Data}}</p>{{end}}`)},
	})
	many := make([]int, 400)
	for i := range many {
		many[i] = i
	}
	render := func(method, page, accept string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := withLang(httptest.NewRequest(method, "/kk/x", nil), i18n.KK)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		d := &PageData{Title: "x", Data: "бір"}
		if page == "big" {
			d.Data = many
		}
		s.Render(w, r, 200, page, d)
		return w
	}
	plain := render("GET", "big", "")
	if plain.Header().Get("Content-Encoding") != "" || plain.Body.Len() < gzipMin || !strings.Contains(plain.Body.String(), "Ұсыныс №399") {
		t.Fatalf("plain page: encoding %q, %d bytes", plain.Header().Get("Content-Encoding"), plain.Body.Len())
	}
	for _, accept := range []string{"gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8"} {
		got := render("GET", "big", accept)
		h := got.Header()
		if h.Get("Content-Encoding") != "gzip" || !slices.Contains(h.Values("Vary"), "Accept-Encoding") {
			t.Fatalf("%q: Content-Encoding %q, Vary %q", accept, h.Get("Content-Encoding"), h.Values("Vary"))
		}
		if h.Get("Content-Length") != strconv.Itoa(got.Body.Len()) || got.Body.Len()*4 > plain.Body.Len() {
			t.Fatalf("%q: Content-Length %s, %d bytes gzipped of %d", accept, h.Get("Content-Length"), got.Body.Len(), plain.Body.Len())
		}
		if gunzip(t, got.Body.Bytes()) != plain.Body.String() {
			t.Fatalf("%q: the gzipped page is not the page", accept)
		}
	}
	for _, accept := range []string{"gzip;q=0", "deflate, br", "identity"} {
		if got := render("GET", "big", accept); got.Header().Get("Content-Encoding") != "" || got.Body.String() != plain.Body.String() {
			t.Fatalf("%q: got encoding %q", accept, got.Header().Get("Content-Encoding"))
		}
	}
	head := render("HEAD", "big", "gzip")
	if head.Body.Len() != 0 || head.Header().Get("Content-Encoding") != "gzip" || head.Header().Get("Content-Length") != render("GET", "big", "gzip").Header().Get("Content-Length") {
		t.Fatalf("HEAD: %d bytes, encoding %q, length %s", head.Body.Len(), head.Header().Get("Content-Encoding"), head.Header().Get("Content-Length"))
	}
	small := render("GET", "small", "gzip")
	if small.Header().Get("Content-Encoding") != "" || small.Body.Len() < gzipMinCached || small.Body.Len() >= gzipMin {
		t.Fatalf("small page for one reader: encoding %q, %d bytes", small.Header().Get("Content-Encoding"), small.Body.Len())
	}

	// Guests' copies: rendered once, plain, whatever the first guest
	// accepted; then gzipped or not per guest.
	for _, first := range []string{"gzip", ""} {
		renders := 0
		page := newPageCache(time.Minute, 1<<20).wrap(func(w http.ResponseWriter, r *http.Request) {
			renders++
			s.Render(w, r, 200, "small", &PageData{Title: "x", Data: "бір"})
		}, nil)
		get := func(accept string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			r := withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK)
			if accept != "" {
				r.Header.Set("Accept-Encoding", accept)
			}
			page(w, r)
			return w
		}
		for i, accept := range []string{first, "gzip", "", "gzip;q=0", "gzip"} {
			got := get(accept)
			h := got.Header()
			body := got.Body.String()
			if acceptsGzip(&http.Request{Header: http.Header{"Accept-Encoding": {accept}}}) {
				if h.Get("Content-Encoding") != "gzip" {
					t.Fatalf("first %q, request %d (%q): not gzipped", first, i, accept)
				}
				body = gunzip(t, got.Body.Bytes())
			} else if h.Get("Content-Encoding") != "" {
				t.Fatalf("first %q, request %d (%q): encoding %q", first, i, accept, h.Get("Content-Encoding"))
			}
			if body != small.Body.String() || h.Get("Content-Length") != strconv.Itoa(got.Body.Len()) || !slices.Contains(h.Values("Vary"), "Accept-Encoding") {
				t.Fatalf("first %q, request %d (%q): %d bytes, Content-Length %s, Vary %q", first, i, accept, got.Body.Len(), h.Get("Content-Length"), h.Values("Vary"))
			}
		}
		if renders != 1 {
			t.Fatalf("first %q: %d renderings, want 1", first, renders)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for accept, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "x-gzip": true, "gzip, deflate, br": true, "deflate, gzip;q=0.5": true,
		"gzip;q=0": false, "gzip; q=0.0": false, "br, zstd": false, "identity": false, "gzipper": false,
	} {
		r := &http.Request{Header: http.Header{}}
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", accept, got, want)
		}
	}
}

// A page of cached fragments goes to a browser that accepts gzip as one
// stream of pieces — each fragment as compressed once, the reader's parts
// stored — that decodes (checksum and length checked) to exactly the page
// sent to one that does not, whatever the fragments' sizes and neighbours.
func TestGzippedPageOfFragments(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/frags.html": {Data: []byte(`{{define "content"}}{{$c := .Ctx}}<p>{{t $c "nav.home"}}</p>{{range .Data}}{{embed $c .}}<hr>{{end}}<p>соңы</p>{{end}}` +
			`{{define "rows"}}<ul>{{range .Data}}<li id="c{{.}}">Пікір №{{.}}: мектептерге кең жолақты интернет · <a href="?reply={{.}}#comment-form">жауап</a></li>{{end}}</ul>{{end}}`)},
	})
	// One request takes the fragments and renders the page, as a handler
	// does; the same page is rendered for a client that accepts gzip and
	// for one that does not.
	r := withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK)
	req := func(accept string) *http.Request {
		r.Header.Set("Accept-Encoding", accept)
		return r
	}
	frag := func(key string, n int) template.HTML {
		h, _, err := s.Fragment(r, "frags", "rows", key, func() (any, error) {
			rows := make([]int, n)
			for i := range rows {
				rows[i] = i
			}
			return rows, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	big, small, huge := frag("big", 300), frag("small", 2), frag("huge", 2000)
	if len(big) < 20<<10 || len(small) >= gzipMinCached || len(huge) < 0x10000 {
		t.Fatalf("fragment sizes %d, %d, %d", len(big), len(small), len(huge))
	}
	mine := big + `<p>оқырманның сілтемесі</p>` // a fragment the reader's links went into: a new string
	for name, parts := range map[string][]template.HTML{
		"one big":            {big},
		"big, reader, big":   {big, "<b>оқырман</b>", small, big},
		"small only":         {small, small},
		"changed copy":       {mine, big},
		"over 64 KB":         {huge, template.HTML(strings.Repeat("ә", 9000)), huge},
		"adjacent fragments": {big, big},
	} {
		render := func(accept string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			s.Render(w, req(accept), 200, "frags", &PageData{Title: "x", Data: parts})
			return w
		}
		plain, got := render(""), render("gzip")
		if plain.Header().Get("Content-Encoding") != "" {
			t.Fatalf("%s: plain page encoded %q", name, plain.Header().Get("Content-Encoding"))
		}
		if got.Header().Get("Content-Encoding") != "gzip" {
			if plain.Body.Len() >= gzipMin || strings.Contains(name, "big") {
				t.Fatalf("%s: %d bytes not gzipped", name, plain.Body.Len())
			}
			continue // small pieces only, no fragment worth it: plain
		}
		if gunzip(t, got.Body.Bytes()) != plain.Body.String() {
			t.Fatalf("%s: the gzipped page is not the page", name)
		}
		if got.Header().Get("Content-Length") != strconv.Itoa(got.Body.Len()) || got.Body.Len()*3 > plain.Body.Len() {
			t.Fatalf("%s: %d bytes gzipped of %d, Content-Length %s", name, got.Body.Len(), plain.Body.Len(), got.Header().Get("Content-Length"))
		}
		// The fragments went in as they were compressed once.
		if e := pageReqOf(r).fragment(big); e == nil || strings.Contains(name, "big, reader") && !strings.Contains(got.Body.String(), string(e.deflated())) {
			t.Fatalf("%s: the fragment was compressed again", name)
		}
	}
}

func TestStoredBlocks(t *testing.T) {
	for _, n := range []int{0, 1, 0xffff, 0x10000, 200000} {
		p := bytes.Repeat([]byte("ортақ "), n/11+1)[:n]
		var b bytes.Buffer
		b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
		storedBlocks(&b, p)
		b.Write([]byte{1, 0, 0, 0xff, 0xff})
		b.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(p)), uint32(n)))
		if got := gunzip(t, b.Bytes()); got != string(p) {
			t.Fatalf("%d bytes: got %d back", n, len(got))
		}
	}
}
