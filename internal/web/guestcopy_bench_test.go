package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the handler chain, not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// What Ortaq's own handler chain costs a guest who gets a page copy (the
// home page's 10 KB from the guest page cache), with the JSON request log
// on as in production (to io.Discard), against a bare handler that copies
// the same headers and body (scripts/bench/gostatic's work). The difference
// is what Ortaq adds per request in user space; the socket writes are the
// same for both and left out.
//
//	go test -run '^$' -bench GuestPageCopy -count 3 ./internal/web/
func BenchmarkGuestPageCopy(b *testing.B) {
	body := bytes.Repeat([]byte("<p>Жастар — Отанға!</p>\n"), 10000/30)
	for _, c := range []struct {
		name  string
		level slog.Level
	}{{"ortaq", slog.LevelInfo}, {"ortaq-warn", slog.LevelWarn}} {
		b.Run(c.name, func(b *testing.B) {
			log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: c.level}))
			s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: time.Hour, DBTimeout: 5 * time.Second}, nil, nil, nil, i18n.MustLoad(), log)
			if err != nil {
				b.Fatal(err)
			}
			s.PageCached("GET /bench", func(w http.ResponseWriter, r *http.Request) {
				benchHeaders(w.Header(), len(body))
				w.Write(body)
			})
			h := s.Handler()
			req := httptest.NewRequest("GET", "/kk/bench", nil)
			req.Header.Set("User-Agent", "wrk")
			h.ServeHTTP(httptest.NewRecorder(), req) // fills the copy
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
	b.Run("bare", func(b *testing.B) {
		hdr := http.Header{}
		benchHeaders(hdr, len(body))
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.Write(body)
		})
		req := httptest.NewRequest("GET", "/kk/bench", nil)
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
	})
}

// benchHeaders sets what Renderer.Page sets on a guest's page.
func benchHeaders(h http.Header, n int) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(n))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
}
