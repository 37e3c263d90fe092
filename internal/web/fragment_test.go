package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/cache"
	"github.com/ortaq/ortaq/internal/i18n"
)

func TestFragmentSharedAcrossReaders(t *testing.T) {
	s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: 2 * time.Second}, nil, nil, nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.cache.c.SetClock(func() time.Time { return now })
	// The block may not see the reader: .Ctx.User is nil inside it.
	err = s.Renderer().Add(fstest.MapFS{"t/list.html": {Data: []byte(
		`{{define "content"}}{{.Data}}{{end}}{{define "rows"}}<b>{{.Data}}</b>{{if .Ctx.User}}LEAK{{end}} {{t .Ctx "nav.home"}}{{end}}`)}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	loads := 0
	get := func(lang i18n.Lang, user *auth.User, key string) (string, any) {
		r := withLang(httptest.NewRequest("GET", "/"+string(lang)+"/list", nil), lang)
		if user != nil {
			r = r.WithContext(context.WithValue(r.Context(), keyUser, user))
		}
		html, data, err := s.Fragment(r, "list", "rows", key, func() (any, error) {
			loads++
			return "rows<" + key + ">", nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return string(html), data
	}
	html, data := get(i18n.KK, &auth.User{ID: 1}, "a")
	if loads != 1 || data != "rows<a>" || !strings.Contains(html, "<b>rows&lt;a&gt;</b>") || strings.Contains(html, "LEAK") {
		t.Fatalf("first: loads %d, data %v, html %q", loads, data, html)
	}
	if h2, d2 := get(i18n.KK, &auth.User{ID: 2}, "a"); loads != 1 || h2 != html || d2 != data {
		t.Fatalf("a second reader within the lifetime: loads %d, %q", loads, h2)
	}
	if get(i18n.RU, nil, "a"); loads != 2 {
		t.Fatal("another language shared the fragment")
	}
	if get(i18n.KK, nil, "b"); loads != 3 {
		t.Fatal("another key shared the fragment")
	}
	s.cache.clear() // what a successful change on this node does
	if get(i18n.KK, nil, "a"); loads != 4 {
		t.Fatal("a change did not forget the fragment")
	}
	now = now.Add(2 * time.Second)
	if get(i18n.KK, nil, "a"); loads != 5 {
		t.Fatal("the fragment outlived the lifetime")
	}
	s.cache.c = cache.New(0, 1<<20, entrySize)
	get(i18n.KK, nil, "a")
	get(i18n.KK, nil, "a")
	if loads != 7 {
		t.Fatal("a disabled cache kept a fragment")
	}
}

// When a fragment expires, the readers asking at that moment share one
// load instead of each querying and rendering it.
func TestFragmentMissesShareOneLoad(t *testing.T) {
	s, err := New(Config{SiteName: "Ortaq", PageCacheTTL: time.Minute}, nil, nil, nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Renderer().Add(fstest.MapFS{"t/list.html": {Data: []byte(`{{define "content"}}{{end}}{{define "rows"}}{{.Data}}{{end}}`)}}, "t"); err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			r := httptest.NewRequest("GET", "/kk/list", nil)
			html, _, err := s.Fragment(r, "list", "rows", "k", func() (any, error) {
				loads.Add(1)
				<-release // hold the load until the others are waiting
				return "rows", nil
			})
			if err != nil || html != "rows" {
				t.Errorf("%q, %v", html, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the readers pile up behind the first
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 32 readers at once, want 1", n)
	}
}
