package selection

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

func randomConflicts(rng *rand.Rand, jurors, apps []string, p float64) Conflicts {
	c := Conflicts{}
	for _, j := range jurors {
		for _, a := range apps {
			if rng.Float64() < p {
				c[Pair{j, a}] = true
			}
		}
	}
	return c
}

// checkAssignment asserts what every assignment must be: every
// application with at least k distinct jurors of the pool, no conflict,
// loads matching the pairs.
func checkAssignment(t *testing.T, res *AssignResult, apps, jurors []string, k int, conflict ConflictFunc) {
	t.Helper()
	per := map[string]map[string]bool{}
	load := map[string]int{}
	for _, p := range res.Pairs {
		if per[p.Application] == nil {
			per[p.Application] = map[string]bool{}
		}
		if per[p.Application][p.Juror] {
			t.Fatalf("pair %v twice", p)
		}
		per[p.Application][p.Juror] = true
		load[p.Juror]++
		if conflict != nil && conflict(p.Juror, p.Application) {
			t.Fatalf("conflicting pair %v assigned", p)
		}
	}
	for _, a := range apps {
		if len(per[a]) < k {
			t.Fatalf("application %s has %d jurors, want ≥ %d", a, len(per[a]), k)
		}
	}
	for _, j := range jurors {
		if load[j] != res.Loads[j] {
			t.Fatalf("juror %s: load %d, reported %d", j, load[j], res.Loads[j])
		}
	}
}

func spread(loads map[string]int) int {
	lo, hi := -1, -1
	for _, l := range loads {
		if lo < 0 || l < lo {
			lo = l
		}
		if l > hi {
			hi = l
		}
	}
	return hi - lo
}

func TestAssignBalancedWithoutConflicts(t *testing.T) {
	for _, tc := range []struct{ apps, jurors, k int }{{10, 3, 3}, {100, 7, 3}, {1, 5, 3}, {37, 11, 2}, {500, 60, 3}} {
		apps, jurors := ids("a", tc.apps), ids("j", tc.jurors)
		res, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: tc.k, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, res, apps, jurors, tc.k, nil)
		if len(res.Pairs) != tc.apps*tc.k {
			t.Fatalf("%v: %d pairs, want exactly %d", tc, len(res.Pairs), tc.apps*tc.k)
		}
		if s := spread(res.Loads); s > 1 {
			t.Fatalf("%v: loads differ by %d: %v", tc, s, res.Loads)
		}
		if !slices.Equal(res.Pairs, res.Added) || len(res.Removed) != 0 {
			t.Fatalf("a first run adds every pair and removes none")
		}
	}
}

func TestAssignBalancedWithRandomConflicts(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		apps, jurors := ids("a", 50+rng.IntN(300)), ids("j", 6+rng.IntN(20))
		c := randomConflicts(rng, jurors, apps, 0.15)
		res, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Seed: seed, Conflict: c.Has})
		var short *ShortError
		if errors.As(err, &short) { // a pool that truly cannot be served
			for _, s := range short.Applications {
				n := 0
				for _, j := range jurors {
					if !c.Has(j, s.Application) {
						n++
					}
				}
				if n >= 3 || n != s.Available {
					t.Fatalf("seed %d: %v reported short, but %d jurors may judge it", seed, s, n)
				}
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checkAssignment(t, res, apps, jurors, 3, c.Has)
		if s := spread(res.Loads); s > 1 {
			t.Fatalf("seed %d: loads differ by %d with sparse conflicts: %v", seed, s, res.Loads)
		}
	}
}

// The loads reach the least sum of squares any valid assignment has
// (which is what "as even as conflicts allow" means), checked against
// every assignment of small pools with many conflicts.
func TestAssignIsOptimalOnSmallPools(t *testing.T) {
	const k = 2
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 2))
		apps, jurors := ids("a", 2+rng.IntN(4)), ids("j", 3+rng.IntN(2))
		c := randomConflicts(rng, jurors, apps, 0.35)
		res, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: k, Seed: seed, Conflict: c.Has})
		best, feasible := bruteForce(apps, jurors, k, c)
		if !feasible {
			var short *ShortError
			if !errors.As(err, &short) {
				t.Fatalf("seed %d: infeasible pool, got %v", seed, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkAssignment(t, res, apps, jurors, k, c.Has)
		got := 0
		for _, l := range res.Loads {
			got += l * l
		}
		if got != best {
			t.Fatalf("seed %d: sum of squared loads %d, best possible %d (%v, conflicts %v)", seed, got, best, res.Loads, c)
		}
	}
}

// bruteForce returns the least sum of squared loads over every way of
// giving each application exactly k allowed jurors.
func bruteForce(apps, jurors []string, k int, c Conflicts) (int, bool) {
	var options [][][]int // per application: allowed k-subsets
	for _, a := range apps {
		var opts [][]int
		var rec func(start int, cur []int)
		rec = func(start int, cur []int) {
			if len(cur) == k {
				opts = append(opts, slices.Clone(cur))
				return
			}
			for j := start; j < len(jurors); j++ {
				if !c.Has(jurors[j], a) {
					rec(j+1, append(cur, j))
				}
			}
		}
		rec(0, nil)
		if len(opts) == 0 {
			return 0, false
		}
		options = append(options, opts)
	}
	best := -1
	load := make([]int, len(jurors))
	var walk func(i int)
	walk = func(i int) {
		if i == len(options) {
			s := 0
			for _, l := range load {
				s += l * l
			}
			if best < 0 || s < best {
				best = s
			}
			return
		}
		for _, o := range options[i] {
			for _, j := range o {
				load[j]++
			}
			walk(i + 1)
			for _, j := range o {
				load[j]--
			}
		}
	}
	walk(0)
	return best, true
}

func TestAssignDeterministicAndOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	apps, jurors := ids("a", 120), ids("j", 9)
	c := randomConflicts(rng, jurors, apps, 0.15)
	in := AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Seed: 42, Conflict: c.Has}
	first, err := Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		in2 := in
		in2.Applications = slices.Clone(apps)
		in2.Jurors = slices.Clone(jurors)
		rng.Shuffle(len(in2.Applications), func(i, j int) { in2.Applications[i], in2.Applications[j] = in2.Applications[j], in2.Applications[i] })
		rng.Shuffle(len(in2.Jurors), func(i, j int) { in2.Jurors[i], in2.Jurors[j] = in2.Jurors[j], in2.Jurors[i] })
		again, err := Assign(in2)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatal("the same sets in another order gave another assignment")
		}
	}
	in.Seed = 43
	other, err := Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.Pairs, other.Pairs) {
		t.Fatal("another seed gave the same assignment: the seed is not used")
	}
}

func TestAssignShortNamesTheApplications(t *testing.T) {
	apps, jurors := ids("a", 5), ids("j", 4)
	c := Conflicts{{"j000", "a002"}: true, {"j001", "a002"}: true, {"j003", "a004"}: true, {"j000", "a004"}: true, {"j002", "a004"}: true}
	_, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Conflict: c.Has})
	var short *ShortError
	if !errors.As(err, &short) {
		t.Fatalf("got %v, want a ShortError", err)
	}
	want := []Short{{"a002", 2}, {"a004", 1}}
	if !reflect.DeepEqual(short.Applications, want) || short.Need != 3 {
		t.Fatalf("short %+v, want %+v", short, want)
	}
	if msg := err.Error(); msg != "selection: 2 application(s) cannot get 3 jurors without a conflict of interest: a002 (2 available) a004 (1 available)" {
		t.Fatalf("message %q", msg)
	}
	// With K=1 the same pool is fine.
	if _, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 1, Conflict: c.Has}); err != nil {
		t.Fatal(err)
	}
}

func TestAssignRejectsBadInput(t *testing.T) {
	for _, in := range []AssignInput{
		{Applications: []string{"a"}, Jurors: []string{"j"}, PerApplication: 0},
		{Applications: []string{"a", "a"}, Jurors: []string{"j"}, PerApplication: 1},
		{Applications: []string{"a"}, Jurors: []string{"j", ""}, PerApplication: 1},
	} {
		if _, err := Assign(in); err == nil {
			t.Fatalf("%+v accepted", in)
		}
	}
}

// A juror added after part of the work is scored takes over only
// unscored pairs, and the loads are even again.
func TestAssignNewJurorMovesOnlyUnscored(t *testing.T) {
	apps, jurors := ids("a", 60), ids("j", 5)
	first, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var scored []Pair
	for i, p := range first.Pairs {
		if i%2 == 0 {
			scored = append(scored, p)
		}
	}
	jurors2 := append(slices.Clone(jurors), "j999")
	res, err := Assign(AssignInput{Applications: apps, Jurors: jurors2, PerApplication: 3, Seed: 1, Current: first.Pairs, Scored: scored})
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, res, apps, jurors2, 3, nil)
	if s := spread(res.Loads); s > 1 {
		t.Fatalf("loads differ by %d: %v", s, res.Loads)
	}
	if res.Loads["j999"] != 30 {
		t.Fatalf("new juror has %d, want 30 (180 pairs over 6 jurors)", res.Loads["j999"])
	}
	for _, s := range scored {
		if !slices.Contains(res.Pairs, s) {
			t.Fatalf("scored pair %v lost", s)
		}
		if slices.Contains(res.Removed, s) {
			t.Fatalf("scored pair %v removed", s)
		}
	}
	for _, a := range res.Added {
		if a.Juror != "j999" {
			t.Fatalf("added %v: only the new juror should gain work", a)
		}
	}
	if len(res.Added) != 30 || len(res.Removed) != 30 {
		t.Fatalf("added %d, removed %d: want 30 moves, no more", len(res.Added), len(res.Removed))
	}
	// Applying Added and Removed to Current gives Pairs.
	applied := slices.DeleteFunc(slices.Clone(first.Pairs), func(p Pair) bool { return slices.Contains(res.Removed, p) })
	applied = append(applied, res.Added...)
	sortPairs(applied)
	if !slices.Equal(applied, res.Pairs) {
		t.Fatal("Current − Removed + Added ≠ Pairs")
	}
}

// Applications added later go to the jurors; the stored pairs stay when
// the loads can be evened without moving them.
func TestAssignNewApplicationsKeepStoredPairs(t *testing.T) {
	apps, jurors := ids("a", 60), ids("j", 6)
	first, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	apps2 := append(slices.Clone(apps), "b1", "b2", "b3", "b4", "b5", "b6")
	res, err := Assign(AssignInput{Applications: apps2, Jurors: jurors, PerApplication: 3, Seed: 5, Current: first.Pairs})
	if err != nil {
		t.Fatal(err)
	}
	checkAssignment(t, res, apps2, jurors, 3, nil)
	if len(res.Removed) != 0 || len(res.Added) != 18 {
		t.Fatalf("removed %d, added %d: want 0 and 18", len(res.Removed), len(res.Added))
	}
	for _, l := range res.Loads {
		if l != 33 {
			t.Fatalf("loads %v, want 33 each", res.Loads)
		}
	}
}

// A conflict declared after assignment removes the unscored pair and
// reports, but keeps, a scored one; a juror who left loses unscored pairs
// and keeps scored ones.
func TestAssignLaterConflictsAndDepartures(t *testing.T) {
	apps, jurors := ids("a", 12), ids("j", 4)
	first, err := Assign(AssignInput{Applications: apps, Jurors: jurors, PerApplication: 2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var ofJ0, ofJ3 []Pair
	for _, p := range first.Pairs {
		switch p.Juror {
		case "j000":
			ofJ0 = append(ofJ0, p)
		case "j003":
			ofJ3 = append(ofJ3, p)
		}
	}
	scored := []Pair{ofJ0[0], ofJ3[0]}
	c := Conflicts{ofJ0[0]: true, ofJ0[1]: true}
	res, err := Assign(AssignInput{Applications: apps, Jurors: jurors[:3], PerApplication: 2, Seed: 9,
		Conflict: c.Has, Current: first.Pairs, Scored: scored})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.ScoredConflicts, []Pair{ofJ0[0]}) {
		t.Fatalf("scored conflicts %v", res.ScoredConflicts)
	}
	if !slices.Contains(res.Pairs, ofJ0[0]) || !slices.Contains(res.Pairs, ofJ3[0]) {
		t.Fatal("a scored pair was dropped")
	}
	if !slices.Contains(res.Removed, ofJ0[1]) || slices.Contains(res.Pairs, ofJ0[1]) {
		t.Fatal("an unscored pair now in conflict was kept")
	}
	for _, p := range ofJ3[1:] {
		if !slices.Contains(res.Removed, p) {
			t.Fatalf("the departed juror's unscored pair %v was not removed", p)
		}
	}
	if _, ok := res.Loads["j003"]; ok {
		t.Fatal("a departed juror has a load")
	}
	// Every application still has two jurors without a conflict, or a
	// scored pair standing in for one.
	per := map[string]int{}
	for _, p := range res.Pairs {
		per[p.Application]++
	}
	for _, a := range apps {
		if per[a] < 2 {
			t.Fatalf("%s has %d jurors", a, per[a])
		}
	}
}
