// Command reports is the benchmark kit for reports and search (issue 17):
//
//	gen      100,000 published reports (half Kazakh, half Russian, made
//	         from word lists) in 20 organizations, then the search index
//	         built from them (search.Sync, as a first start does)
//	search   C clients search for D with queries drawn from the
//	         evaluation set's (kk and ru, several Latin spellings);
//	         p50/p99 of the time Service.Search takes (what the
//	         handler spends besides writing the JSON)
//	publish  N reports with 5 phone photos each (4000×3000 JPEG, ~4 MB)
//	         through Service.Create: p50/max per report; then the
//	         photos prepared as the background worker does
//	         (Service.PreparePhotos): its time and CPU per report. The
//	         HTTP figure: go test ./internal/reports -bench PublishFivePhonePhotos
//
//	go run ./scripts/bench/reports -db sqlite:/tmp/reports-bench.db gen
//	go run ./scripts/bench/reports -db sqlite:/tmp/reports-bench.db -c 32 -d 20s search
//	go run ./scripts/bench/reports -db sqlite:/tmp/reports-bench.db publish
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh/searcheval"
	"github.com/ortaq/ortaq/internal/photo/phototest"
	"github.com/ortaq/ortaq/internal/reports"
	"github.com/ortaq/ortaq/internal/search"
)

func main() {
	url := flag.String("db", "sqlite:/tmp/reports-bench.db", "database")
	n := flag.Int("n", 100000, "gen: reports")
	c := flag.Int("c", 32, "search: clients")
	dur := flag.Duration("d", 20*time.Second, "search: duration")
	pubs := flag.Int("p", 10, "publish: reports")
	every := flag.Duration("every", time.Second, "search: how often a search first looks for changed documents (the app: 0, before every search)")
	zipf := flag.Bool("zipf", false, "gen: Zipf-distributed text (the evaluation set's words among generated ones) instead of words drawn uniformly")
	prof := flag.String("cpuprofile", "", "write a CPU profile here")
	memprof := flag.String("memprofile", "", "write an allocation profile here at the end")
	flag.Parse()
	if *memprof != "" {
		defer func() {
			f, err := os.Create(*memprof)
			if err != nil {
				fail(err)
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fail(err)
			}
		}()
	}
	// The profiles cover the searches only (not the first one, which
	// loads the index) when searching; all of gen or publish otherwise.
	startProfile = func() {
		if *memprof != "" {
			runtime.MemProfileRate = 64 << 10
		}
		if *prof == "" {
			return
		}
		f, err := os.Create(*prof)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
	}
	if *memprof != "" {
		runtime.MemProfileRate = 0
	}
	if flag.Arg(0) != "search" {
		startProfile()
	}
	defer pprof.StopCPUProfile()
	ctx := context.Background()
	d, err := db.Open(ctx, *url, db.Options{MaxOpenConns: 16})
	if err != nil {
		fail(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		fail(err)
	}
	switch flag.Arg(0) {
	case "gen":
		err = gen(ctx, d, *n, *zipf)
	case "search":
		err = load(ctx, d, *c, *dur, *every)
	case "publish":
		err = publish(ctx, d, *pubs)
	default:
		err = fmt.Errorf("gen, search or publish")
	}
	if err != nil {
		fail(err)
	}
}

// startProfile starts the profiles asked for.
var startProfile func()

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func words(set *searcheval.Set, lang string) []string {
	var out []string
	for _, d := range set.Docs {
		if d.Lang == lang {
			out = append(out, strings.Fields(d.Title+" "+d.Body)...)
		}
	}
	return out
}

func sentence(r *rand.Rand, ws []string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.Trim(ws[r.IntN(len(ws))], ".,;:!?«»()\"")
	}
	return strings.Join(parts, " ")
}

// zipfWords is a vocabulary of word types, most frequent first, drawn from
// with Zipf's law (s = 1.1): the evaluation set's words by their frequency
// there, one every zipfStep ranks, between generated words (syllables of
// the same alphabet) — so a query word is common or rare as in real text,
// not in thousands of documents each.
const (
	zipfTypes = 30000
	zipfStep  = 15
)

type drawer func(r *rand.Rand, n int) string

func uniform(ws []string) drawer {
	return func(r *rand.Rand, n int) string { return sentence(r, ws, n) }
}

func zipfDrawer(ws []string, lang string, seed uint64) drawer {
	count := map[string]int{}
	var order []string
	for _, w := range ws {
		w = strings.Trim(w, ".,;:!?«»()\"")
		if w == "" {
			continue
		}
		if count[w] == 0 {
			order = append(order, w)
		}
		count[w]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	syll := []string{"ба", "да", "ке", "лы", "мо", "ну", "ра", "са", "те", "жа", "қа", "ғы", "ор", "ән", "ік", "ст", "ул", "ем"}
	if lang == "ru" {
		syll = []string{"ба", "во", "ги", "де", "жу", "зо", "ка", "ли", "мо", "не", "по", "ру", "ст", "то", "ув", "ча", "ер", "ин"}
	}
	g := rand.New(rand.NewPCG(seed, 5))
	vocab := make([]string, 0, zipfTypes)
	next := 0
	for len(vocab) < zipfTypes {
		if len(vocab)%zipfStep == 0 && next < len(order) {
			vocab = append(vocab, order[next])
			next++
			continue
		}
		var b strings.Builder
		for range 2 + g.IntN(3) {
			b.WriteString(syll[g.IntN(len(syll))])
		}
		vocab = append(vocab, b.String())
	}
	return func(r *rand.Rand, n int) string {
		z := rand.NewZipf(r, 1.1, 1, zipfTypes-1)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = vocab[z.Uint64()]
		}
		return strings.Join(parts, " ")
	}
}

func gen(ctx context.Context, d *db.DB, n int, zipf bool) error {
	set, err := searcheval.Load()
	if err != nil {
		return err
	}
	kk, ru := uniform(words(set, "kk")), uniform(words(set, "ru"))
	if zipf {
		kk, ru = zipfDrawer(words(set, "kk"), "kk", 1), zipfDrawer(words(set, "ru"), "ru", 2)
	}
	r := rand.New(rand.NewPCG(17, 17))
	start := time.Now()
	var orgs []int64
	var user int64
	err = d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, is_admin, created_at, updated_at) VALUES ('bench@reports.bench', 'Bench', TRUE, ?, ?)
			ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id`, tx.Now, tx.Now).Scan(&user); err != nil {
			return err
		}
		for i := range 20 {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, region, created_at, updated_at) VALUES ('', 'other', ?, 'KZ-79', ?, ?) RETURNING id`,
				fmt.Sprintf("Бенчмарк ұйымы %d", i), tx.Now, tx.Now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE organizations SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", id), id); err != nil {
				return err
			}
			orgs = append(orgs, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	const chunk = 1000
	for done := 0; done < n; done += chunk {
		err := d.Write(ctx, func(tx *db.Tx) error {
			var sb strings.Builder
			var args []any
			sb.WriteString(`INSERT INTO reports (org_id, author_id, title_kk, title_ru, body_kk, body_ru, status, published_at, created_at, updated_at) VALUES `)
			for i := 0; i < chunk && done+i < n; i++ {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, 'published', ?, ?, ?)")
				at := tx.Now.Add(-time.Duration(r.IntN(3*365*24)) * time.Hour)
				var tk, tr, bk, br string
				if (done+i)%2 == 0 {
					tk, bk = kk(r, 6), kk(r, 60)
				} else {
					tr, br = ru(r, 6), ru(r, 60)
				}
				args = append(args, orgs[r.IntN(len(orgs))], user, tk, tr, bk, br, at, at, at)
			}
			_, err := tx.Exec(ctx, sb.String(), args...)
			return err
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("%d reports in %v\n", n, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	s := search.New(search.Deps{DB: d})
	s.Add(reports.SearchSource(d))
	if err := s.Sync(ctx, true); err != nil {
		return err
	}
	fmt.Printf("indexed in %v\n", time.Since(start).Round(time.Millisecond))
	if d.Dialect == db.Postgres {
		return d.Analyze(ctx, "search_docs", "reports")
	}
	return nil
}

func load(ctx context.Context, d *db.DB, clients int, dur, every time.Duration) error {
	set, err := searcheval.Load()
	if err != nil {
		return err
	}
	var qs []string
	for _, q := range set.Queries {
		qs = append(qs, q.Text)
	}
	s := search.New(search.Deps{DB: d, Every: every})
	s.Add(reports.SearchSource(d))
	if err := s.Sync(ctx, true); err != nil {
		return err
	}
	// The first search loads this node's index: timed apart, with the
	// memory it holds.
	t0, c0 := time.Now(), cpuTime()
	if _, err := s.Search(ctx, nil, search.Query{Text: qs[0], Limit: 20, Lang: i18n.KK}); err != nil {
		return err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("first search (loads the index): %v, CPU %v; heap in use after it %.1f MB\n", time.Since(t0).Round(time.Millisecond),
		(cpuTime() - c0).Round(time.Millisecond), float64(ms.HeapInuse)/(1<<20))
	startProfile()
	var mu sync.Mutex
	var all []time.Duration
	var empty, errs int
	cpu0, pg0 := cpuTime(), pgCPU(ctx, d)
	end := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			var mine []time.Duration
			var e, er int
			for time.Now().Before(end) {
				q := qs[r.IntN(len(qs))]
				t0 := time.Now()
				res, err := s.Search(ctx, nil, search.Query{Text: q, Limit: 20, Lang: i18n.KK})
				mine = append(mine, time.Since(t0))
				if err != nil {
					er++
				} else if len(res) == 0 {
					e++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			empty += e
			errs += er
			mu.Unlock()
		})
	}
	wg.Wait()
	cpu, pg := cpuTime()-cpu0, pgCPU(ctx, d)-pg0
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p/100))] }
	fmt.Printf("%s, %d clients, %v: %d searches (%.0f/s), p50 %v, p99 %v, max %v; %d with no result, %d errors\n",
		d.Dialect, clients, dur, len(all), float64(len(all))/dur.Seconds(), pct(50).Round(10*time.Microsecond), pct(99).Round(10*time.Microsecond),
		all[len(all)-1].Round(10*time.Microsecond), empty, errs)
	per := func(t time.Duration) time.Duration { return (t / time.Duration(len(all))).Round(time.Microsecond) }
	fmt.Printf("CPU time per search: %v in this process", per(cpu))
	if d.Dialect == db.Postgres {
		fmt.Printf(" + %v in PostgreSQL's backends = %v", per(pg), per(cpu+pg))
	}
	var la [3]float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(b), &la[0], &la[1], &la[2])
	}
	fmt.Printf("; load average %.1f %.1f %.1f\n", la[0], la[1], la[2])
	return nil
}

// pgCPU is the CPU time (user and system) of the PostgreSQL backends
// serving this database (the benchmark's own database: no one else's), read
// from /proc: PostgreSQL's share of a search, which getrusage of this
// process does not see. Zero for SQLite, or when the server is elsewhere.
func pgCPU(ctx context.Context, d *db.DB) time.Duration {
	if d.Dialect != db.Postgres {
		return 0
	}
	rows, err := d.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		var ut, st int64
		fmt.Sscan(f[11], &ut)
		fmt.Sscan(f[12], &st)
		total += time.Duration(ut+st) * 10 * time.Millisecond // CLK_TCK 100
	}
	return total
}

func publish(ctx context.Context, d *db.DB, n int) error {
	var user, org int64
	if err := d.QueryRow(ctx, `SELECT id FROM users WHERE email = 'bench@reports.bench'`).Scan(&user); err != nil {
		return fmt.Errorf("run gen first: %w", err)
	}
	if err := d.QueryRow(ctx, `SELECT MIN(org_id) FROM reports`).Scan(&org); err != nil {
		return err
	}
	a := auth.New(d, auth.NewHasher(1), nil, i18n.MustLoad(), slog.New(slog.DiscardHandler), auth.Settings{})
	rs := reports.New(reports.Deps{DB: d, Auth: a})
	var photos []reports.Upload
	size := 0
	for i := range 5 {
		p := phototest.Phone(4000, 3000, uint64(i+1))
		size += len(p)
		photos = append(photos, reports.Upload{Name: fmt.Sprintf("IMG_%d.jpg", i), Data: p})
	}
	u := &auth.User{ID: user, IsAdmin: true}
	var ts, ps []time.Duration
	var cpu, pcpu time.Duration
	for i := range n {
		c0, t0 := cpuTime(), time.Now()
		if _, err := rs.Create(ctx, u, reports.Input{OrgID: org, Title: i18n.Text{KK: fmt.Sprintf("Фотоесеп %d", i)},
			Body: i18n.Text{KK: "Бес суретпен есеп."}, Photos: photos}); err != nil {
			return err
		}
		ts = append(ts, time.Since(t0))
		c1, t1 := cpuTime(), time.Now()
		cpu += c1 - c0
		if got, err := rs.PreparePhotos(ctx); err != nil || got != 5 {
			return fmt.Errorf("prepared %d photos: %v", got, err)
		}
		ps = append(ps, time.Since(t1))
		pcpu += cpuTime() - c1
	}
	slices.Sort(ts)
	slices.Sort(ps)
	fmt.Printf("%s: %d reports with 5 photos (%.1f MB in all, 4000×3000 JPEG): publish p50 %v, max %v, CPU %v per report; "+
		"preparing the photos p50 %v, CPU %v per report\n", d.Dialect, n, float64(size)/(1<<20),
		ts[len(ts)/2].Round(time.Millisecond), ts[len(ts)-1].Round(time.Millisecond), (cpu / time.Duration(n)).Round(time.Millisecond),
		ps[len(ps)/2].Round(time.Millisecond), (pcpu / time.Duration(n)).Round(time.Millisecond))
	return nil
}

// cpuTime is the CPU time this process used so far (user and system): on
// a shared machine, what a publish costs regardless of who else runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
