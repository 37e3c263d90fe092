package draw

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSwiss is issue 18's budget: a Swiss round of 256 teams in under
// 100 ms. Teams come from 64 organizations (four each); "round=1" draws
// from nothing, "round=9" after eight rounds of random results, with eight
// score groups and a history of rematches to avoid.
//
//	go test -run='^$' -bench=Swiss -benchmem ./internal/draw/
func BenchmarkSwiss(b *testing.B) {
	for _, c := range []struct{ teams, played int }{{256, 0}, {256, 8}, {255, 8}} {
		b.Run(fmt.Sprintf("teams=%d/round=%d", c.teams, c.played+1), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			teams := randomTeams(r, c.teams, 64)
			opts := SwissOptions{Points: Football, Seed: 42}
			var games []Game
			for range c.played {
				d, err := Swiss(teams, games, opts)
				if err != nil {
					b.Fatal(err)
				}
				games = append(games, playRound(r, d.Round, d.Pairings)...)
			}
			var d SwissDraw
			b.ReportAllocs()
			runs, cpu0 := 0, cpuTime()
			for b.Loop() {
				runs++
				var err error
				if d, err = Swiss(teams, games, opts); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(runs), "cpu-ms/op")
			}
			b.ReportMetric(float64(d.CrossGroup), "cross-group")
			b.ReportMetric(float64(d.SameOrg), "same-org")
		})
	}
}

func BenchmarkStandings(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	teams := ids(256)
	var games []Game
	for round := 1; round <= 8; round++ {
		perm := r.Perm(len(teams))
		for i := 0; i+1 < len(perm); i += 2 {
			games = append(games, game(round, teams[perm[i]], teams[perm[i+1]], float64(r.IntN(4)), float64(r.IntN(4))))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Standings(teams, games, StandingsOptions{Points: Football, TieBreaks: SwissTieBreaks}); err != nil {
			b.Fatal(err)
		}
	}
}
