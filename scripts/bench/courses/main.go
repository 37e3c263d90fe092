// Command courses measures the two budgets of issue 18's courses on a
// fresh database of either engine, with the whole app serving HTTP on
// loopback in this process:
//
//  1. sheet: GET /kk/courses/{id}/attendance (the attendance sheet page)
//     for a course with 200 learners and 60 sessions, every session held
//     and marked, signed in as its organizer, with -c clients for -d;
//     server time (Server-Timing) and client latency percentiles;
//
//  2. check-ins: -n learners (500) each check themselves in to the session
//     open now through POST /api/v1/sessions/{id}/checkin with the current
//     code, each twice (a double tap), -cc at a time; the wall time from
//     the first request to the last answer, then every learner must be
//     recorded present exactly once and told "newly present" exactly once.
//
//     go run ./scripts/bench/courses -db sqlite
//     go run ./scripts/bench/courses -db 'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
//
// With -serve 5m it only builds the sheet's course and serves it (until
// interrupted or 5 minutes), so that another process loads it and the CPU
// of this process is the server's alone, e.g. with the registry's tool:
//
//	go run ./scripts/bench/orgs/load -url URL -email organizer@bench.kz -password 'bench password' \
//	    -c 32 -d 5s -page /kk/courses/ID/attendance -cpu-pid PID -cpu-pg DATABASE
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
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/scripts/bench/harness"
	"github.com/ortaq/ortaq/scripts/bench/servertime"
)

func main() {
	dbFlag := flag.String("db", "sqlite", `"sqlite" (a temporary file) or a postgres:// URL (a new schema in it)`)
	learners := flag.Int("learners", 200, "learners of the sheet's course")
	sessions := flag.Int("sessions", 60, "sessions of the sheet's course")
	conc := flag.String("c", "1,32", "page clients, one run per comma-separated value")
	dur := flag.Duration("d", 10*time.Second, "how long to load the sheet page")
	n := flag.Int("n", 500, "learners checking in")
	cc := flag.Int("cc", 50, "check-ins in flight at once")
	flag.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the page runs to this file")
	flag.DurationVar(&serveFor, "serve", 0, "only build the sheet's course and serve it for this long (or until interrupted)")
	flag.Parse()
	if err := run(*dbFlag, *learners, *sessions, *conc, *dur, *n, *cc); err != nil {
		fmt.Fprintln(os.Stderr, "courses bench:", err)
		os.Exit(1)
	}
}

func run(dbURL string, nLearners, nSessions int, conc string, dur time.Duration, nCheckins, cc int) error {
	ctx := context.Background()
	dbURL, drop, err := harness.Database(dbURL, "courses")
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

	// --- data: an organization and its organizer (signed in by the form).
	organizer, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Хатшы", Email: "organizer@bench.kz", Password: "bench password", BirthDate: "1985-01-01"})
	if err != nil {
		return err
	}
	var org int64
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('', 'assembly', 'Ассамблея', ?, ?) RETURNING id",
			tx.Now, tx.Now).Scan(&org); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", org), org); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", organizer.ID, org, tx.Now)
		return err
	})
	if err != nil {
		return err
	}
	people := func(prefix string, k int) ([]int64, error) {
		ids := make([]int64, 0, k)
		err := a.DB.Write(ctx, func(tx *db.Tx) error {
			for i := range k {
				var id int64
				if err := tx.QueryRow(ctx, "INSERT INTO users (email, name, birth_date, created_at, updated_at) VALUES (?, ?, '1990-01-01', ?, ?) RETURNING id",
					fmt.Sprintf("%s%d@bench.kz", prefix, i), fmt.Sprintf("Тыңдаушы %s %04d", prefix, i), tx.Now, tx.Now).Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		return ids, err
	}
	now := a.DB.Now().In(i18n.Almaty)
	t0 := time.Now()
	// 1. A course every day for nSessions days, all held.
	sheetCourse, ss, err := a.Courses.Create(ctx, organizer, courses.NewCourse{OrgID: org, Title: i18n.Text{KK: "Мемлекеттік тіл курсы"},
		Capacity: nLearners, Place: "Шымкент", Schedule: courses.Schedule{Weekdays: courses.Weekdays, Start: "09:00", Minutes: 90,
			From: now.AddDate(0, 0, -nSessions-1).Format("2006-01-02"), To: now.AddDate(0, 0, -2).Format("2006-01-02")}})
	if err != nil {
		return err
	}
	if len(ss) != nSessions {
		return fmt.Errorf("%d sessions, want %d", len(ss), nSessions)
	}
	ids, err := people("s", nLearners)
	if err != nil {
		return err
	}
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		for i, id := range ids {
			if _, err := tx.Exec(ctx, `INSERT INTO course_enrolments (course_id, user_id, status, arrival, created_at) VALUES (?, ?, 'enrolled', ?, ?)`,
				sheetCourse.ID, id, i+1, tx.Now); err != nil {
				return err
			}
			for j, se := range ss {
				st := "present"
				if (i+j*7)%9 == 0 {
					st = "absent"
				} else if (i*3+j)%17 == 0 {
					st = "excused"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO course_attendance (session_id, user_id, status, via, marked_at) VALUES (?, ?, ?, 'teacher', ?)`,
					se.ID, id, st, tx.Now); err != nil {
					return err
				}
			}
		}
		_, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = ?, arrivals = ? WHERE id = ?", len(ids), len(ids), sheetCourse.ID)
		return err
	})
	if err != nil {
		return err
	}
	// The planner's statistics of what was just written (Analyze with no
	// tables does nothing on PostgreSQL).
	if err := a.DB.Analyze(ctx, "users", "courses", "course_sessions", "course_enrolments", "course_attendance", "course_teachers", "role_grants", "organizations"); err != nil {
		return err
	}
	fmt.Printf("setup: %d learners × %d sessions, %d marks in %v\n", nLearners, nSessions, nLearners*nSessions, time.Since(t0).Round(time.Millisecond))

	// The organizer signed in through the form.
	pc, err := harness.SignIn(base, "organizer@bench.kz", "bench password", 64)
	if err != nil {
		return err
	}
	page := fmt.Sprintf("%s/kk/courses/%d/attendance", base, sheetCourse.ID)
	if serveFor > 0 {
		fmt.Printf("serving %s (organizer@bench.kz, password \"bench password\") as process %d for %v\n", page, os.Getpid(), serveFor)
		sig, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer cancel()
		select {
		case <-sig.Done():
		case <-time.After(serveFor):
		}
		return nil
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
	}
	for _, s := range strings.Split(conc, ",") {
		var c int
		fmt.Sscan(s, &c)
		if err := loadPage(pc, page, c, dur); err != nil {
			return err
		}
	}

	if profile != "" {
		pprof.StopCPUProfile()
	}

	// 2. Check-ins: a course with a session open now.
	ci, cs, err := a.Courses.Create(ctx, organizer, courses.NewCourse{OrgID: org, Title: i18n.Text{KK: "Желілік академия"}, Capacity: nCheckins,
		Place: "Түркістан", Schedule: courses.Schedule{Weekdays: courses.Weekdays, Start: now.Add(-5 * time.Minute).Format("15:04"), Minutes: 120,
			From: now.Format("2006-01-02"), To: now.AddDate(0, 0, 1).Format("2006-01-02")}})
	if err != nil {
		return err
	}
	cids, err := people("c", nCheckins)
	if err != nil {
		return err
	}
	tokens := make([]string, len(cids))
	for i, id := range cids {
		u, err := a.Auth.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if _, err := a.Courses.Enrol(ctx, u, ci.ID, 0); err != nil {
			return err
		}
		if tokens[i], err = a.Auth.CreateToken(ctx, u, "bench", u.ID); err != nil {
			return err
		}
	}
	session := cs[0].ID
	code, _, err := a.Courses.Code(ctx, organizer, session)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cc, MaxConnsPerHost: cc}, Timeout: 60 * time.Second}
	type job struct{ i int }
	jobs := make(chan job)
	var fresh, already, failed atomic.Int64
	freshBy := make([]atomic.Int32, len(cids))
	var lat []time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range cc {
		wg.Go(func() {
			for j := range jobs {
				s := time.Now()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/sessions/%d/checkin", base, session), strings.NewReader(fmt.Sprintf(`{"code":%q}`, code)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[j.i])
				r, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				var out struct {
					Already bool `json:"already"`
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if r.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "check-in: %d %s\n", r.StatusCode, b)
					continue
				}
				if out.Already {
					already.Add(1)
				} else {
					fresh.Add(1)
					freshBy[j.i].Add(1)
				}
				mu.Lock()
				lat = append(lat, time.Since(s))
				mu.Unlock()
			}
		})
	}
	t0 = time.Now()
	// Each learner twice, the second tap among the others' first ones.
	order := make([]int, 0, 2*len(cids))
	for i := range cids {
		order = append(order, i)
	}
	for i := range cids {
		order = append(order, (i*7+3)%len(cids))
	}
	for _, i := range order {
		jobs <- job{i}
	}
	close(jobs)
	wg.Wait()
	wall := time.Since(t0)
	var recorded, distinct int
	if err := a.DB.QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM course_attendance WHERE session_id = ? AND status = 'present'", session).Scan(&recorded, &distinct); err != nil {
		return err
	}
	once := 0
	for i := range freshBy {
		if freshBy[i].Load() == 1 {
			once++
		}
	}
	slices.Sort(lat)
	fmt.Printf("check-ins: %d learners × 2 taps = %d requests (%d at once) in %v; latency p50 %v p99 %v; answered newly present %d, already %d, failed %d; recorded %d rows for %d people; newly present exactly once: %d of %d\n",
		len(cids), len(order), cc, wall.Round(time.Millisecond), pct(lat, 50), pct(lat, 99), fresh.Load(), already.Load(), failed.Load(), recorded, distinct, once, len(cids))
	if recorded != len(cids) || distinct != len(cids) || once != len(cids) || failed.Load() != 0 || wall > time.Minute {
		return fmt.Errorf("check-ins: not every learner recorded exactly once within a minute")
	}
	return nil
}

// loadPage loads page with the signed-in client, c at a time, for dur.
func loadPage(client *http.Client, page string, c int, dur time.Duration) error {
	var size int
	for range 20 {
		r, err := client.Get(page)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 {
			return fmt.Errorf("sheet page: %d", r.StatusCode)
		}
		size = len(b)
	}
	lat := make([][]time.Duration, c)
	srv := make([][]time.Duration, c)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range c {
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
	fmt.Printf("sheet page (%d bytes): %d requests in %v = %.0f/s; %d clients; server time p50 %v p99 %v; client p50 %v p99 %v\n",
		size, len(all), dur, float64(len(all))/dur.Seconds(), c,
		servertime.Pct(srvAll, 50).Round(10*time.Microsecond), servertime.Pct(srvAll, 99).Round(10*time.Microsecond), pct(all, 50), pct(all, 99))
	return nil
}

var (
	profile  string
	serveFor time.Duration
)

// pct is the p-th percentile of d (sorted), to 10 µs.
func pct(d []time.Duration, p int) time.Duration {
	return servertime.Pct(d, float64(p)).Round(10 * time.Microsecond)
}
