package matching

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSolve is issue 19's budget: the solver alone on 1,000 mentors
// and 20,000 requests, and on 10,000 mentors and 200,000 requests (mentors
// with 1–10 seats, requests ranking 0–5 mentors). Storage is not included.
//
//	go test -run='^$' -bench=Solve -benchmem ./internal/matching/
func BenchmarkSolve(b *testing.B) {
	for _, c := range []struct {
		mentors, mentees int
		appendFit        bool
	}{
		{1000, 20000, false},
		{10000, 200000, false},
		{10000, 200000, true},
	} {
		name := fmt.Sprintf("mentors=%d/mentees=%d", c.mentors, c.mentees)
		if c.appendFit {
			name += "/append_fit"
		}
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			mentors, mentees := generate(r, benchShape(c.mentors, c.mentees))
			opts := Options{Seed: 42, AppendFit: c.appendFit}
			var res Result
			b.ReportAllocs()
			runs, cpu0 := 0, cpuTime()
			for b.Loop() {
				runs++
				var err error
				if res, err = Solve(mentors, mentees, opts); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(runs), "cpu-ms/op")
			}
			b.ReportMetric(float64(len(res.Pairs)), "matched")
			b.ReportMetric(float64(res.Proposals), "proposals")
		})
	}
}
