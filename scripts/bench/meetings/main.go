// Command meetings measures the two budgets of issue 5 on a fresh
// database of either engine, with the whole app serving HTTP on loopback
// in this process:
//
//  1. ballots: N voters (imported members, each with a voting code) cast one
//     ballot each through POST /api/v1/elections/{id}/ballots with their code,
//     -c at a time; the wall time from the first request to the last answer,
//     then the counts are checked (ballots = voters = N, tally = recount);
//
//  2. meeting page: GET /kk/meetings/{id} for a meeting with 500 questions
//     and 300 registrations, 32 clients for -d, signed in as a member;
//     latency percentiles as the client sees them (server time is less).
//
//     go run ./scripts/bench/meetings -db sqlite
//     go run ./scripts/bench/meetings -db 'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
//
// On PostgreSQL the data goes into a new schema, dropped at the end.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/scripts/bench/harness"
	"github.com/ortaq/ortaq/scripts/bench/servertime"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
)

func main() {
	dbFlag := flag.String("db", "sqlite", `"sqlite" (a temporary file) or a postgres:// URL (a new schema in it)`)
	voters := flag.Int("voters", 10000, "voters casting one ballot each")
	conc := flag.Int("c", 32, "concurrent voters / page clients")
	dur := flag.Duration("d", 10*time.Second, "how long to load the meeting page")
	pageConc := flag.String("page-c", "1,32", "page clients, one run per comma-separated value")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the page runs to this file")
	plainFlag := flag.Bool("plain", false, "also serve the page from a second node on the same database with no page cache and no fragments (--page-cache-ttl 0), in alternating rounds")
	roundsFlag := flag.Int("rounds", 1, "rounds of page runs (with -plain: each round the caching node, then the plain one)")
	flag.Parse()
	profile = *cpuprofile
	plain, rounds = *plainFlag, *roundsFlag
	if err := run(*dbFlag, *voters, *conc, *dur, *pageConc); err != nil {
		fmt.Fprintln(os.Stderr, "meetings bench:", err)
		os.Exit(1)
	}
}

func run(dbURL string, nVoters, conc int, dur time.Duration, pageConc string) error {
	ctx := context.Background()
	dbURL, drop, err := harness.Database(dbURL, "meetings")
	if err != nil {
		return err
	}
	defer drop()
	cfg, err := harness.Config(dbURL)
	if err != nil {
		return err
	}
	a, err := harness.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	base := a.Base
	fmt.Printf("engine: %s\n", a.DB.Dialect)

	// --- data: an organization, its members, an officer with a token.
	t0 := time.Now()
	officer, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Комиссия төрағасы", Email: "officer@bench.kz", Password: "bench password", BirthDate: "1985-01-01"})
	if err != nil {
		return err
	}
	tok, err := a.Auth.CreateToken(ctx, officer, "bench", officer.ID)
	if err != nil {
		return err
	}
	var org int64
	members := make([]int64, 0, nVoters)
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('', 'primary_organization', 'Бастауыш ұйым', ?, ?) RETURNING id",
			tx.Now, tx.Now).Scan(&org); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", org), org); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", officer.ID, org, tx.Now); err != nil {
			return err
		}
		for i := range nVoters {
			var id int64
			if err := tx.QueryRow(ctx, "INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
				fmt.Sprintf("voter%d@bench.kz", i), fmt.Sprintf("Мүше %05d", i), tx.Now, tx.Now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", org, id, tx.Now); err != nil {
				return err
			}
			members = append(members, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("setup: %d members in %v\n", nVoters, time.Since(t0).Round(time.Millisecond))

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 60 * time.Second}
	call := func(method, path, token, body string, out any) (int, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil && resp.StatusCode < 300 {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, err
			}
		}
		return resp.StatusCode, nil
	}
	var el struct{ ID string }
	if st, err := call("POST", "/api/v1/elections", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Делегаттар сайлауы"},"seats":5,
		"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, org, org), &el); err != nil || st != 201 {
		return fmt.Errorf("create election: %d %v", st, err)
	}
	var cands []string
	for i := range 8 {
		var c struct{ ID string }
		if st, err := call("POST", "/api/v1/elections/"+el.ID+"/candidates", tok, fmt.Sprintf(`{"person_id":"%d"}`, members[i]), &c); err != nil || st != 201 {
			return fmt.Errorf("candidate: %d %v", st, err)
		}
		cands = append(cands, c.ID)
	}
	if st, err := call("POST", "/api/v1/elections/"+el.ID+"/open", tok, "", nil); err != nil || st != 200 {
		return fmt.Errorf("open: %d %v", st, err)
	}
	t0 = time.Now()
	var codes struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if st, err := call("POST", "/api/v1/elections/"+el.ID+"/codes", tok, "", &codes); err != nil || st != 200 || len(codes.Items) != nVoters {
		return fmt.Errorf("codes: %d %v %d", st, err, len(codes.Items))
	}
	fmt.Printf("codes: %d issued in %v\n", len(codes.Items), time.Since(t0).Round(time.Millisecond))

	// --- 1. ballots
	want := map[string]int{}
	bodies := make([]string, len(codes.Items))
	for i, it := range codes.Items {
		ch := []string{cands[i%8], cands[(i+3)%8]}
		for _, c := range ch {
			want[c]++
		}
		bodies[i] = fmt.Sprintf(`{"choices":[%q,%q],"code":%q}`, ch[0], ch[1], it.Code)
	}
	var next atomic.Int64
	var fails atomic.Int64
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	t0 = time.Now()
	for w := range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				s := time.Now()
				st, err := call("POST", "/api/v1/elections/"+el.ID+"/ballots", "", bodies[i], nil)
				lat[w] = append(lat[w], time.Since(s))
				if err != nil || st != 201 {
					fails.Add(1)
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	all := slices.Concat(lat...)
	slices.Sort(all)
	fmt.Printf("ballots: %d in %v = %.0f/s, %d failed; latency p50 %v p99 %v\n", len(bodies), wall.Round(time.Millisecond),
		float64(len(bodies))/wall.Seconds(), fails.Load(), pct(all, 50), pct(all, 99))
	t0 = time.Now()
	if st, err := call("POST", "/api/v1/elections/"+el.ID+"/close", tok, "", nil); err != nil || st != 200 {
		return fmt.Errorf("close: %d %v", st, err)
	}
	fmt.Printf("close (opens %d sealed ballots, writes them in tracker order): %v\n", len(bodies), time.Since(t0).Round(time.Millisecond))
	var res struct {
		Ballots    int
		Candidates []struct {
			ID    string
			Votes int
		}
	}
	if _, err := call("GET", "/api/v1/elections/"+el.ID+"/results", tok, "", &res); err != nil {
		return err
	}
	var nb, nv int
	if err := a.DB.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM election_ballots), (SELECT COUNT(*) FROM election_voters)").Scan(&nb, &nv); err != nil {
		return err
	}
	ok := nb == nVoters && nv == nVoters && res.Ballots == nVoters
	for _, c := range res.Candidates {
		ok = ok && c.Votes == want[c.ID]
	}
	fmt.Printf("check: %d ballots, %d voters, tally equals what was cast: %v\n", nb, nv, ok)

	// --- 2. the meeting page: 500 questions, 300 registrations.
	var mid int64
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		start := tx.Now.Add(48 * time.Hour)
		if err := tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, address, starts_at, ends_at, invite, registered_count, created_at, updated_at)
			VALUES (?, 'qa', 'in_person', 'Ауданда кездесу', 'Бөрлі ауданы', ?, ?, 'members', 300, ?, ?) RETURNING id`, org, start, start.Add(3*time.Hour), tx.Now, tx.Now).Scan(&mid); err != nil {
			return err
		}
		for i := range 10 {
			if _, err := tx.Exec(ctx, "INSERT INTO meeting_agenda_items (meeting_id, position, title, presenter, duration_min) VALUES (?, ?, ?, 'Баяндамашы', 15)", mid, i+1, fmt.Sprintf("Мәселе %d", i+1)); err != nil {
				return err
			}
		}
		for i := range 300 {
			if _, err := tx.Exec(ctx, "INSERT INTO meeting_registrations (meeting_id, user_id, status, checkin_token, created_at) VALUES (?, ?, 'registered', ?, ?)",
				mid, members[i], fmt.Sprintf("t%d", i), tx.Now); err != nil {
				return err
			}
		}
		for i := range 500 {
			var q int64
			if err := tx.QueryRow(ctx, "INSERT INTO meeting_questions (meeting_id, author_id, body, votes, status, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
				mid, members[i%300], fmt.Sprintf("Ауылда жастар орталығы қашан ашылады? Сұрақ №%d", i), i%37, []string{"open", "answered"}[i%2], tx.Now).Scan(&q); err != nil {
				return err
			}
			for j := range i % 5 {
				if _, err := tx.Exec(ctx, "INSERT INTO meeting_question_votes (question_id, user_id) VALUES (?, ?)", q, members[(i+j)%300]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A member signed in through the form.
	if _, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Оқырман", Email: "reader@bench.kz", Password: "bench password", BirthDate: "1999-01-01"}); err != nil {
		return err
	}
	reader, _ := a.Auth.UserByEmail(ctx, "reader@bench.kz")
	// The reader is a member who upvoted three of the questions on the
	// first page (their buttons read "take back").
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?)", org, reader.ID, tx.Now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO meeting_question_votes (question_id, user_id)
			SELECT id, ? FROM meeting_questions WHERE meeting_id = ? AND status IN ('open', 'answered') ORDER BY votes DESC, id LIMIT 3`, reader.ID, mid)
		return err
	})
	if err != nil {
		return err
	}
	pc, err := harness.SignIn(base, "reader@bench.kz", "bench password", conc)
	if err != nil {
		return err
	}
	nodes := []struct{ name, base string }{{"cached", base}}
	if plain {
		// A second node on the same database, with no copies (its
		// sessions are the database's, so the reader's cookie works there).
		cfg2 := cfg
		cfg2.PageCacheTTL = 0
		a2, err := harness.Start(ctx, cfg2)
		if err != nil {
			return err
		}
		defer a2.Close()
		nodes = append(nodes, struct{ name, base string }{"plain", a2.Base})
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for round := range rounds {
		for _, nd := range nodes {
			page := fmt.Sprintf("%s/kk/meetings/%d", nd.base, mid)
			if err := loadPage(page, nd.name, round, pc, pageConc, dur); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadPage loads the meeting page as the signed-in member (pc) and as a
// guest, with each number of clients in pageConc, for dur.
func loadPage(page, node string, round int, pc *http.Client, pageConc string, dur time.Duration) error {
	for _, run := range []string{"member", "guest"} {
		for _, pcs := range strings.Split(pageConc, ",") {
			who := run
			var conc int
			fmt.Sscan(pcs, &conc)
			client := pc
			if who == "guest" {
				client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
			}
			// Warm up.
			var size int
			for range 50 {
				r, err := client.Get(page)
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if r.StatusCode != 200 {
					return fmt.Errorf("meeting page: %d", r.StatusCode)
				}
				size = len(b)
			}
			lat := make([][]time.Duration, conc)
			srv := make([][]time.Duration, conc)
			deadline := time.Now().Add(dur)
			var wg sync.WaitGroup
			for w := range conc {
				wg.Go(func() {
					for time.Now().Before(deadline) {
						s := time.Now()
						r, err := client.Get(page)
						if err != nil {
							continue
						}
						io.Copy(io.Discard, r.Body)
						r.Body.Close()
						lat[w] = append(lat[w], time.Since(s))
						if d := servertime.Of(r.Header); d >= 0 {
							srv[w] = append(srv[w], d)
						}
					}
				})
			}
			wg.Wait()
			all := slices.Concat(lat...)
			slices.Sort(all)
			srvAll := slices.Concat(srv...)
			fmt.Printf("meeting page (%s node, round %d, %s, %d bytes): %d requests in %v = %.0f/s; latency p50 %v p99 %v (%d clients, client-side); server time p50 %v p99 %v\n",
				node, round+1, who, size, len(all), dur, float64(len(all))/dur.Seconds(), pct(all, 50), pct(all, 99), conc,
				servertime.Pct(srvAll, 50).Round(10*time.Microsecond), servertime.Pct(srvAll, 99).Round(10*time.Microsecond))
		}
	}
	return nil
}

var (
	profile string
	plain   bool
	rounds  int
)

// pct is the p-th percentile of d (sorted), to 10 µs.
func pct(d []time.Duration, p int) time.Duration {
	return servertime.Pct(d, float64(p)).Round(10 * time.Microsecond)
}
