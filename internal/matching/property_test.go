package matching

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// randomOptions draws the options too, so every combination is exercised.
func randomOptions(r *rand.Rand) Options {
	return Options{
		Seed:          r.Uint64(),
		RequireSphere: r.IntN(4) == 0,
		AppendFit:     r.IntN(3) == 0,
		FitListLength: pick(r, []int{0, 0, 1, 2, 3, -1}),
	}
}

// TestProperties checks, on thousands of random instances with few seats,
// few keys and many ties, everything the package promises: lists as
// documented, constraints and capacities respected, each mentee once, no
// blocking pair, explanations that agree with the lists, determinism and
// independence from input order.
func TestProperties(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 400
	}
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 19))
		mentors, mentees := generate(r, smallShape(r))
		opts := randomOptions(r)
		checkInstance(t, i, mentors, mentees, opts, r)
		if t.Failed() {
			t.Logf("instance %d: opts %+v\nmentors %+v\nmentees %+v", i, opts, mentors, mentees)
			return
		}
	}
}

func checkInstance(t *testing.T, i int, mentors []Mentor, mentees []Mentee, opts Options, r *rand.Rand) {
	t.Helper()
	mentorsCopy, menteesCopy := deepCopy(mentors, mentees)
	res, err := Solve(mentors, mentees, opts)
	if err != nil {
		t.Fatalf("instance %d: %v", i, err)
	}
	if !reflect.DeepEqual(mentors, mentorsCopy) || !reflect.DeepEqual(mentees, menteesCopy) {
		t.Fatalf("instance %d: Solve modified its input", i)
	}
	md := newModel(mentors, mentees, opts)

	// The solver's lists are the model's lists.
	s, _ := newSolver(mentors, mentees, opts)
	s.buildLists()
	for m := range md.mentees {
		got := s.listMentor[s.listStart[m]:s.listStart[m+1]]
		want := md.lists[m]
		if len(got) != len(want) {
			t.Fatalf("instance %d: mentee %d list %v, model %v", i, md.mentees[m].ID, got, want)
		}
		for k := range got {
			if int(got[k]) != want[k] {
				t.Fatalf("instance %d: mentee %d list %v, model %v", i, md.mentees[m].ID, got, want)
			}
		}
	}
	// The packed mentor keys order mentees as the model's rule does.
	for a := range s.listMentor {
		for b := range s.listMentor {
			ja, jb := s.listMentor[a], s.listMentor[b]
			if ja != jb || a == b {
				continue
			}
			ma, mb := menteeOf(s, a), menteeOf(s, b)
			if (s.listKey[a] < s.listKey[b]) != md.prefers(md.mentors[ja], md.mentees[ma], md.mentees[mb]) {
				t.Fatalf("instance %d: mentor %d orders %d, %d unlike the rule", i, md.mentors[ja].ID, md.mentees[ma].ID, md.mentees[mb].ID)
			}
		}
	}

	a := toAssignment(t, md, res)
	load := make([]int, len(md.mentors))
	for m, j := range a {
		if j < 0 {
			continue
		}
		load[j]++
		e, tt := md.mentees[m], md.mentors[j]
		if !md.acceptable(e, tt) {
			t.Fatalf("instance %d: %d paired with unacceptable %d", i, e.ID, tt.ID)
		}
		if md.rankOf(m, j) < 0 {
			t.Fatalf("instance %d: %d paired with %d, not on the list %v", i, e.ID, tt.ID, md.lists[m])
		}
	}
	for j, n := range load {
		if n > md.mentors[j].Capacity {
			t.Fatalf("instance %d: mentor %d holds %d > capacity %d", i, md.mentors[j].ID, n, md.mentors[j].Capacity)
		}
	}
	if m, j := md.blocking(a); m >= 0 {
		t.Fatalf("instance %d: mentee %d and mentor %d block the result", i, md.mentees[m].ID, md.mentors[j].ID)
	}
	checkReasons(t, i, md, res)

	// Determinism: again, and with the input shuffled.
	again, _ := Solve(mentors, mentees, opts)
	if !reflect.DeepEqual(res, again) {
		t.Fatalf("instance %d: a second run differs", i)
	}
	sm, se := deepCopy(mentors, mentees)
	r.Shuffle(len(sm), func(x, y int) { sm[x], sm[y] = sm[y], sm[x] })
	r.Shuffle(len(se), func(x, y int) { se[x], se[y] = se[y], se[x] })
	shuffled, _ := Solve(sm, se, opts)
	if !reflect.DeepEqual(res, shuffled) {
		t.Fatalf("instance %d: the result depends on input order", i)
	}
}

func menteeOf(s *solver, e int) int {
	m, _ := slices.BinarySearch(s.listStart, int32(e+1))
	return m - 1
}

func deepCopy(mentors []Mentor, mentees []Mentee) ([]Mentor, []Mentee) {
	ms := slices.Clone(mentors)
	for i := range ms {
		ms[i].Spheres = slices.Clone(ms[i].Spheres)
		ms[i].Languages = slices.Clone(ms[i].Languages)
		ms[i].Ranking = slices.Clone(ms[i].Ranking)
	}
	es := slices.Clone(mentees)
	for i := range es {
		es[i].Spheres = slices.Clone(es[i].Spheres)
		es[i].Languages = slices.Clone(es[i].Languages)
		es[i].Preferences = slices.Clone(es[i].Preferences)
	}
	return ms, es
}

// toAssignment checks that every mentee appears exactly once in the result,
// in ID order, and converts it to model indices.
func toAssignment(t *testing.T, md *model, res Result) assignment {
	t.Helper()
	pos := map[int64]int{}
	for m, e := range md.mentees {
		pos[e.ID] = m
	}
	a := make(assignment, len(md.mentees))
	seen := make([]bool, len(md.mentees))
	mark := func(id int64) int {
		m, ok := pos[id]
		if !ok || seen[m] {
			t.Fatalf("mentee %d unknown or twice in the result", id)
		}
		seen[m] = true
		return m
	}
	if !slices.IsSortedFunc(res.Pairs, func(x, y Pair) int { return int(x.MenteeID - y.MenteeID) }) ||
		!slices.IsSortedFunc(res.Unmatched, func(x, y Unmatched) int { return int(x.MenteeID - y.MenteeID) }) {
		t.Fatalf("result not in mentee ID order")
	}
	for _, p := range res.Pairs {
		a[mark(p.MenteeID)] = md.index[p.MentorID]
	}
	for _, u := range res.Unmatched {
		a[mark(u.MenteeID)] = -1
	}
	for m, ok := range seen {
		if !ok {
			t.Fatalf("mentee %d missing from the result", md.mentees[m].ID)
		}
	}
	return a
}

// checkReasons holds the explanations to the model's lists.
func checkReasons(t *testing.T, i int, md *model, res Result) {
	t.Helper()
	pos := map[int64]int{}
	for m, e := range md.mentees {
		pos[e.ID] = m
	}
	for _, p := range res.Pairs {
		m, j := pos[p.MenteeID], md.index[p.MentorID]
		e, tt := md.mentees[m], md.mentors[j]
		if p.Fit != modelFit(e, tt) {
			t.Fatalf("instance %d: pair %d–%d fit %d, model %d", i, e.ID, tt.ID, p.Fit, modelFit(e, tt))
		}
		first := p.Reasons[0]
		switch first.Code {
		case Ranked:
			if slices.Index(e.Preferences, tt.ID)+1 != first.N {
				t.Fatalf("instance %d: %d ranked %d at %d, reason says %d", i, e.ID, tt.ID, slices.Index(e.Preferences, tt.ID)+1, first.N)
			}
		case BestFit:
			if slices.Contains(e.Preferences, tt.ID) {
				t.Fatalf("instance %d: %d got ranked mentor %d as best_fit", i, e.ID, tt.ID)
			}
		default:
			t.Fatalf("instance %d: pair's first reason %v", i, first)
		}
		above := 0
		for _, r := range p.Reasons {
			if r.Code == BetterChoicesFull {
				above = r.N
			}
		}
		if above != md.rankOf(m, j) {
			t.Fatalf("instance %d: %d: better_choices_full %d, list position %d", i, e.ID, above, md.rankOf(m, j))
		}
		codes := map[Code]Reason{}
		for _, r := range p.Reasons {
			codes[r.Code] = r
		}
		if sh := intersect(e.Spheres, tt.Spheres); !slices.Equal(codes[SameSphere].Values, sh) {
			t.Fatalf("instance %d: same_sphere %v, want %v", i, codes[SameSphere].Values, sh)
		}
		if l := intersect(e.Languages, tt.Languages); !slices.Equal(codes[SharedLanguage].Values, l) || len(l) == 0 {
			t.Fatalf("instance %d: shared_language %v, want %v", i, codes[SharedLanguage].Values, l)
		}
		_, online := codes[MeetOnline]
		_, inPerson := codes[MeetInPerson]
		if !online && !inPerson {
			t.Fatalf("instance %d: pair %d–%d with no way to meet in its reasons", i, e.ID, tt.ID)
		}
	}
	for _, u := range res.Unmatched {
		m := pos[u.MenteeID]
		if len(u.Reasons) == 0 {
			t.Fatalf("instance %d: unmatched %d without a reason", i, u.MenteeID)
		}
		first := u.Reasons[0]
		if n := len(md.lists[m]); (first.Code == AllFull) != (n > 0) || first.Code == AllFull && first.N != n {
			t.Fatalf("instance %d: unmatched %d: %v with a list of %d", i, u.MenteeID, first, n)
		}
		for _, r := range u.Reasons[1:] {
			if r.Code != RankedUnavailable || !slices.Contains(md.mentees[m].Preferences, r.Mentor) {
				t.Fatalf("instance %d: unmatched %d: stray reason %v", i, u.MenteeID, r)
			}
		}
	}
}

// TestMenteeOptimal compares the solver with every stable matching of tiny
// instances, found by brute force: the solver's is one of them, and no
// mentee does better in any other.
func TestMenteeOptimal(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 200
	}
	stableCounts := map[int]int{}
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 23))
		sh := smallShape(r)
		sh.mentors, sh.mentees, sh.capMax = 1+r.IntN(3), r.IntN(6), 2
		if i%2 == 0 {
			sh.mentors, sh.mentees = 2+r.IntN(3), 3+r.IntN(4)
		}
		mentors, mentees := generate(r, sh)
		if i%2 == 0 {
			opposed(r, mentors, mentees)
		}
		opts := randomOptions(r)
		res, err := Solve(mentors, mentees, opts)
		if err != nil {
			t.Fatal(err)
		}
		md := newModel(mentors, mentees, opts)
		a := toAssignment(t, md, res)
		all := md.stableAll()
		stableCounts[min(len(all), 3)]++
		found := false
		for _, st := range all {
			if slices.Equal(st, a) {
				found = true
			}
			for m := range md.mentees {
				if md.rankOf(m, a[m]) > md.rankOf(m, st[m]) {
					t.Fatalf("instance %d: mentee %d does better in another stable matching %v than in %v", i, md.mentees[m].ID, st, a)
				}
			}
		}
		if !found {
			t.Fatalf("instance %d: result %v is not among the %d stable matchings", i, a, len(all))
		}
	}
	// The test means something only if enough instances have several
	// stable matchings to choose from (about one in twenty does).
	if stableCounts[2]+stableCounts[3] < n/50 {
		t.Fatalf("no instance had more than one stable matching: %v", stableCounts)
	}
	t.Logf("instances by number of stable matchings (3 = three or more): %v", stableCounts)
}

// opposed makes everyone acceptable to everyone and gives both sides full
// random rankings, so that preferences conflict and an instance often has
// several stable matchings.
func opposed(r *rand.Rand, mentors []Mentor, mentees []Mentee) {
	for i := range mentors {
		mentors[i].Languages, mentors[i].Mode, mentors[i].Capacity = []string{"kk"}, Online, 1+r.IntN(4)/3
		mentors[i].Ranking = nil
		for _, k := range r.Perm(len(mentees)) {
			mentors[i].Ranking = append(mentors[i].Ranking, mentees[k].ID)
		}
	}
	for i := range mentees {
		mentees[i].Languages, mentees[i].Mode = []string{"kk"}, Either
		mentees[i].Preferences = nil
		for _, k := range r.Perm(len(mentors)) {
			mentees[i].Preferences = append(mentees[i].Preferences, mentors[k].ID)
		}
	}
}
