package selection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var two = Rubric{{Key: "idea", Weight: 2, Max: 10}, {Key: "team", Weight: 1, Max: 10}}

func sc(idea, team float64) map[string]float64 { return map[string]float64{"idea": idea, "team": team} }

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func order(h *HoldingRanking) []string {
	var out []string
	for _, it := range h.Items {
		out = append(out, it.Application)
	}
	return out
}

// Each tie-break rule, in its turn, decides a tie its predecessors leave.
func TestTieBreaksInOrder(t *testing.T) {
	apps := []Application{
		{ID: "A", Holding: "lead", SubmittedAt: t0.Add(time.Hour)},
		{ID: "B", Holding: "lead", SubmittedAt: t0},
		{ID: "C", Holding: "firsts", SubmittedAt: t0.Add(time.Hour)},
		{ID: "D", Holding: "firsts", SubmittedAt: t0},
		{ID: "F", Holding: "firsts", SubmittedAt: t0},
		{ID: "G", Holding: "time", SubmittedAt: t0},
		{ID: "H", Holding: "time", SubmittedAt: t0.Add(time.Minute)},
		{ID: "K", Holding: "time"}, // unknown time: last among equals
		{ID: "I", Holding: "draw", SubmittedAt: t0},
		{ID: "J", Holding: "draw", SubmittedAt: t0},
		{ID: "U", Holding: "draw", SubmittedAt: t0}, // no sheets
	}
	sheets := []Sheet{
		{"A", "x", sc(8, 4)}, {"B", "x", sc(7, 6)}, // both 66.67; A leads on idea
		{"C", "p", sc(6, 6)},                       // p's only sheet: a first place
		{"D", "q", sc(6, 6)}, {"F", "q", sc(9, 9)}, // D is not q's first
		{"G", "r", sc(5, 5)}, {"H", "r", sc(5, 5)}, {"K", "r", sc(5, 5)},
		{"I", "s", sc(4, 4)}, {"J", "s", sc(4, 4)},
	}
	r, err := Rank(RankInput{Rubric: two, Applications: apps, Sheets: sheets, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lead != "idea" {
		t.Fatalf("lead %q", r.Lead)
	}
	drawFirst, drawSecond := "I", "J"
	if DrawOf(11, "J") < DrawOf(11, "I") {
		drawFirst, drawSecond = "J", "I"
	}
	for _, tc := range []struct {
		holding string
		order   []string
		ties    [][]string
		decided [][]string
	}{
		{"lead", []string{"A", "B"}, [][]string{{"A", "B"}}, [][]string{{ByLead}}},
		{"firsts", []string{"F", "C", "D"}, [][]string{{"C", "D"}}, [][]string{{ByFirstPlaces}}},
		{"time", []string{"G", "H", "K"}, [][]string{{"G", "H", "K"}}, [][]string{{BySubmitted, BySubmitted}}},
		{"draw", []string{drawFirst, drawSecond, "U"}, [][]string{{drawFirst, drawSecond}}, [][]string{{ByDraw}}},
	} {
		h := r.Holding(tc.holding)
		if got := order(h); !slices.Equal(got, tc.order) {
			t.Fatalf("%s: order %v, want %v", tc.holding, got, tc.order)
		}
		var ties, decided [][]string
		for _, tie := range h.Ties {
			ties = append(ties, tie.Applications)
			decided = append(decided, tie.DecidedBy)
		}
		if !reflect.DeepEqual(ties, tc.ties) || !reflect.DeepEqual(decided, tc.decided) {
			t.Fatalf("%s: ties %v decided by %v, want %v by %v", tc.holding, ties, decided, tc.ties, tc.decided)
		}
		for i, it := range h.Items {
			if it.Rank != i+1 {
				t.Fatalf("%s: rank %d at %d", tc.holding, it.Rank, i)
			}
		}
	}
	u := r.Holding("draw").Items[2]
	if u.Scored || u.Sheets != 0 {
		t.Fatalf("an application without sheets: %+v", u)
	}
	if c := r.Holding("firsts").Items; c[1].FirstPlaces != 1 || c[2].FirstPlaces != 0 || c[0].FirstPlaces != 1 {
		t.Fatalf("first places %+v", c)
	}
	// Another seed may swap the drawn pair, never the others.
	for seed := range uint64(40) {
		r2, err := Rank(RankInput{Rubric: two, Applications: apps, Sheets: sheets, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"lead", "firsts", "time"} {
			if !slices.Equal(order(r2.Holding(h)), order(r.Holding(h))) {
				t.Fatalf("seed %d changed %s", seed, h)
			}
		}
	}
}

func TestZScoreEvensStrictAndLenientJurors(t *testing.T) {
	one := Rubric{{Key: "q", Weight: 1, Max: 100}}
	var apps []Application
	var sheets []Sheet
	for i, v := range []float64{40, 50, 60} { // the strict juror
		id := fmt.Sprintf("s%d", i)
		apps = append(apps, Application{ID: id})
		sheets = append(sheets, Sheet{id, "strict", map[string]float64{"q": v}})
	}
	for i, v := range []float64{70, 80, 90} { // the lenient one
		id := fmt.Sprintf("l%d", i)
		apps = append(apps, Application{ID: id})
		sheets = append(sheets, Sheet{id, "lenient", map[string]float64{"q": v}})
	}
	raw, err := Rank(RankInput{Rubric: one, Applications: apps, Sheets: sheets})
	if err != nil {
		t.Fatal(err)
	}
	if got := order(raw.Holdings[0])[:3]; !slices.Equal(got, []string{"l2", "l1", "l0"}) {
		t.Fatalf("raw: %v", got)
	}
	z, err := Rank(RankInput{Rubric: one, Applications: apps, Sheets: sheets, Normalization: ZScore})
	if err != nil {
		t.Fatal(err)
	}
	h := z.Holdings[0]
	// Each juror's best ties with the other's best, and so on down.
	if len(h.Ties) != 3 {
		t.Fatalf("ties %+v", h.Ties)
	}
	for _, tie := range h.Ties {
		if len(tie.Applications) != 2 || tie.Applications[0][1:] != tie.Applications[1][1:] {
			t.Fatalf("tie %+v", tie)
		}
	}
	// Mapped back with the holding's mean 65 and sd ≈ 17.08.
	top := h.Items[0]
	mean := 65.0
	sd := math.Sqrt((25*25 + 15*15 + 5*5) * 2 / 6.0)
	if want := mean + sd*10/math.Sqrt(200.0/3); math.Abs(top.Score-want) > 1e-9 {
		t.Fatalf("top normalised %v, want %v", top.Score, want)
	}
	if top.RawScore != 60 && top.RawScore != 90 {
		t.Fatalf("raw score not kept: %+v", top)
	}
}

func TestRankBased(t *testing.T) {
	one := Rubric{{Key: "q", Weight: 1, Max: 10}}
	apps := []Application{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}, {ID: "e"}}
	sheets := []Sheet{
		{"a", "x", map[string]float64{"q": 9}}, {"b", "x", map[string]float64{"q": 5}},
		{"c", "x", map[string]float64{"q": 5}}, {"d", "x", map[string]float64{"q": 1}},
		{"e", "y", map[string]float64{"q": 2}}, // y's only sheet
	}
	r, err := Rank(RankInput{Rubric: one, Applications: apps, Sheets: sheets, Normalization: RankBased})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"a": 100, "b": 50, "c": 50, "d": 0, "e": 50}
	for _, it := range r.Holdings[0].Items {
		if it.Score != want[it.Application] {
			t.Fatalf("%s: %v, want %v", it.Application, it.Score, want[it.Application])
		}
	}
}

func TestRankRejects(t *testing.T) {
	apps := []Application{{ID: "a"}, {ID: "b"}}
	for name, in := range map[string]RankInput{
		"unknown app":   {Rubric: two, Applications: apps, Sheets: []Sheet{{"z", "x", sc(1, 1)}}},
		"twice":         {Rubric: two, Applications: apps, Sheets: []Sheet{{"a", "x", sc(1, 1)}, {"a", "x", sc(2, 2)}}},
		"invalid sheet": {Rubric: two, Applications: apps, Sheets: []Sheet{{"a", "x", sc(11, 1)}}},
		"no juror":      {Rubric: two, Applications: apps, Sheets: []Sheet{{"a", "", sc(1, 1)}}},
		"dup app":       {Rubric: two, Applications: []Application{{ID: "a"}, {ID: "a"}}},
		"bad rubric":    {Rubric: Rubric{}, Applications: apps},
		"bad norm":      {Rubric: two, Applications: apps, Normalization: "median"},
	} {
		if _, err := Rank(in); err == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
	_, err := Rank(RankInput{Rubric: two, Applications: apps, Sheets: []Sheet{{"a", "x", sc(11, 1)}}})
	if !strings.Contains(err.Error(), `juror "x"`) || !strings.Contains(err.Error(), `application "a"`) {
		t.Fatalf("the error does not say whose sheet: %v", err)
	}
}

// randomStage makes a stage with many ties: few score levels, shared
// submission times, several holdings.
func randomStage(rng *rand.Rand, nApps int) RankInput {
	in := RankInput{Rubric: two, Seed: rng.Uint64()}
	holdings := []string{"h1", "h2", "h3"}
	jurors := ids("j", 8)
	for i := range nApps {
		a := Application{ID: fmt.Sprintf("app%04d", i), Holding: holdings[rng.IntN(len(holdings))]}
		if rng.IntN(4) > 0 {
			a.SubmittedAt = t0.Add(time.Duration(rng.IntN(5)) * time.Hour)
		}
		in.Applications = append(in.Applications, a)
		if rng.IntN(10) == 0 {
			continue // unscored
		}
		for _, j := range rng.Perm(len(jurors))[:2+rng.IntN(2)] {
			in.Sheets = append(in.Sheets, Sheet{a.ID, jurors[j], sc(float64(rng.IntN(3)*5), float64(rng.IntN(2)*10))})
		}
	}
	return in
}

func shuffled(rng *rand.Rand, in RankInput) RankInput {
	out := in
	out.Applications = slices.Clone(in.Applications)
	out.Sheets = slices.Clone(in.Sheets)
	rng.Shuffle(len(out.Applications), func(i, j int) {
		out.Applications[i], out.Applications[j] = out.Applications[j], out.Applications[i]
	})
	rng.Shuffle(len(out.Sheets), func(i, j int) { out.Sheets[i], out.Sheets[j] = out.Sheets[j], out.Sheets[i] })
	return out
}

// Property: the ranking is a function of the sets given (not their
// order), every holding's order agrees with the documented comparison,
// and ties are runs of equal scores, each step named.
func TestRankingProperties(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 5))
		in := randomStage(rng, 20+rng.IntN(120))
		for _, norm := range []Normalization{Raw, ZScore, RankBased} {
			in.Normalization = norm
			r, err := Rank(in)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				again, err := Rank(shuffled(rng, in))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(r, again) {
					t.Fatalf("seed %d %s: the same stage in another order ranked differently", seed, norm)
				}
			}
			n := 0
			for _, h := range r.Holdings {
				n += len(h.Items)
				for i := 1; i < len(h.Items); i++ {
					a, b := h.Items[i-1], h.Items[i]
					if c, _ := compare(&a, &b); c >= 0 {
						t.Fatalf("seed %d: %s before %s against the rules", seed, a.Application, b.Application)
					}
					if a.Scored && b.Scored && key(a.Score) < key(b.Score) {
						t.Fatalf("seed %d: a lower score ranked higher", seed)
					}
				}
				for _, tie := range h.Ties {
					if len(tie.DecidedBy) != len(tie.Applications)-1 {
						t.Fatalf("tie %+v", tie)
					}
					for _, rule := range tie.DecidedBy {
						if rule == ByScore {
							t.Fatalf("a tie split by score: %+v", tie)
						}
					}
				}
			}
			if n != len(in.Applications) {
				t.Fatalf("%d ranked of %d", n, len(in.Applications))
			}
		}
	}
}
