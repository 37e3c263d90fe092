package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// ---------------------------------------------------------------- requests

type kind int

const (
	guestPage kind = iota
	memberPage
	support
	comment
	ballot
	nKinds
)

var kindNames = [nKinds]string{"guest page", "signed-in page", "support", "comment", "ballot"}

type sample struct {
	k          kind
	start, end time.Time
	status     int // 0: no answer (connection refused, reset, timeout)
	retryAfter bool
	resent     bool // sent again after a kept-alive connection closed unanswered (send)
}

// one sends one request of a random kind and records what it saw and, for
// a write that was acknowledged, what must now be in the database.
func (w *world) one(rng *rand.Rand) sample {
	r := rng.IntN(100)
	var s sample
	switch {
	case r < 35:
		s.k = guestPage
	case r < 55:
		s.k = memberPage
	case r < 75:
		s.k = support
	case r < 88:
		s.k = comment
	default:
		s.k = ballot
	}
	var req *http.Request
	var ack func()
	switch s.k {
	case guestPage:
		req, _ = http.NewRequest("GET", w.base+w.guest[rng.IntN(len(w.guest))], nil)
	case memberPage:
		req, _ = http.NewRequest("GET", w.base+w.member[rng.IntN(len(w.member))], nil)
		for _, c := range w.jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	case support:
		// Every support is a new (person, proposal) pair, so that each
		// acknowledged one must be a row of its own.
		i := w.pairs.Add(1) - 1
		pi, pr := int(i)%(len(w.people)-1), int(i)/(len(w.people)-1)
		if pr >= len(w.proposals) {
			s.k = guestPage
			req, _ = http.NewRequest("GET", w.base+w.guest[0], nil)
			break
		}
		pair := [2]int64{w.people[pi], w.proposals[pr]}
		req, _ = http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/proposals/%d/support", w.base, pair[1]), nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens[pi])
		ack = func() { w.supported[pair] = true }
	case comment:
		body := fmt.Sprintf("fault-%d: ақаулар кезіндегі пікір", w.seq.Add(1))
		pi := rng.IntN(len(w.people))
		req, _ = http.NewRequest("POST", fmt.Sprintf("%s/api/v1/proposals/%d/comments", w.base, w.proposals[rng.IntN(len(w.proposals))]),
			strings.NewReader(fmt.Sprintf(`{"body":%q}`, body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.tokens[pi])
		w.mu.Lock()
		w.sentCmt[body] = true
		w.mu.Unlock()
		ack = func() { w.comments[body] = true }
	case ballot:
		i := int(w.nextCode.Add(1) - 1)
		if i >= len(w.codes) {
			s.k = guestPage
			req, _ = http.NewRequest("GET", w.base+w.guest[0], nil)
			break
		}
		c := w.codes[i]
		req, _ = http.NewRequest("POST", w.base+"/api/v1/elections/"+w.election+"/ballots",
			strings.NewReader(fmt.Sprintf(`{"choices":[%q],"code":%q}`, w.cands[i%len(w.cands)], c.code)))
		req.Header.Set("Content-Type", "application/json")
		ack = func() { w.ballots[c.person] = true }
	}
	s.start = time.Now()
	resp, resent, err := send(req)
	s.resent = resent
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		s.status = resp.StatusCode
		s.retryAfter = resp.Header.Get("Retry-After") != ""
	}
	s.end = time.Now()
	if s.status >= 200 && s.status < 300 && ack != nil {
		w.mu.Lock()
		ack()
		w.mu.Unlock()
	}
	return s
}

// send is client.Do as a browser does it. A request written on a kept-alive
// connection that the other end closed without answering a byte is sent
// once more, on a new connection: nginx's old workers close their idle
// client connections when nginx reloads, and a request can cross that close
// on the wire. Chromium (HttpNetworkTransaction::ShouldResendRequest) and
// Firefox resend in that case whatever the method; Go's client only for GET,
// HEAD, OPTIONS and TRACE. Such a request was almost always never read; if
// one was, the checks after the run see it (a comment stored twice, a
// ballot refused the second time as a 4xx). -no-resend turns this off.
func send(req *http.Request) (resp *http.Response, resent bool, err error) {
	var reused, answered bool
	trace := &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { reused = i.Reused },
		GotFirstResponseByte: func() { answered = true },
	}
	resp, err = client.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err == nil || !reused || answered || *flagNoResend {
		return resp, false, err
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, false, err
		}
	}
	resp, err = client.Do(again)
	return resp, true, err
}

// load runs clients until ctx ends, at most rate requests a second in all.
func (w *world) load(ctx context.Context, clients, rate int) []sample {
	var mu sync.Mutex
	var all []sample
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			var mine []sample
			for {
				select {
				case <-ctx.Done():
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				case <-tick.C:
				}
				mine = append(mine, w.one(rng))
			}
		})
	}
	wg.Wait()
	return all
}

// ---------------------------------------------------------------- phases

type phaseResult struct {
	name       string
	faultDesc  string
	pgFault    bool
	fs, fe     time.Time     // the fault's window
	recovery   time.Duration // fault undone → every node's /healthz 200 (-1: none)
	samples    []sample
	rollingGap []time.Duration
	healthz    []healthzProbe // /healthz of each node while PostgreSQL is frozen
}

type healthzProbe struct {
	took   time.Duration
	status int
}

func (r *phaseResult) total() int { return len(r.samples) }

type faultFunc func(r *phaseResult, pg *postgres, nodes []*node)

var faults = map[string]faultFunc{
	"baseline": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "none"
		r.recovery = -1
	},
	"node-kill": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "node 2 SIGKILL, started 3 s later"
		r.fs = time.Now()
		nodes[1].kill()
		time.Sleep(3 * time.Second)
		nodes[1].start()
		r.fe = time.Now()
		r.recovery = nodes[1].waitHealthy(60 * time.Second)
	},
	"pg-restart": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "fast shutdown, start at once"
		r.pgFault = true
		r.fs = time.Now()
		pg.stop()
		pg.start()
		r.fe = time.Now()
		r.recovery = allHealthy(nodes)
	},
	"pg-crash": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "postmaster SIGKILL, start at once"
		r.pgFault = true
		r.fs = time.Now()
		pg.crash()
		pg.start()
		r.fe = time.Now()
		r.recovery = allHealthy(nodes)
	},
	"pg-stop": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "stopped for 8 s"
		r.pgFault = true
		r.fs = time.Now()
		pg.stop()
		time.Sleep(8 * time.Second)
		pg.start()
		r.fe = time.Now()
		r.recovery = allHealthy(nodes)
	},
	"pg-freeze": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "every process SIGSTOP for 5 s"
		r.pgFault = true
		r.fs = time.Now()
		pg.freeze()
		time.Sleep(time.Second)
		for _, n := range nodes { // /healthz answers within 1 s, frozen or not
			t := time.Now()
			st := n.health()
			r.healthz = append(r.healthz, healthzProbe{time.Since(t), st})
		}
		time.Sleep(4*time.Second - time.Since(r.fs.Add(time.Second)))
		pg.thaw()
		r.fe = time.Now()
		r.recovery = allHealthy(nodes)
	},
	"rolling": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "SIGTERM, start, /healthz, next"
		r.fs = time.Now()
		for _, n := range nodes {
			t := time.Now()
			n.stop()
			n.start()
			n.waitHealthy(60 * time.Second)
			r.rollingGap = append(r.rollingGap, time.Since(t))
			time.Sleep(2 * time.Second) // nginx's fail_timeout: the node is tried again
		}
		r.fe = time.Now()
		r.recovery = 0
	},
	"rolling-drain": func(r *phaseResult, pg *postgres, nodes []*node) {
		r.faultDesc = "down in nginx + reload, SIGTERM, start, /healthz, back + reload, next"
		r.fs = time.Now()
		for i, n := range nodes {
			t := time.Now()
			writeSite(i)
			reloadNginx()
			n.stop()
			n.start()
			n.waitHealthy(60 * time.Second)
			writeSite(-1)
			reloadNginx()
			r.rollingGap = append(r.rollingGap, time.Since(t))
		}
		r.fe = time.Now()
		r.recovery = 0
	},
}

// allHealthy waits until every node answers /healthz 200 and says how long
// that took.
func allHealthy(nodes []*node) time.Duration {
	t := time.Now()
	for _, n := range nodes {
		n.waitHealthy(60 * time.Second)
	}
	return time.Since(t)
}

func runPhase(name string, w *world, pg *postgres, nodes []*node) *phaseResult {
	r := &phaseResult{name: name}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []sample)
	t0 := time.Now()
	go func() { done <- w.load(ctx, *flagConc, *flagRate) }()
	time.Sleep(3 * time.Second)
	faults[name](r, pg, nodes)
	// Keep the load on for 3 s after recovery, and the phase at least as
	// long as asked.
	time.Sleep(max(3*time.Second, *flagPhase-time.Since(t0)))
	cancel()
	r.samples = <-done
	if os.Getenv("FAULTS_DEBUG") != "" {
		timeline(r, t0)
	}
	return r
}

// ---------------------------------------------------------------- checks

type counts struct {
	n, ok2, ok3, c4, c500, c502, c503, c504, c5other, none, retryAfter503 int
	guestOK, guestTried, resent                                           int
}

func count(ss []sample) counts {
	var c counts
	for _, s := range ss {
		c.n++
		switch {
		case s.status == 0:
			c.none++
		case s.status < 300:
			c.ok2++
		case s.status < 400:
			c.ok3++
		case s.status < 500:
			c.c4++
		case s.status == 500:
			c.c500++
		case s.status == 502:
			c.c502++
		case s.status == 503:
			c.c503++
			if s.retryAfter {
				c.retryAfter503++
			}
		case s.status == 504:
			c.c504++
		default:
			c.c5other++
		}
		if s.resent {
			c.resent++
		}
		if s.k == guestPage {
			c.guestTried++
			if s.status == 200 {
				c.guestOK++
			}
		}
	}
	return c
}

func (c counts) failed() int { return c.c500 + c.c502 + c.c504 + c.c5other + c.none }

// report checks the database against what was acknowledged and prints the
// table; it returns whether every check passed.
func report(w *world, rs []*phaseResult) bool {
	ctx := context.Background()
	ok := true
	var lines []string
	check := func(pass bool, format string, a ...any) {
		mark := "ok  "
		if !pass {
			mark = "FAIL"
			ok = false
		}
		lines = append(lines, mark+" "+fmt.Sprintf(format, a...))
	}

	// Revocation.
	check(slices.Max(w.revoked) < 100*time.Millisecond, "sign out everywhere on node 1: the session refused on node 2 after %.1f ms, on node 3 after %.1f ms (bound 100 ms)",
		float64(w.revoked[0].Microseconds())/1000, float64(w.revoked[1].Microseconds())/1000)

	// Writes.
	stored := map[[2]int64]bool{}
	rows, err := w.db.QueryContext(ctx, "SELECT user_id, proposal_id FROM proposal_supports WHERE user_id = ANY($1)", w.people)
	if err != nil {
		die("check: %v", err)
	}
	for rows.Next() {
		var k [2]int64
		rows.Scan(&k[0], &k[1])
		stored[k] = true
	}
	rows.Close()
	var ackS, lostS, extraS int
	for k, acked := range w.supported {
		if !acked {
			continue
		}
		ackS++
		if !stored[k] {
			lostS++
		}
	}
	for k := range stored {
		if !w.supported[k] {
			extraS++
		}
	}
	check(lostS == 0, "supports: %d acknowledged, %d lost; %d stored without an answer the client saw", ackS, lostS, extraS)

	storedC := map[string]int{}
	rows, err = w.db.QueryContext(ctx, "SELECT body, count(*) FROM proposal_comments WHERE body LIKE 'fault-%' GROUP BY body")
	if err != nil {
		die("check: %v", err)
	}
	for rows.Next() {
		var b string
		var n int
		rows.Scan(&b, &n)
		storedC[b] = n
	}
	rows.Close()
	var lostC, twiceC, extraC int
	for b := range w.comments {
		if storedC[b] == 0 {
			lostC++
		}
	}
	for b, n := range storedC {
		if n > 1 {
			twiceC++
		}
		if !w.comments[b] {
			extraC++
		}
	}
	check(lostC == 0, "comments: %d acknowledged, %d lost; %d stored without an answer the client saw", len(w.comments), lostC, extraC)
	check(twiceC == 0, "comments stored twice: %d (of %d sent)", twiceC, len(w.sentCmt))

	voted := map[int64]bool{}
	rows, err = w.db.QueryContext(ctx, "SELECT person_id FROM election_voters WHERE election_id = $1", w.election)
	if err != nil {
		die("check: %v", err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		voted[id] = true
	}
	rows.Close()
	var lostB int
	for p := range w.ballots {
		if !voted[p] {
			lostB++
		}
	}
	check(lostB == 0, "ballots: %d acknowledged, %d lost; %d voters recorded", len(w.ballots), lostB, len(voted))

	// Counters.
	var sealed, badTallies, badComments int
	if err := w.db.QueryRowContext(ctx, "SELECT count(*) FROM election_sealed WHERE election_id = $1", w.election).Scan(&sealed); err != nil {
		die("check: %v", err)
	}
	check(sealed == len(voted), "ballot box: %d sealed ballots for %d voters", sealed, len(voted))
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM proposal_tallies t
		WHERE t.support_count <> (SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = t.proposal_id)`).Scan(&badTallies); err != nil {
		die("check: %v", err)
	}
	check(badTallies == 0, "support counts: %d proposals whose stored count differs from their rows", badTallies)
	if err := w.db.QueryRowContext(ctx, `SELECT count(*) FROM proposals p
		WHERE p.comment_count - (SELECT count(*) FROM proposal_comments c WHERE c.proposal_id = p.id) <> COALESCE(($1::jsonb ->> p.id::text)::int, 0)`,
		w.commentDiff).Scan(&badComments); err != nil {
		die("check: %v", err)
	}
	check(badComments == 0, "comment counts: %d proposals whose stored count moved apart from their rows", badComments)

	// Statuses per phase.
	fmt.Println()
	fmt.Println("| phase | fault | requests | 2xx/3xx | 4xx | 503 (with Retry-After) | 500 | 502/504 | no answer | resent (send) | guest pages served during the fault | longest request during the fault | recovery (every node /healthz 200) |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		c := count(r.samples)
		var during []sample
		var longest time.Duration
		for _, s := range r.samples {
			if !r.fs.IsZero() && s.start.Before(r.fe) && s.end.After(r.fs) {
				during = append(during, s)
				longest = max(longest, s.end.Sub(s.start))
			}
		}
		d := count(during)
		guest, long := "—", "—"
		if !r.fs.IsZero() {
			guest = fmt.Sprintf("%d of %d", d.guestOK, d.guestTried)
			long = fmt.Sprintf("%.2f s", longest.Seconds())
		}
		rec := fmtDur(r.recovery)
		if strings.HasPrefix(r.name, "rolling") {
			var gs []string
			for _, g := range r.rollingGap {
				gs = append(gs, fmt.Sprintf("%.1f", g.Seconds()))
			}
			rec = "each node down→healthy " + strings.Join(gs, " / ") + " s"
		}
		fmt.Printf("| %s | %s | %d | %d | %d | %d (%d) | %d | %d | %d | %d | %s | %s | %s |\n", r.name, r.faultDesc, c.n, c.ok2+c.ok3, c.c4,
			c.c503, c.retryAfter503, c.c500, c.c502+c.c504+c.c5other, c.none, c.resent, guest, long, rec)

		if c.c4 > 0 {
			lines = append(lines, "     "+r.name+": 4xx "+fourxx(r.samples))
		}
		check(c.c500 == 0, "%s: %d × 500", r.name, c.c500)
		if r.pgFault {
			check(c.c502+c.c504+c.c5other+c.none == 0, "%s: %d × 502/504, %d without an answer (the database's fault shows as 503)", r.name, c.c502+c.c504+c.c5other, c.none)
			check(c.c503 == c.retryAfter503, "%s: every 503 carries Retry-After (%d of %d)", r.name, c.retryAfter503, c.c503)
			// Issue 20, item 1: guests keep getting the last copy of a
			// public page while the database is unreachable.
			check(d.guestOK == d.guestTried, "%s: guest pages answered 200 during the fault: %d of %d", r.name, d.guestOK, d.guestTried)
		}
		if r.name == "pg-freeze" {
			bound := *flagTimeout + time.Second
			check(longest <= bound, "pg-freeze: longest request %.2f s, bound --db-timeout %v + 1 s", longest.Seconds(), *flagTimeout)
			for i, h := range r.healthz {
				check(h.status == 503 && h.took <= 1200*time.Millisecond, "pg-freeze: node %d /healthz answered %d in %.2f s (want 503 within 1 s)", i+1, h.status, h.took.Seconds())
			}
		}
		if strings.HasPrefix(r.name, "rolling") || r.name == "baseline" {
			check(c.failed() == 0, "%s: %d failed requests (5xx or no answer)", r.name, c.failed())
		}
		if c.failed() > 0 {
			lines = append(lines, fmt.Sprintf("     %s: %d failed: %s", r.name, c.failed(), failedKinds(r.samples)))
		}
	}
	fmt.Println()
	for _, l := range lines {
		fmt.Println(l)
	}
	return ok
}

func fourxx(ss []sample) string {
	m := map[string]int{}
	for _, s := range ss {
		if s.status >= 400 && s.status < 500 {
			m[fmt.Sprintf("%s %d", kindNames[s.k], s.status)]++
		}
	}
	return joinCounts(m)
}

func failedKinds(ss []sample) string {
	m := map[string]int{}
	for _, s := range ss {
		if s.status == 0 || s.status >= 500 && s.status != 503 {
			m[fmt.Sprintf("%s %d", kindNames[s.k], s.status)]++
		}
	}
	return joinCounts(m)
}

func joinCounts(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(out, ", ")
}

// timeline prints, per half second of the phase, how many requests started
// and with what status (FAULTS_DEBUG=1).
func timeline(r *phaseResult, t0 time.Time) {
	type key struct {
		slot   int
		status int
	}
	m := map[key]int{}
	slots := 0
	for _, s := range r.samples {
		k := key{int(s.start.Sub(t0) / (500 * time.Millisecond)), s.status}
		m[k]++
		slots = max(slots, k.slot+1)
	}
	fmt.Printf("    fault %.1f–%.1f s\n", r.fs.Sub(t0).Seconds(), r.fe.Sub(t0).Seconds())
	for i := range slots {
		var parts []string
		for _, st := range []int{200, 201, 503, 502, 500, 0} {
			if n := m[key{i, st}]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d×%d", n, st))
			}
		}
		fmt.Printf("    %4.1f s: %s\n", float64(i)/2, strings.Join(parts, " "))
	}
}
