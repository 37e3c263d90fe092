package web

import (
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
)

// What folding the fixed messages and links into the templates (fold)
// buys a page rendered for one reader: the home page of a signed-in
// person, folded against the templates as written. Reports the process's
// CPU time per page too (cpu-µs/op), which other people's load on a shared
// machine stretches far less than the wall time.
//
//	go test -run '^$' -bench FoldedPage -count 3 ./internal/web/
func BenchmarkFoldedPage(b *testing.B) {
	cat := i18n.MustLoad()
	assets, err := NewAssets()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		noFold bool
	}{{"folded", false}, {"as-written", true}} {
		r, err := newRenderer(cat, assets, "Ortaq", c.noFold)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", "/kk/", nil)
			u := &auth.User{ID: 7, Name: "Айгерім"}
			start := cpuTime()
			for b.Loop() {
				pc := &PageContext{Lang: i18n.KK, P: cat.Printer(i18n.KK), User: u, Path: "/", Site: "Ortaq", HasInbox: true, Inbox: 3}
				w := httptest.NewRecorder()
				r.Page(w, req, 200, "home", &PageData{Title: "T", Data: map[string]any{}}, pc)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
