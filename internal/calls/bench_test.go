//go:build unix

package calls_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// cpuTime is this process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// insertRows writes rows with multi-row INSERTs of at most 400 rows.
func insertRows(tb testing.TB, d *db.DB, head string, cols int, rows [][]any) {
	tb.Helper()
	ctx := context.Background()
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := 0; i < len(rows); i += 400 {
			end := min(i+400, len(rows))
			var b strings.Builder
			b.WriteString(head + " VALUES ")
			var args []any
			for k, r := range rows[i:end] {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(ph)
				args = append(args, r...)
			}
			if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkCloseStage is issue 16's budget: a stage with 10,000
// applications, each scored by 3 of 60 jurors on three weighted criteria,
// 10 of them declined beforehand, closed through the service: the sheets
// read, ranked and advanced (the best 100), 10,000 results and the report
// stored, the 100 entered into the next stage and told through the outbox,
// the audit entry written — one transaction, timed from the call to its
// return. Setup (applications, sheets) is outside the timer.
func BenchmarkCloseStage(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			env := apptest.Start(b, d, apptest.Options{})
			ctx := context.Background()
			org := env.NewOrg(0, "Республикалық ұйым")
			admin := env.NewPerson("admin")
			now := env.Clock.Now()
			var users [][]any
			for i := range 10060 {
				users = append(users, []any{fmt.Sprintf("bench%d@example.kz", i), fmt.Sprintf("Үміткер %d", i), "1999-01-01", now, now})
			}
			insertRows(b, d, "INSERT INTO users (email, name, birth_date, created_at, updated_at)", 5, users)
			ids, err := db.ScanIDs(d.Query(ctx, "SELECT id FROM users WHERE email LIKE 'bench%' ORDER BY id"))
			if err != nil || len(ids) != 10060 {
				b.Fatalf("%d users: %v", len(ids), err)
			}
			applicants, jurors := ids[:10000], ids[10000:]
			rng := rand.New(rand.NewPCG(16, 16))
			var total, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c, err := env.App.Calls.Create(ctx, admin.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "Бенчмарк"},
					Stages: []calls.StageInput{
						{Title: i18n.Text{KK: "Бірінші"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), Advance: 100, Criteria: []calls.Criterion{
							{Key: "idea", Title: i18n.Text{KK: "Идея"}, Weight: 3, Max: 10}, {Key: "impact", Title: i18n.Text{KK: "Әсер"}, Weight: 2, Max: 10},
							{Key: "team", Title: i18n.Text{KK: "Команда"}, Weight: 1, Max: 10}}},
						{Title: i18n.Text{KK: "Екінші"}, OpensAt: now.Add(2 * time.Hour), ClosesAt: now.Add(3 * time.Hour), Advance: 10,
							Criteria: []calls.Criterion{{Key: "idea", Title: i18n.Text{KK: "Идея"}, Weight: 1, Max: 10}}}}})
				if err != nil {
					b.Fatal(err)
				}
				st := c.Stages[0].ID
				var apps [][]any
				for k, u := range applicants {
					apps = append(apps, []any{c.ID, u, "{}", now.Add(time.Duration(k) * time.Second)})
				}
				insertRows(b, d, "INSERT INTO call_applications (call_id, user_id, answers, submitted_at)", 4, apps)
				appIDs, err := db.ScanIDs(d.Query(ctx, "SELECT id FROM call_applications WHERE call_id = ? ORDER BY id", c.ID))
				if err != nil {
					b.Fatal(err)
				}
				var entries, sheets, declines [][]any
				for k, a := range appIDs {
					entries = append(entries, []any{st, a, org})
					for _, j := range rng.Perm(60)[:3] {
						s := map[string]int{"idea": rng.IntN(11), "impact": rng.IntN(11), "team": rng.IntN(11)}
						total := 100 * float64(3*s["idea"]+2*s["impact"]+s["team"]) / 60
						sheets = append(sheets, []any{st, a, jurors[j], fmt.Sprintf(`{"idea":%d,"impact":%d,"team":%d}`, s["idea"], s["impact"], s["team"]), total, now})
					}
					if k%997 == 0 && len(declines) < 10 {
						declines = append(declines, []any{st, a, now})
					}
				}
				insertRows(b, d, "INSERT INTO call_entries (stage_id, application_id, holding_id)", 3, entries)
				insertRows(b, d, "INSERT INTO call_scores (stage_id, application_id, juror_id, scores, total, updated_at)", 6, sheets)
				insertRows(b, d, "INSERT INTO call_declines (stage_id, application_id, declined_at)", 3, declines)
				if err := d.Analyze(ctx, "call_scores", "call_entries", "call_applications"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				res, err := env.App.Calls.Close(ctx, admin.User, c.ID, st)
				total += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if err != nil || len(res.Advanced) != 100 {
					b.Fatalf("close: %v, %d advanced", err, len(res.Advanced))
				}
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/close")
			// This process's CPU time (user + system, all goroutines): what
			// other people's load on the shared machine stretches far less
			// than the wall time. On PostgreSQL the server's work is not in it.
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/close")
		})
	}
}
