package selection

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// oneJuror ranks applications with the given idea scores (team 0), one
// juror each so first places do not interfere, in holding h.
func oneJuror(t *testing.T, h string, scores ...float64) *Ranking {
	t.Helper()
	in := RankInput{Rubric: two, Seed: 1}
	for i, s := range scores {
		id := fmt.Sprintf("%s%d", h, i+1)
		in.Applications = append(in.Applications, Application{ID: id, Holding: h, SubmittedAt: t0})
		in.Sheets = append(in.Sheets, Sheet{id, "j" + id, sc(s, 0)})
	}
	r, err := Rank(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAdvanceBestNWithCutoffAndTie(t *testing.T) {
	r := oneJuror(t, "x", 9, 8, 7, 7, 5)
	h := r.Holdings[0]
	a, err := r.Advance(AdvanceRules{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	ha := a.Holdings[0]
	want := []string{"x1", "x2", h.Items[2].Application}
	if !slices.Equal(ha.Advanced, want) {
		t.Fatalf("advanced %v, want %v", ha.Advanced, want)
	}
	if ha.Cutoff == nil || ha.Cutoff.Rank != 3 || ha.Cutoff.Application != want[2] {
		t.Fatalf("cutoff %+v", ha.Cutoff)
	}
	if len(ha.Ties) != 1 || ha.Ties[0].Kept || !slices.Equal(ha.Ties[0].DecidedBy, []string{ByDraw}) {
		t.Fatalf("ties at the cutoff %+v", ha.Ties)
	}
	// With KeepTies both tied advance.
	a, err = r.Advance(AdvanceRules{N: 3, KeepTies: true})
	if err != nil {
		t.Fatal(err)
	}
	ha = a.Holdings[0]
	if len(ha.Advanced) != 4 || len(ha.Ties) != 1 || !ha.Ties[0].Kept {
		t.Fatalf("keep ties: %+v", ha)
	}
	// A tie above the cutoff decides nothing and is not reported.
	a, _ = r.Advance(AdvanceRules{N: 4})
	if len(a.Holdings[0].Ties) != 0 {
		t.Fatalf("ties %+v", a.Holdings[0].Ties)
	}
	// N beyond the scored: all scored advance.
	a, _ = r.Advance(AdvanceRules{N: 10})
	if len(a.Holdings[0].Advanced) != 5 {
		t.Fatal("not all advanced")
	}
	a, _ = r.Advance(AdvanceRules{N: 0})
	if len(a.Holdings[0].Advanced) != 0 || a.Holdings[0].Cutoff != nil {
		t.Fatal("N=0 advanced someone")
	}
}

func TestAdvanceBackfillChain(t *testing.T) {
	r := oneJuror(t, "x", 9, 8, 7, 6, 5, 4)
	// x1 declines, x3 moves up; then x3 declines, x4 moves up; x6
	// withdrew before the results and is simply passed over.
	a, err := r.Advance(AdvanceRules{N: 2, Declined: []string{"x6", "x1", "x3", "x1"}})
	if err != nil {
		t.Fatal(err)
	}
	ha := a.Holdings[0]
	if !slices.Equal(ha.Advanced, []string{"x2", "x4"}) {
		t.Fatalf("advanced %v", ha.Advanced)
	}
	wantBF := []Backfill{{In: "x3", For: "x1"}, {In: "x4", For: "x3"}}
	if !reflect.DeepEqual(ha.Backfills, wantBF) {
		t.Fatalf("backfills %+v, want %+v", ha.Backfills, wantBF)
	}
	status := map[string]string{}
	for _, o := range ha.Outcomes {
		status[o.Application] = o.Status
		if o.Application == "x4" && o.InPlaceOf != "x3" {
			t.Fatalf("x4 in place of %q", o.InPlaceOf)
		}
	}
	want := map[string]string{"x1": StatusDeclined, "x2": StatusAdvanced, "x3": StatusDeclined,
		"x4": StatusAdvanced, "x5": StatusNotAdvanced, "x6": StatusDeclined}
	if !reflect.DeepEqual(status, want) {
		t.Fatalf("statuses %v", status)
	}
	if _, err := r.Advance(AdvanceRules{N: 2, Declined: []string{"nobody"}}); err == nil {
		t.Fatal("an unknown decline accepted")
	}
}

func TestAdvancePerHolding(t *testing.T) {
	in := RankInput{Rubric: two, Seed: 3}
	for _, h := range []string{"almaty", "oral"} {
		for i := range 4 {
			id := fmt.Sprintf("%s%d", h, i)
			in.Applications = append(in.Applications, Application{ID: id, Holding: h, SubmittedAt: t0})
			in.Sheets = append(in.Sheets, Sheet{id, "j" + id, sc(float64(9-i), 0)})
		}
	}
	r, err := Rank(in)
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Advance(AdvanceRules{N: 2, PerHolding: map[string]int{"oral": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.AdvancedIDs(); !slices.Equal(got, []string{"almaty0", "almaty1", "oral0"}) {
		t.Fatalf("advanced %v", got)
	}
	// A decline in one holding is filled from that holding only.
	a, _ = r.Advance(AdvanceRules{N: 2, PerHolding: map[string]int{"oral": 1}, Declined: []string{"oral0"}})
	if got := a.AdvancedIDs(); !slices.Equal(got, []string{"almaty0", "almaty1", "oral1"}) {
		t.Fatalf("advanced %v", got)
	}
}

// Properties over random stages and declines: never more than N per
// holding unless tied with the cutoff under KeepTies; nobody advanced
// below a scored, non-declined, non-advanced applicant of the same
// holding; the advanced set does not depend on the order of declines.
func TestAdvanceProperties(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 9))
		in := randomStage(rng, 30+rng.IntN(80))
		r, err := Rank(in)
		if err != nil {
			t.Fatal(err)
		}
		var declined []string
		for _, a := range in.Applications {
			if rng.IntN(6) == 0 {
				declined = append(declined, a.ID)
			}
		}
		for _, keep := range []bool{false, true} {
			rules := AdvanceRules{N: 1 + rng.IntN(8), KeepTies: keep, Declined: declined}
			adv, err := r.Advance(rules)
			if err != nil {
				t.Fatal(err)
			}
			rev := rules
			rev.Declined = slices.Clone(declined)
			slices.Reverse(rev.Declined)
			adv2, _ := r.Advance(rev)
			if !slices.Equal(adv.AdvancedIDs(), adv2.AdvancedIDs()) {
				t.Fatalf("seed %d: the order of declines changed who advanced", seed)
			}
			for i, ha := range adv.Holdings {
				h := r.Holdings[i]
				eligible := 0
				for _, it := range h.Items {
					if it.Scored && !slices.Contains(declined, it.Application) {
						eligible++
					}
				}
				switch {
				case !keep && len(ha.Advanced) != min(rules.N, eligible):
					t.Fatalf("seed %d: %d advanced, N=%d, eligible %d", seed, len(ha.Advanced), rules.N, eligible)
				case keep && len(ha.Advanced) > rules.N:
					cut := key(ha.Cutoff.Score)
					for _, id := range ha.Advanced[rules.N:] {
						for _, o := range ha.Outcomes {
							if o.Application == id && key(o.Score) != cut {
								t.Fatalf("seed %d: %s advanced beyond N without a tie", seed, id)
							}
						}
					}
				}
				lastAdvanced := -1
				for j, o := range ha.Outcomes {
					if o.Advanced {
						lastAdvanced = j
						if o.Status != StatusAdvanced || slices.Contains(declined, o.Application) {
							t.Fatalf("seed %d: %+v", seed, o)
						}
					}
				}
				for j := 0; j < lastAdvanced; j++ {
					if o := ha.Outcomes[j]; o.Status == StatusNotAdvanced {
						t.Fatalf("seed %d: %s (rank %d) passed over", seed, o.Application, o.Rank)
					}
				}
				for _, b := range ha.Backfills {
					if !slices.Contains(declined, b.For) {
						t.Fatalf("seed %d: backfill for one who did not decline: %+v", seed, b)
					}
				}
			}
		}
	}
}
