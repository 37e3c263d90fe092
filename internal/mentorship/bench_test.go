package mentorship

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/outbox"
)

var (
	benchSpheres   = []string{"it", "media", "business", "sport", "art", "politics", "public"}
	benchLanguages = [][]string{{"kk"}, {"kk"}, {"kk", "ru"}, {"kk", "ru"}, {"ru"}, {"ru", "kk"}, {"kk", "en"}, {"en", "ru"}}
	benchRegions   = []string{"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
		"KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79"}
	benchModes = []string{"either", "either", "online", "in_person"}
)

// benchFixture is what both benchmarks start from: a database of the
// engine, the auth service, a youth wing, a platform administrator, n
// people (ids in order) and the benchmark's spheres.
type benchFixture struct {
	d       *db.DB
	auth    *auth.Service
	org     int64
	admin   *auth.User
	ids     []int64
	spheres []Sphere
}

func newBenchFixture(b *testing.B, engine string, n int) *benchFixture {
	b.Helper()
	var d *db.DB
	if engine == "sqlite" {
		d = dbtest.SQLite(b)
	} else {
		d = dbtest.Postgres(b)
	}
	ctx := context.Background()
	f := &benchFixture{d: d, auth: auth.New(d, auth.NewTestHasher(), nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Settings{})}
	now := d.Now()
	var admin int64
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('', 'youth_wing', 'Жастар', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&f.org); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, is_admin, created_at, updated_at) VALUES ('admin@example.kz', 'Admin', TRUE, ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&admin); err != nil {
			return err
		}
		var users [][]any
		for i := range n {
			users = append(users, []any{fmt.Sprintf("b%d@example.kz", i), fmt.Sprintf("Адам %d", i), "2004-01-01", now, now})
		}
		return insertRows(ctx, tx, "users", []string{"email", "name", "birth_date", "created_at", "updated_at"}, users)
	})
	if err != nil {
		b.Fatal(err)
	}
	f.admin = &auth.User{ID: admin, IsAdmin: true}
	if f.ids, err = db.ScanIDs(d.Query(ctx, "SELECT id FROM users WHERE email LIKE 'b%' ORDER BY id")); err != nil || len(f.ids) != n {
		b.Fatalf("%d users: %v", len(f.ids), err)
	}
	for _, k := range benchSpheres {
		f.spheres = append(f.spheres, Sphere{Key: k, Title: i18n.Text{EN: k}})
	}
	return f
}

// BenchmarkRound is issue 19's budget: a round of 1,000 mentors (1–10
// seats) and 20,000 requests each ranking up to 5 mentors (0–5, among the
// mentors of their first sphere), through the service: the input read,
// solved, and the result stored (a mentorship per pair, the reasons of
// every unmatched request, seats, request states, the audit entry). Setup
// (people, the pool's mentors and requests) is outside the timer.
//
//	go test -run='^$' -bench=Round -benchtime=3x ./internal/mentorship/
func BenchmarkRound(b *testing.B) {
	const mentors, requests = 1000, 20000
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			f := newBenchFixture(b, engine, mentors+requests)
			d, a, org, admin, ids, sp := f.d, f.auth, f.org, f.admin, f.ids, f.spheres
			ctx := context.Background()
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			// With an outbox, as wired: a round stores a notice for both
			// sides of every pair (sent later by the outbox's own step).
			s := New(Deps{DB: d, Auth: a, Log: log, Catalog: i18n.MustLoad(), Outbox: outbox.New(d, mail.NewLog(log), outbox.Config{Log: log})})
			now := d.Now()
			actor := admin
			rng := rand.New(rand.NewPCG(19, 19))
			var total, cpu time.Duration
			var matched int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				pool, err := s.CreatePool(ctx, actor, NewPool{OrgID: org, Title: i18n.Text{EN: "Bench"}, Spheres: sp})
				if err != nil {
					b.Fatal(err)
				}
				var ms [][]any
				for k := range mentors {
					ms = append(ms, []any{pool, ids[k], fmt.Sprintf(`[%q]`, benchSpheres[k%7]), mustJSON(benchLanguages[rng.IntN(8)]),
						1 + rng.IntN(10), benchRegions[rng.IntN(20)], benchModes[rng.IntN(4)], "approved", now})
				}
				err = d.Write(ctx, func(tx *db.Tx) error {
					return insertRows(ctx, tx, "mentors", []string{"pool_id", "user_id", "spheres", "languages", "capacity", "region", "mode",
						"status", "created_at"}, ms)
				})
				if err != nil {
					b.Fatal(err)
				}
				mids, err := db.ScanIDs(d.Query(ctx, "SELECT id FROM mentors WHERE pool_id = ? ORDER BY id", pool))
				if err != nil {
					b.Fatal(err)
				}
				var rs [][]any
				for k := range requests {
					sphere := rng.IntN(7)
					var prefs []int64
					for range rng.IntN(6) {
						prefs = append(prefs, mids[sphere+7*rng.IntN(mentors/7)])
					}
					if prefs == nil {
						prefs = []int64{}
					}
					rs = append(rs, []any{pool, ids[mentors+k], fmt.Sprintf(`[%q]`, benchSpheres[sphere]), mustJSON(benchLanguages[rng.IntN(8)]),
						benchRegions[rng.IntN(20)], benchModes[rng.IntN(4)], "Goal", mustJSON(prefs), rng.IntN(10) == 0, "open",
						now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)})
				}
				err = d.Write(ctx, func(tx *db.Tx) error {
					return insertRows(ctx, tx, "mentor_requests", []string{"pool_id", "user_id", "spheres", "languages", "region", "mode",
						"goal", "preferences", "only_ranked", "status", "created_at"}, rs)
				})
				if err != nil {
					b.Fatal(err)
				}
				if err := d.Analyze(ctx, "mentors", "mentor_requests", "mentorships"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				r, err := s.RunRound(ctx, actor, pool)
				total += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				matched = r.Matched
				s.Stop() // the notices queued after the round, before the next one's setup
				s.stopped = false
				var n int
				if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM mentorships WHERE round_id = ?", r.ID).Scan(&n); err != nil || n != r.Matched {
					b.Fatalf("%d stored of %d: %v", n, r.Matched, err)
				}
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/round")
			// The process's CPU time: all of SQLite's work, only the client's
			// side of PostgreSQL's.
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/round")
			b.ReportMetric(float64(matched), "matched")
		})
	}
}

// BenchmarkCandidates is the mentor's ranking page's read in a pool of
// 1,000 mentors and 20,000 open requests: every open request in one of the
// mentor's languages is read and checked against the round's hard
// constraints, sorted, and the first 60 kept.
//
//	go test -run='^$' -bench=Candidates -benchtime=20x ./internal/mentorship/
func BenchmarkCandidates(b *testing.B) {
	const mentors, requests = 1000, 20000
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			f := newBenchFixture(b, engine, mentors+requests)
			d, a, org, admin, ids, sp := f.d, f.auth, f.org, f.admin, f.ids, f.spheres
			ctx := context.Background()
			s := New(Deps{DB: d, Auth: a})
			now := d.Now()
			pool, err := s.CreatePool(ctx, admin, NewPool{OrgID: org, Title: i18n.Text{EN: "Bench"}, Spheres: sp})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(19, 19))
			var ms, rs [][]any
			for k := range mentors {
				langs, mode := benchLanguages[rng.IntN(8)], benchModes[rng.IntN(4)]
				if k == 0 { // the mentor who looks: kk and ru, either way of meeting
					langs, mode = []string{"kk", "ru"}, "either"
				}
				ms = append(ms, []any{pool, ids[k], fmt.Sprintf(`[%q]`, benchSpheres[k%7]), mustJSON(langs), 1 + rng.IntN(10),
					benchRegions[rng.IntN(20)], mode, "approved", now})
			}
			for k := range requests {
				rs = append(rs, []any{pool, ids[mentors+k], fmt.Sprintf(`[%q]`, benchSpheres[rng.IntN(7)]), mustJSON(benchLanguages[rng.IntN(8)]),
					benchRegions[rng.IntN(20)], benchModes[rng.IntN(4)], "Goal", "[]", false, "open", now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)})
			}
			err = d.Write(ctx, func(tx *db.Tx) error {
				if err := insertRows(ctx, tx, "mentors", []string{"pool_id", "user_id", "spheres", "languages", "capacity", "region", "mode",
					"status", "created_at"}, ms); err != nil {
					return err
				}
				return insertRows(ctx, tx, "mentor_requests", []string{"pool_id", "user_id", "spheres", "languages", "region", "mode",
					"goal", "preferences", "only_ranked", "status", "created_at"}, rs)
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Analyze(ctx, "mentors", "mentor_requests", "mentorships"); err != nil {
				b.Fatal(err)
			}
			me := &auth.User{ID: ids[0]}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, cands, err := s.Candidates(ctx, me, pool)
				if err != nil || len(cands) != MaxCandidates {
					b.Fatalf("%d candidates: %v", len(cands), err)
				}
			}
		})
	}
}
