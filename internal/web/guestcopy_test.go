package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
)

// A guest who gets a page's copy before routing (guestCopies) gets exactly
// what the page's route gives: the same body and headers (the security
// headers included), the language cookie when theirs differs, the metrics
// counted under the route; and whoever is not a plain guest reading a kept
// page goes through the whole chain.
func TestGuestCopiesAnswerAsTheRouteDoes(t *testing.T) {
	var logged strings.Builder
	s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: time.Minute, DBTimeout: time.Second}, nil, nil, nil,
		i18n.MustLoad(), slog.New(slog.NewJSONHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	renders := 0
	s.PageCached("GET /kept", func(w http.ResponseWriter, r *http.Request) {
		renders++
		benchHeaders(w.Header(), 4)
		io.WriteString(w, "page")
	})
	h := s.Handler()
	get := func(path string, mod func(*http.Request)) *http.Response {
		r := httptest.NewRequest("GET", path, nil)
		if mod != nil {
			mod(r)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	head := func(res *http.Response) http.Header {
		h := res.Header.Clone()
		h.Del("Server-Timing") // differs by its nature
		return h
	}

	first := get("/kk/kept", nil)
	if renders != 1 || first.StatusCode != 200 {
		t.Fatalf("first view: %d renders, status %d", renders, first.StatusCode)
	}
	second := get("/kk/kept", nil)
	if renders != 1 {
		t.Fatalf("the second guest got a rendering, not the copy")
	}
	a, _ := io.ReadAll(first.Body)
	b, _ := io.ReadAll(second.Body)
	if string(a) != string(b) || string(b) != "page" {
		t.Fatalf("bodies: route %q, copy %q", a, b)
	}
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Set-Cookie"} {
		if second.Header.Get(k) == "" {
			t.Errorf("the copy lacks %s", k)
		}
	}
	if got, want := head(second), head(first); !equalHeader(got, want) {
		t.Fatalf("headers of the copy:\n%v\nof the route:\n%v", got, want)
	}
	if second.Header.Get("Server-Timing") == "" {
		t.Errorf("the copy has no Server-Timing")
	}
	// Their language cookie already says kk: no Set-Cookie, as servePage.
	third := get("/kk/kept", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: langCookie, Value: "kk"}) })
	if renders != 1 || third.Header.Get("Set-Cookie") != "" {
		t.Fatalf("a guest with the cookie: %d renders, Set-Cookie %q", renders, third.Header.Get("Set-Cookie"))
	}
	// A reader with another language's cookie gets this page's.
	ru := get("/kk/kept", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: langCookie, Value: "ru"}) })
	if got := ru.Header.Get("Set-Cookie"); !strings.HasPrefix(got, "ortaq_lang=kk;") {
		t.Fatalf("a guest with the ru cookie got Set-Cookie %q", got)
	}
	// A flash message: through the route, which renders.
	get("/kk/kept", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: flashCookie, Value: "x"}) })
	if renders != 2 {
		t.Fatalf("a guest with a flash message got the copy")
	}
	// Copies are counted and logged under the route like the rest.
	mw := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(mw, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(mw.Body.String(), `ortaq_http_request_duration_seconds_count{code="200",method="GET",route="/{lang}/kept"} 5`) {
		t.Fatalf("metrics:\n%s", grepLines(mw.Body.String(), "request_duration_seconds_count"))
	}
	if n := strings.Count(logged.String(), `"msg":"request","method":"GET","path":"/kk/kept","status":200,"bytes":4`); n != 5 {
		t.Fatalf("%d request lines for /kk/kept, want 5:\n%s", n, logged.String())
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Over a real keep-alive connection, big copies sent corked arrive whole,
// and the socket is uncorked after each: a socket left corked would hold
// every following answer up to 200 ms.
func TestCorkedCopiesOverTCP(t *testing.T) {
	s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: time.Minute}, nil, nil, nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("Жастар — Отанға! ", 1000) // 24 KB, several segments plain
	s.PageCached("GET /big", func(w http.ResponseWriter, r *http.Request) {
		benchHeaders(w.Header(), len(big))
		io.WriteString(w, big)
	})
	s.PageCached("GET /small", func(w http.ResponseWriter, r *http.Request) {
		benchHeaders(w.Header(), 5)
		io.WriteString(w, "small")
	})
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Config.ConnContext = ConnContext
	ts.Start()
	defer ts.Close()
	c := ts.Client()
	c.Transport.(*http.Transport).DisableCompression = true // as wrk: the plain copy, 24 KB
	start := time.Now()
	for i := range 40 {
		path, want := "/kk/big", big
		if i%3 == 2 {
			path, want = "/kk/small", "small"
		}
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(b) != want || res.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("request %d (%s): %d bytes, err %v, CSP %q", i, path, len(b), err, res.Header.Get("Content-Security-Policy"))
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("40 requests on one connection took %v: a socket stayed corked", took)
	}
}
