package selection

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchStage is issue 16's budget case: 10,000 applications in one
// holding, 3 of 60 jurors each, three criteria scored 0–10.
func benchStage() RankInput {
	rng := rand.New(rand.NewPCG(16, 16))
	in := RankInput{Seed: 16, Rubric: Rubric{
		{Key: "idea", Weight: 3, Max: 10}, {Key: "impact", Weight: 2, Max: 10}, {Key: "team", Weight: 1, Max: 10}}}
	jurors := ids("juror", 60)
	for i := range 10000 {
		id := fmt.Sprintf("app%05d", i)
		in.Applications = append(in.Applications, Application{ID: id, SubmittedAt: t0.Add(time.Duration(rng.IntN(86400*14)) * time.Second)})
		for _, j := range rng.Perm(60)[:3] {
			in.Sheets = append(in.Sheets, Sheet{id, jurors[j], map[string]float64{
				"idea": float64(rng.IntN(11)), "impact": float64(rng.IntN(11)), "team": float64(rng.IntN(11))}})
		}
	}
	return in
}

// BenchmarkRankAndAdvance ranks 10,000 applications (30,000 sheets) and
// advances the best 100 with 10 declines.
func BenchmarkRankAndAdvance(b *testing.B) {
	in := benchStage()
	var declined []string
	for i := range 10 {
		declined = append(declined, fmt.Sprintf("app%05d", i*97))
	}
	for _, norm := range []Normalization{Raw, ZScore, RankBased} {
		b.Run(string(norm), func(b *testing.B) {
			in.Normalization = norm
			cpu := cpuTime()
			for b.Loop() {
				r, err := Rank(in)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Advance(AdvanceRules{N: 100, Declined: declined}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkAssign assigns 10,000 applications to 60 jurors, K=3, with 5%
// of the pairs in conflict (30,000 conflicts).
func BenchmarkAssign(b *testing.B) {
	rng := rand.New(rand.NewPCG(16, 17))
	apps, jurors := ids("app", 10000), ids("juror", 60)
	c := randomConflicts(rng, jurors, apps, 0.05)
	in := AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Seed: 16, Conflict: c.Has}
	cpu := cpuTime()
	for b.Loop() {
		res, err := Assign(in)
		if err != nil {
			b.Fatal(err)
		}
		if spread(res.Loads) > 1 {
			b.Fatal("unbalanced")
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}
