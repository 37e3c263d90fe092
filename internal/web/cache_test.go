package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
)

func TestGuestPageCache(t *testing.T) {
	c := newPageCache(2*time.Second, 1<<20)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c.c.SetClock(func() time.Time { return now })
	renders := 0
	page := c.wrap(func(w http.ResponseWriter, r *http.Request) {
		renders++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Query().Get("cookie") != "" {
			http.SetCookie(w, &http.Cookie{Name: "x", Value: "y"})
		}
		if r.URL.Query().Get("status") != "" {
			w.WriteHeader(http.StatusNotFound)
		}
		io.WriteString(w, "render "+strconv.Itoa(renders))
	}, nil)
	get := func(target string, mod ...func(*http.Request) *http.Request) string {
		r := httptest.NewRequest("GET", target, nil)
		for _, m := range mod {
			r = m(r)
		}
		w := httptest.NewRecorder()
		page(w, r)
		return w.Body.String()
	}
	signedIn := func(r *http.Request) *http.Request {
		return r.WithContext(context.WithValue(r.Context(), keyUser, &auth.User{ID: 1}))
	}
	withFlash := func(r *http.Request) *http.Request {
		r.AddCookie(&http.Cookie{Name: flashCookie, Value: "profile.saved"})
		return r
	}

	if got := get("/kk/list"); got != "render 1" {
		t.Fatalf("first view: %q", got)
	}
	if got := get("/kk/list"); got != "render 1" {
		t.Fatalf("a guest within the lifetime got %q, want the copy", got)
	}
	if got := get("/ru/list"); got != "render 2" {
		t.Fatalf("another language shared the copy: %q", got)
	}
	if got := get("/kk/list?page=2"); got != "render 3" {
		t.Fatalf("another query shared the copy: %q", got)
	}
	if got := get("/kk/list", signedIn); got != "render 4" {
		t.Fatalf("a signed-in person got a copy: %q", got)
	}
	if got := get("/kk/list", withFlash); got != "render 5" {
		t.Fatalf("a guest with a notice to show got a copy: %q", got)
	}
	get("/kk/list?cookie=1")
	if got := get("/kk/list?cookie=1"); got != "render 7" {
		t.Fatalf("a response that sets a cookie was kept: %q", got)
	}
	get("/kk/list?status=404")
	if got := get("/kk/list?status=404"); got != "render 9" {
		t.Fatalf("an error page was kept: %q", got)
	}
	now = now.Add(2 * time.Second)
	if got := get("/kk/list"); got != "render 10" {
		t.Fatalf("after the lifetime: %q", got)
	}

	// A successful change empties it; a refused one does not.
	post := func(status int) {
		h := c.invalidate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/kk/x", nil))
	}
	post(http.StatusForbidden)
	if got := get("/kk/list"); got != "render 10" {
		t.Fatalf("a refused change emptied the cache: %q", got)
	}
	post(http.StatusSeeOther)
	if got := get("/kk/list"); got != "render 11" {
		t.Fatalf("after a change: %q", got)
	}

	// Off when the lifetime is zero.
	off := newPageCache(0, 1<<20)
	n := 0
	h := off.wrap(func(w http.ResponseWriter, r *http.Request) { n++ }, nil)
	for range 3 {
		h(httptest.NewRecorder(), httptest.NewRequest("GET", "/kk/list", nil))
	}
	if n != 3 {
		t.Fatalf("a disabled cache served %d of 3 from copies", 3-n)
	}
}
