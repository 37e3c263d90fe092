// Command programmes is the benchmark kit for the programmes component
// (docs/bench/programmes.md):
//
//	gen      fill a database with one programme, 50,000 proposals, 500,000
//	         supports and 200,000 comments (200 on one proposal), plus 64
//	         fresh supporters with API tokens for the support benchmark
//	supporters  64 more fresh supporters with API tokens on a database
//	         made by gen (to run the support benchmark again on it)
//	reader   a signed-in reader for the page benchmark: an account in
//	         KZ-79 that supports three proposals of the region's first
//	         page, and a session whose cookie value goes to a file
//	load     closed-loop GETs of one path by C clients for D; p50/p99
//	         (signed in with -session FILE)
//	support  C clients PUT supports through the API for D (lean HTTP/1.1
//	         client, lean.go), each on
//	         proposals it has not supported yet; then checks that every
//	         stored count equals its rows
//
// Loopback only; every run is bounded by -d (at most 60 s).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/scripts/bench/servertime"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/regions"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: programmes gen|supporters|load|support [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "support":
		err = support(os.Args[2:])
	case "supporters":
		err = supporters(os.Args[2:])
	case "reader":
		err = reader(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var regionCodes = []string{"KZ-27", "KZ-79", "KZ-71", "KZ-75", "KZ-31", "KZ-35", "KZ-55", "KZ-61"}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dbURL := fs.String("db", "", "database URL (sqlite:PATH or postgres://…)")
	nProposals := fs.Int("proposals", 50000, "proposals")
	nSupports := fs.Int("supports", 500000, "supports")
	nComments := fs.Int("comments", 200000, "comments")
	nUsers := fs.Int("users", 20000, "supporters")
	tokens := fs.String("tokens", "", "file to write the 64 supporters' API tokens to")
	fs.Parse(args)
	ctx := context.Background()
	d, err := db.Open(ctx, *dbURL, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	regs, err := regions.Load(ctx, d)
	if err != nil {
		return err
	}
	cat := i18n.MustLoad()
	a := auth.New(d, auth.NewTestHasher(), mail.NewLog(log), cat, log, auth.Settings{})
	start := time.Now()
	now := d.Now().UTC()

	// An organization, an admin, the programme with its collecting phase open.
	var org int64
	if err := d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('', 'youth_wing', 'Бенчмарк ұйымы', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&org); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", org), org)
		return err
	}); err != nil {
		return err
	}
	admin, _, err := a.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Admin", Email: fmt.Sprintf("bench-admin-%d@example.kz", start.UnixNano()), BirthDate: "1990-01-01", Region: "KZ-71", Admin: true})
	if err != nil {
		return err
	}
	ps := programmes.New(programmes.Deps{DB: d, Auth: a, Regions: regs})
	p, err := ps.Create(ctx, admin, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
		Directions: []programmes.Direction{{Title: i18n.Text{KK: "Жұмыс"}}, {Title: i18n.Text{KK: "Білім"}}, {Title: i18n.Text{KK: "Баспана"}}},
		Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-24 * time.Hour), EndsAt: now.Add(30 * 24 * time.Hour)}}})
	if err != nil {
		return err
	}

	// Bulk rows in big transactions with multi-row INSERTs.
	insert := func(table, cols string, n, per int, row func(i int) []any) error {
		ncol := strings.Count(cols, ",") + 1
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
		for lo := 0; lo < n; lo += 20000 {
			hi := min(lo+20000, n)
			if err := d.Write(ctx, func(tx *db.Tx) error {
				for b := lo; b < hi; b += per {
					e := min(b+per, hi)
					var args []any
					for i := b; i < e; i++ {
						args = append(args, row(i)...)
					}
					q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", e-b), ",")
					if _, err := tx.Exec(ctx, q, args...); err != nil {
						return fmt.Errorf("%s: %w", table, err)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}
	var firstUser int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM users").Scan(&firstUser); err != nil {
		return err
	}
	tag := start.UnixNano()
	if err := insert("users", "id, email, name, birth_date, region, email_confirmed_at, created_at, updated_at", *nUsers, 500, func(i int) []any {
		return []any{firstUser + int64(i), fmt.Sprintf("b%d-%d@example.kz", tag, i), fmt.Sprintf("Қатысушы %d", i), "2000-01-01", regionCodes[i%len(regionCodes)], now, now, now}
	}); err != nil {
		return err
	}
	var firstProposal int64
	if err := d.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM proposals").Scan(&firstProposal); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// Supports: each user supports perUser distinct random proposals
	// (skewed towards low ids, so some proposals are popular).
	perUser := *nSupports / *nUsers
	counts := make([]int, *nProposals)
	comments := make([]int, *nProposals)
	type pair struct{ u, p int }
	pairs := make([]pair, 0, *nSupports)
	for u := range *nUsers {
		mine := map[int]bool{}
		for len(mine) < perUser {
			x := rng.Float64()
			pi := int(x * x * float64(*nProposals))
			if !mine[pi] {
				mine[pi] = true
				pairs = append(pairs, pair{u, pi})
				counts[pi]++
			}
		}
	}
	hot := 0 // the proposal with 200 comments
	for i := 0; i < *nComments; i++ {
		if i < 200 {
			comments[hot]++
		} else {
			comments[1+rng.IntN(*nProposals-1)]++
		}
	}
	body := "Ауылдағы жастарға арналған жұмыс орындарын ашу керек. Маусымдық жұмыс, кәсіби курстар және тәлімгерлік қажет."
	if err := insert("proposals", "id, programme_id, author_id, direction_id, region, title, body, body_html, search, comment_count, created_at, updated_at",
		*nProposals, 300, func(i int) []any {
			t := fmt.Sprintf("Ұсыныс %d: жастарға жұмыс", i)
			return []any{firstProposal + int64(i), p.ID, firstUser + int64(i%*nUsers), p.Directions[i%3].ID, regionCodes[i%len(regionCodes)], t, body,
				"<p>" + body + "</p>", "usinis " + fmt.Sprint(i) + " jastar jumis", comments[i], now.Add(time.Duration(i) * time.Second), now}
		}); err != nil {
		return err
	}
	if err := insert("proposal_tallies", "proposal_id, programme_id, region, direction_id, support_count", *nProposals, 1000, func(i int) []any {
		return []any{firstProposal + int64(i), p.ID, regionCodes[i%len(regionCodes)], p.Directions[i%3].ID, counts[i]}
	}); err != nil {
		return err
	}
	if err := insert("proposal_supports", "proposal_id, user_id, created_at", len(pairs), 1000, func(i int) []any {
		return []any{firstProposal + int64(pairs[i].p), firstUser + int64(pairs[i].u), now}
	}); err != nil {
		return err
	}
	var commentRows []int
	for pi, n := range comments {
		for range n {
			commentRows = append(commentRows, pi)
		}
	}
	if err := insert("proposal_comments", "proposal_id, author_id, body, created_at", len(commentRows), 1000, func(i int) []any {
		return []any{firstProposal + int64(commentRows[i]), firstUser + int64(i%*nUsers), "Қолдаймын, бұл өте маңызды мәселе.", now}
	}); err != nil {
		return err
	}
	exec := func(q string) error {
		return d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q); return err })
	}
	if d.Dialect == "postgres" {
		for _, t := range []string{"users", "proposals"} {
			if err := exec("SELECT setval(pg_get_serial_sequence('" + t + "', 'id'), (SELECT MAX(id) FROM " + t + "))"); err != nil {
				return err
			}
		}
	}
	// The programme page's stored count of visible proposals.
	if err := exec("UPDATE programmes SET proposal_count = (SELECT COUNT(*) FROM proposals WHERE programme_id = programmes.id AND hidden = FALSE AND merged_into IS NULL)"); err != nil {
		return err
	}
	if err := exec("ANALYZE"); err != nil {
		return err
	}
	// 64 fresh supporters with tokens.
	if *tokens != "" {
		if err := makeSupporters(ctx, a, tag, 64, *tokens); err != nil {
			return err
		}
	}
	fmt.Printf("programme=%d hot_proposal=%d first_proposal=%d proposals=%d supports=%d comments=%d took=%s\n",
		p.ID, firstProposal+int64(hot), firstProposal, *nProposals, len(pairs), len(commentRows), time.Since(start).Round(time.Second))
	return nil
}

// makeSupporters creates n confirmed people eligible for the benchmark
// programme, each with an API token, and writes the tokens to file.
func makeSupporters(ctx context.Context, a *auth.Service, tag int64, n int, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	for i := range n {
		u, _, err := a.CreateConfirmed(ctx, 0, auth.NewUser{Name: fmt.Sprintf("Supporter %d", i), Email: fmt.Sprintf("s%d-%d@example.kz", tag, i), BirthDate: "2001-01-01", Region: "KZ-79"})
		if err != nil {
			f.Close()
			return err
		}
		tok, err := a.CreateToken(ctx, u, "bench", u.ID)
		if err != nil {
			f.Close()
			return err
		}
		fmt.Fprintln(f, tok)
	}
	return f.Close()
}

// supporters adds 64 fresh supporters with tokens to a database made by
// gen, so that the support benchmark can run again on it (every request
// then is a new support again).
func supporters(args []string) error {
	fs := flag.NewFlagSet("supporters", flag.ExitOnError)
	dbURL := fs.String("db", "", "database URL (sqlite:PATH or postgres://…)")
	tokens := fs.String("tokens", "", "file to write the supporters' API tokens to")
	n := fs.Int("n", 64, "supporters")
	fs.Parse(args)
	ctx := context.Background()
	d, err := db.Open(ctx, *dbURL, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := auth.New(d, auth.NewTestHasher(), mail.NewLog(log), i18n.MustLoad(), log, auth.Settings{})
	return makeSupporters(ctx, a, time.Now().UnixNano(), *n, *tokens)
}

// reader makes the signed-in reader of the page benchmark on a database
// made by gen, and writes the value of its session cookie to file.
func reader(args []string) error {
	fs := flag.NewFlagSet("reader", flag.ExitOnError)
	dbURL := fs.String("db", "", "database URL (sqlite:PATH or postgres://…)")
	file := fs.String("session", "", "file to write the session cookie's value to")
	fs.Parse(args)
	ctx := context.Background()
	d, err := db.Open(ctx, *dbURL, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := auth.New(d, auth.NewTestHasher(), mail.NewLog(log), i18n.MustLoad(), log,
		auth.Settings{SessionLifetime: 24 * time.Hour, SigninAccount: 5, SigninIP: 20, SigninWindow: 15 * time.Minute})
	email, pw := fmt.Sprintf("reader-%d@example.kz", time.Now().UnixNano()), "bench reader password"
	u, _, err := a.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Bench reader", Email: email, Password: pw, BirthDate: "2001-01-01", Region: "KZ-79"})
	if err != nil {
		return err
	}
	// Supports on three proposals of the measured first page (count and
	// rows move together, as a real support does).
	if err := d.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT proposal_id FROM proposal_tallies WHERE programme_id = (SELECT MIN(id) FROM programmes) AND region = 'KZ-79' ORDER BY support_count DESC, proposal_id DESC LIMIT 5")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for i, id := range ids {
			if i%2 == 1 {
				continue
			}
			if _, err := tx.Exec(ctx, "INSERT INTO proposal_supports (proposal_id, user_id, created_at) VALUES (?, ?, ?)", id, u.ID, tx.Now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE proposal_tallies SET support_count = support_count + 1 WHERE proposal_id = ?", id); err != nil {
				return err
			}
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	tok, _, err := a.SignIn(ctx, email, pw, auth.Client{IP: "127.0.0.1", UserAgent: "bench"})
	if err != nil {
		return err
	}
	return os.WriteFile(*file, []byte(tok+"\n"), 0o600)
}

func loopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		return fmt.Errorf("-url must be a loopback address")
	}
	return nil
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server (loopback)")
	path := fs.String("path", "/kk/", "path to GET")
	conc := fs.Int("c", 32, "clients")
	dur := fs.Duration("d", 10*time.Second, "duration (≤ 60s)")
	sessionFile := fs.String("session", "", "file with a session cookie's value (made by reader): GET signed in")
	fs.Parse(args)
	if err := loopback(*base); err != nil || *dur > time.Minute {
		return fmt.Errorf("loopback URL and -d ≤ 60s required (%v)", err)
	}
	var cookie string
	if *sessionFile != "" {
		b, err := os.ReadFile(*sessionFile)
		if err != nil {
			return err
		}
		cookie = "ortaq_session=" + strings.TrimSpace(string(b))
	}
	// Like a browser, the clients accept gzip; bytes= is what went over
	// the wire (the client does not decompress), html= the page itself.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	request := func(encoding string) (*http.Response, error) {
		req, err := http.NewRequest("GET", *base+*path, nil)
		if err != nil {
			return nil, err
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		return client.Do(req)
	}
	get := func() (*http.Response, error) { return request("gzip, deflate, br") }
	r, err := request("")
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if cookie != "" && !strings.Contains(string(page), "/signout") { // the session must really sign in: the page greets no guest
		return fmt.Errorf("-session: the page is not signed in (status %d)", r.StatusCode)
	}
	// Warm up.
	for range 20 {
		if r, err := get(); err == nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
	}
	var mu sync.Mutex
	var lat, srv []time.Duration
	var bad, size atomic.Int64
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for range *conc {
		wg.Go(func() {
			var mine, mineSrv []time.Duration
			for time.Now().Before(end) {
				t0 := time.Now()
				r, err := get()
				if err != nil {
					bad.Add(1)
					continue
				}
				n, _ := io.Copy(io.Discard, r.Body)
				r.Body.Close()
				mine = append(mine, time.Since(t0))
				if d := servertime.Of(r.Header); d >= 0 {
					mineSrv = append(mineSrv, d)
				}
				size.Store(n)
				if r.StatusCode != 200 {
					bad.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			srv = append(srv, mineSrv...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		return fmt.Errorf("no responses")
	}
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*f))] }
	who := "guest"
	if cookie != "" {
		who = "signed-in"
	}
	fmt.Printf("RESULT %s path=%s c=%d n=%d rps=%.0f p50=%s p99=%s max=%s server_p50=%s server_p99=%s bytes=%d html=%d errors=%d\n",
		who, *path, *conc, len(lat), float64(len(lat))/dur.Seconds(), q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond),
		servertime.Pct(srv, 50).Round(10*time.Microsecond), servertime.Pct(srv, 99).Round(10*time.Microsecond), size.Load(), len(page), bad.Load())
	return nil
}

func support(args []string) error {
	fs := flag.NewFlagSet("support", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server (loopback)")
	tokFile := fs.String("tokens", "", "file of API tokens, one per client")
	first := fs.Int64("first", 1, "first proposal id")
	n := fs.Int64("n", 50000, "number of proposals")
	conc := fs.Int("c", 64, "clients")
	dur := fs.Duration("d", 10*time.Second, "duration (≤ 60s)")
	fs.Parse(args)
	if err := loopback(*base); err != nil || *dur > time.Minute {
		return fmt.Errorf("loopback URL and -d ≤ 60s required (%v)", err)
	}
	f, err := os.Open(*tokFile)
	if err != nil {
		return err
	}
	var toks []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			toks = append(toks, t)
		}
	}
	f.Close()
	if len(toks) < *conc {
		return fmt.Errorf("%d tokens for %d clients", len(toks), *conc)
	}
	u, _ := url.Parse(*base)
	var ok, bad, changed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for c := range *conc {
		wg.Go(func() {
			var mine []time.Duration
			conn := &leanConn{addr: u.Host}
			defer func() {
				if conn.c != nil {
					conn.c.Close()
				}
			}()
			// Each client walks the proposals from its own offset: every
			// request is a new support (a real insert, not a no-op).
			for k := int64(0); time.Now().Before(end) && k < *n; k++ {
				id := *first + (int64(c)*(*n/int64(*conc))+k)%*n
				req := []byte("PUT /api/v1/proposals/" + strconv.FormatInt(id, 10) + "/support HTTP/1.1\r\nHost: " + u.Host +
					"\r\nAuthorization: Bearer " + toks[c] + "\r\nContent-Length: 0\r\n\r\n")
				t0 := time.Now()
				status, b, err := conn.do(req)
				if err != nil {
					bad.Add(1)
					if bad.Load() < 3 {
						fmt.Fprintf(os.Stderr, "support: %v\n", err)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
				if status == 200 {
					ok.Add(1)
					if bytes.Contains(b, []byte(`"supported":true`)) {
						changed.Add(1)
					}
				} else {
					bad.Add(1)
					if bad.Load() < 3 {
						fmt.Fprintf(os.Stderr, "status %d: %s\n", status, b)
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		return fmt.Errorf("no responses")
	}
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*f))] }
	fmt.Printf("RESULT supports=%d errors=%d rate=%.0f/s p50=%s p99=%s\n", ok.Load(), bad.Load(), float64(ok.Load())/dur.Seconds(),
		q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond))
	return nil
}
