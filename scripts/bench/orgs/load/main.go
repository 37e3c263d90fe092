// Command load measures the registry's pages under concurrent clients
// (issue 3: under 15 ms at p99 with 32 clients) and times member imports
// (a 50,000-row file under 10 s; the same file with a bad last row writes
// nothing). Loopback only, bounded by -d.
//
//	go run ./scripts/bench/orgs/load -url http://127.0.0.1:8080 -c 32 -d 10s \
//	    -page '/kk/organizations?kind=primary_organization&region=KZ-35' \
//	    -page /kk/organizations/1 -page /kk/organizations/421/members \
//	    -import-org 10000 -import-rows 50000
//
// With -after-import, the given pages are measured right after the import
// of new people (issue 20: the member list before the planner's statistics
// would have caught up on their own):
//
//	go run ./scripts/bench/orgs/load -url … -c 32 -d 5s -import-org 10000 \
//	    -after-import '/api/v1/organizations/{ORG}/members?limit=50'
//
// It signs in as the generator's administrator (every page is fetched with
// that session, so the member list is visible). Latency is measured by the
// client, over loopback: an upper bound of the server's time.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"github.com/ortaq/ortaq/scripts/bench/servertime"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type pages []string

func (p *pages) String() string     { return strings.Join(*p, ",") }
func (p *pages) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server (loopback)")
	conc := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "per page (at most 60s)")
	email := flag.String("email", "bench@bench.ortaq.kz", `account ("" to load the pages as a guest)`)
	password := flag.String("password", "bench-password-2026", "password")
	importOrg := flag.Int("import-org", 0, "organization to import into (0: no import)")
	importRows := flag.Int("import-rows", 50000, "rows of the import file")
	flag.IntVar(&cpuPid, "cpu-pid", 0, "the server's process id: report its CPU time per request")
	flag.StringVar(&cpuDB, "cpu-pg", "", "a PostgreSQL database: report the CPU time per request of its backends")
	var ps, after pages
	flag.Var(&ps, "page", "a page to load (repeatable)")
	flag.Var(&after, "after-import", "a page to load right after the 50,000-row import, before anything else (repeatable; issue 20: {ORG} is -import-org)")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") || *dur > time.Minute {
		fmt.Fprintln(os.Stderr, "-url must be loopback, -d at most 60s")
		os.Exit(2)
	}
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}
	c := &http.Client{Jar: jar, Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if *email != "" {
		form := url.Values{"email": {*email}, "password": {*password}}
		req, _ := http.NewRequest("POST", *base+"/kk/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", *base)
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			fmt.Fprintln(os.Stderr, "sign in failed:", err, resp)
			os.Exit(1)
		}
		resp.Body.Close()
	}

	for _, p := range ps {
		measure(c, *base+p, p, *conc, *dur)
	}
	if *importOrg != 0 {
		imports(c, *base, *importOrg, *importRows, func() {
			for _, p := range after {
				p = strings.ReplaceAll(p, "{ORG}", fmt.Sprint(*importOrg))
				measure(c, *base+p, p+" (right after the import)", *conc, *dur)
			}
		})
	}
}

func measure(c *http.Client, full, name string, conc int, dur time.Duration) {
	// Warm up: one request, and check it is a 200.
	resp, err := c.Get(full)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		fmt.Fprintf(os.Stderr, "%s: status %d\n", name, resp.StatusCode)
		os.Exit(1)
	}
	var mu sync.Mutex
	var lat, srv []time.Duration
	errors := 0
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	var stmts []int
	cpu0 := servertime.SampleCPU(cpuPid, cpuDB)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine, mineSrv []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				resp, err := c.Get(full)
				if err != nil {
					mu.Lock()
					errors++
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					errors++
					mu.Unlock()
				}
				mine = append(mine, time.Since(t))
				if d := servertime.Of(resp.Header); d >= 0 {
					mineSrv = append(mineSrv, d)
				}
				if n := servertime.Statements(resp.Header); n >= 0 && len(mine) == 1 {
					mu.Lock()
					stmts = append(stmts, n)
					mu.Unlock()
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			srv = append(srv, mineSrv...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu1 := servertime.SampleCPU(cpuPid, cpuDB)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Printf("%-60s n=%6d  %6.0f req/s  p50=%6.2fms  p90=%6.2fms  p99=%6.2fms  max=%6.1fms  server p50=%5.2fms p99=%5.2fms  errors=%d  bytes=%d\n",
		name, len(lat), float64(len(lat))/el.Seconds(), ms(q(0.5)), ms(q(0.9)), ms(q(0.99)), ms(lat[len(lat)-1]),
		ms(servertime.Pct(srv, 50)), ms(servertime.Pct(srv, 99)), errors, len(body))
	if cpuPid != 0 || cpuDB != "" {
		fmt.Printf("  %s; statements per request %v\n", servertime.PerRequest(cpu0, cpu1, len(lat)), slices.Compact(slices.Sorted(slices.Values(stmts))))
	}
}

var (
	cpuPid int
	cpuDB  string
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func imports(c *http.Client, base string, org, rows int, afterNew func()) {
	var b bytes.Buffer
	b.WriteString("name,email,role,since,until,birth_date,region\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "Импорт Қатысушы %d,import%d@bench.ortaq.kz,member,2024-01-%02d,,19%02d-05-05,KZ-35\n", i, i, 1+i%28, 70+i%30)
	}
	good := b.Bytes()
	bad := append(bytes.Clone(good), []byte("Қате Жол,not-an-email,member,2024-02-30,,,\n")...)
	count := func() string {
		resp, err := c.Get(fmt.Sprintf("%s/api/v1/organizations/%d", base, org))
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		s := string(body)
		if i := strings.Index(s, `"member_count":`); i >= 0 {
			s = s[i:]
			if j := strings.IndexByte(s, ','); j > 0 {
				return s[:j]
			}
		}
		return s
	}
	post := func(label string, data []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "members.csv")
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/organizations/%d/members/import", base, org), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		t := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			fmt.Println(label, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s := string(body)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		fmt.Printf("%-34s %d rows (%d bytes): status %d in %.2fs; after: %s; answer: %s\n", label, bytes.Count(data, []byte("\n"))-1,
			len(data), resp.StatusCode, time.Since(t).Seconds(), count(), strings.TrimSpace(s))
	}
	fmt.Println("before imports:", count())
	post("import, bad last row", bad)
	post("import, 50k new people", good)
	afterNew()
	post("import, same file again", good)
}
