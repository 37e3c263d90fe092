//go:build unix

package competitions_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/competitions"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSwissRound256 is issue 18's budget: the next Swiss round of 256
// teams (64 colleges of four teams) drawn and stored through the service —
// the organizer's permission, the competition, the 1,024 games of eight
// rounds read, the matching, 128 pairings and the audit entry written —
// under 100 ms, on both engines. Each iteration draws round 9; the round
// is removed (untimed) before the next.
func BenchmarkSwissRound256(b *testing.B) {
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
			org := env.NewOrg(0, "Лига")
			organizer := env.NewPerson()
			env.Grant(organizer, org, "moderator")
			svc := env.App.Competitions
			id, err := svc.Create(ctx, organizer.User, competitions.NewCompetition{OrgID: org, Format: "swiss", Points: "chess",
				Title: i18n.Text{KK: "Дебат лигасы"}})
			if err != nil {
				b.Fatal(err)
			}
			var colleges []int64
			for i := range 64 {
				colleges = append(colleges, env.NewOrg(org, fmt.Sprintf("Колледж %d", i+1)))
			}
			err = d.Write(ctx, func(tx *db.Tx) error {
				var q strings.Builder
				q.WriteString(`INSERT INTO competition_teams (competition_id, name, org_id, created_at) VALUES `)
				var args []any
				for i := range 256 {
					if i > 0 {
						q.WriteString(", ")
					}
					q.WriteString("(?, ?, ?, ?)")
					args = append(args, id, fmt.Sprintf("Команда %d", i+1), colleges[i/4], tx.Now)
				}
				_, err := tx.Exec(ctx, q.String(), args...)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(18, 256))
			for r := range 8 {
				rd, err := svc.DrawRound(ctx, organizer.User, id, competitions.DrawIn{})
				if err != nil {
					b.Fatalf("round %d: %v", r+1, err)
				}
				err = d.Write(ctx, func(tx *db.Tx) error {
					for _, p := range rd.Pairings {
						h := float64(rng.IntN(3)) / 2
						if _, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = ?, away_score = ?, done = TRUE WHERE id = ?`,
							h, 1-h, p.ID); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			var worst time.Duration
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				start := time.Now()
				rd, err := svc.DrawRound(ctx, organizer.User, id, competitions.DrawIn{})
				if err != nil {
					b.Fatal(err)
				}
				worst = max(worst, time.Since(start))
				b.StopTimer()
				c0 := cpuTime()
				if len(rd.Pairings) != 128 || rd.Number != 9 {
					b.Fatalf("round %d with %d pairings", rd.Number, len(rd.Pairings))
				}
				if err := d.Write(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, `DELETE FROM competition_pairings WHERE round_id = ?`, rd.ID); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `DELETE FROM competition_rounds WHERE id = ?`, rd.ID)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0 // the clean-up's CPU is not the draw's
				b.StartTimer()
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
		})
	}
}
