// Command signinload measures sign-in latency under concurrent sign-ins
// (DESIGN.md §8, docs/decisions/0005-accounts.md: argon2id, under 300 ms at
// p50 with 8 concurrent sign-ins) and, at the same time, whether the server
// stays responsive for other pages: a separate goroutine fetches a page
// every 50 ms and records its latency.
//
//	go run ./scripts/bench/signinload -url http://127.0.0.1:8080 \
//	    -email admin@demo.ortaq.kz -password demo-admin-2026 -c 8 -d 15s
//
// Each sign-in is a POST of the form with no cookies sent (no jar) and no
// redirect followed; a success is a 303 that sets the session cookie. Only
// successful sign-ins are made, so the server's failed-sign-in limits do not
// apply. Loopback only, bounded by -d.
//
// The last line is machine-readable (RESULT key=value …) for scripts/bench/core.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL of the server (loopback)")
	email := flag.String("email", "admin@demo.ortaq.kz", "account to sign in as")
	password := flag.String("password", "demo-admin-2026", "its password")
	conc := flag.Int("c", 8, "concurrent sign-in loops")
	dur := flag.Duration("d", 15*time.Second, "how long to run (at most 30s)")
	signinPath := flag.String("signin", "/kk/signin", "sign-in form path")
	pagePath := flag.String("page", "/kk/", "page fetched meanwhile")
	every := flag.Duration("every", 50*time.Millisecond, "interval between page fetches")
	cookie := flag.String("cookie", "ortaq_session", "name of the session cookie a success sets")
	baseline := flag.Duration("baseline", 2*time.Second, "fetch the page alone this long first, for comparison (0: skip)")
	flag.Parse()

	if *dur > 30*time.Second {
		fmt.Fprintln(os.Stderr, "-d is capped at 30s")
		os.Exit(2)
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "-url must be a loopback address")
		os.Exit(2)
	}

	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Sign-ins and page fetches use separate connection pools, so a page
	// fetch never waits for a free connection behind a sign-in.
	signinClient := &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc},
		CheckRedirect: noRedirect,
		Timeout:       30 * time.Second,
	}
	pageClient := &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2},
		CheckRedirect: noRedirect,
		Timeout:       30 * time.Second,
	}
	form := url.Values{"email": {*email}, "password": {*password}}.Encode()

	// Check once before measuring that the credentials work.
	if st, ok, err := signIn(context.Background(), signinClient, *base+*signinPath, form, *cookie); err != nil || !ok {
		fmt.Fprintf(os.Stderr, "first sign-in failed: status %d, session cookie %v, err %v\n", st, ok, err)
		os.Exit(1)
	}

	// The page alone, for comparison with the page under sign-in load.
	var idleLat []time.Duration
	idleBad := 0
	if *baseline > 0 {
		bctx, bcancel := context.WithTimeout(context.Background(), *baseline)
		idleLat, idleBad = fetchEvery(bctx, pageClient, *base+*pagePath, *every)
		bcancel()
	}

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	start := time.Now()

	var (
		mu       sync.Mutex
		signLat  []time.Duration // every completed sign-in
		statuses = map[int]int{}
		noCookie int
		errCount int
		pageLat  []time.Duration
		pageBad  int
		wg       sync.WaitGroup
	)
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				st, ok, err := signIn(ctx, signinClient, *base+*signinPath, form, *cookie)
				d := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // cut off by the deadline: not a measurement
				}
				mu.Lock()
				if err != nil {
					errCount++
				} else {
					signLat = append(signLat, d)
					statuses[st]++
					if st == http.StatusSeeOther && !ok {
						noCookie++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		pageLat, pageBad = fetchEvery(ctx, pageClient, *base+*pagePath, *every)
	}()
	wg.Wait()
	elapsed := time.Since(start)

	ok303 := statuses[http.StatusSeeOther] - noCookie
	fmt.Printf("sign-ins: %d concurrent for %v against %s\n", *conc, elapsed.Round(time.Millisecond), *base+*signinPath)
	fmt.Printf("  completed %d, 303 with session cookie %d (%.1f/s), statuses %v, 303 without cookie %d, transport errors %d\n",
		len(signLat), ok303, float64(ok303)/elapsed.Seconds(), statuses, noCookie, errCount)
	sp := pct(signLat)
	fmt.Printf("  latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", sp[0], sp[1], sp[2], sp[3])
	ip := pct(idleLat)
	if *baseline > 0 {
		fmt.Printf("page %s every %v alone, before the load (%v): %d fetched (200), %d failed\n", *pagePath, *every, *baseline, len(idleLat), idleBad)
		fmt.Printf("  latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", ip[0], ip[1], ip[2], ip[3])
	}
	pp := pct(pageLat)
	fmt.Printf("page %s every %v during the sign-ins: %d fetched (200), %d failed\n", *pagePath, *every, len(pageLat), pageBad)
	fmt.Printf("  latency p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", pp[0], pp[1], pp[2], pp[3])
	fmt.Printf("RESULT signins=%d ok=%d rate=%.1f errors=%d signin_p50_ms=%.1f signin_p90_ms=%.1f signin_p99_ms=%.1f signin_max_ms=%.1f pages=%d page_failed=%d page_p50_ms=%.1f page_p90_ms=%.1f page_p99_ms=%.1f page_max_ms=%.1f idle_page_p50_ms=%.1f idle_page_p99_ms=%.1f\n",
		len(signLat), ok303, float64(ok303)/elapsed.Seconds(), errCount+len(signLat)-ok303,
		sp[0], sp[1], sp[2], sp[3], len(pageLat), pageBad, pp[0], pp[1], pp[2], pp[3], ip[0], ip[2])
	if ok303 == 0 || ok303 != len(signLat) || errCount > 0 || pageBad > 0 {
		os.Exit(1)
	}
}

// fetchEvery GETs target every interval until ctx is done and returns the
// latencies of the 200s and the number of other outcomes.
func fetchEvery(ctx context.Context, c *http.Client, target string, every time.Duration) (lat []time.Duration, bad int) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return lat, bad
		case <-tick.C:
		}
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		resp, err := c.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		d := time.Since(t0)
		if ctx.Err() != nil && err != nil {
			return lat, bad // cut off by the deadline: not a measurement
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			bad++
		} else {
			lat = append(lat, d)
		}
	}
}

// signIn posts the form once; ok reports whether the response set the
// session cookie.
func signIn(ctx context.Context, c *http.Client, target, form, cookie string) (status int, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, false, err
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == cookie && ck.Value != "" {
			ok = true
		}
	}
	return resp.StatusCode, ok, nil
}

// pct returns p50, p90, p99 and max in milliseconds (nearest rank).
func pct(ds []time.Duration) [4]float64 {
	var out [4]float64
	if len(ds) == 0 {
		return out
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	for i, p := range []float64{0.50, 0.90, 0.99, 1} {
		k := int(p*float64(len(s))+0.999999) - 1
		k = max(0, min(k, len(s)-1))
		out[i] = float64(s[k]) / float64(time.Millisecond)
	}
	return out
}
