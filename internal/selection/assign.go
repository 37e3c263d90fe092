package selection

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Pair is one juror assigned to one application.
type Pair struct {
	Juror       string `json:"juror_id"`
	Application string `json:"application_id"`
}

// ConflictFunc reports whether juror must not judge application (same
// primary organization, a declared relative, the juror's own team …). The
// caller computes it from the registry; Assign never assigns such a pair.
type ConflictFunc func(juror, application string) bool

// Conflicts is a set of pairs that must not be assigned.
type Conflicts map[Pair]bool

// Has reports whether (juror, application) is in the set; it is a
// ConflictFunc.
func (c Conflicts) Has(juror, application string) bool {
	return c[Pair{juror, application}]
}

// AssignInput is one holding's pool: its jurors and the applications
// submitted to it, with what is already stored.
type AssignInput struct {
	Applications []string
	Jurors       []string
	// PerApplication is K, the least number of jurors per application.
	PerApplication int
	// Seed makes the assignment reproducible; store it with the stage.
	Seed uint64
	// Conflict may be nil (no conflicts).
	Conflict ConflictFunc
	// Current holds the pairs assigned before (as stored).
	Current []Pair
	// Scored holds the pairs whose juror has already scored the
	// application. They are never moved or removed, whatever else
	// changed; a scored pair need not be repeated in Current.
	Scored []Pair
}

// AssignResult is the whole assignment after a run, and what changed.
type AssignResult struct {
	// Pairs is every pair of the pool's applications, sorted by juror
	// then application.
	Pairs []Pair `json:"pairs"`
	// Added are the pairs to insert, Removed the pairs of Current to
	// delete (moved to rebalance, now in conflict, their juror gone, or
	// their application gone). Both are sorted like Pairs.
	Added   []Pair `json:"added"`
	Removed []Pair `json:"removed"`
	// Loads is the number of applications of each juror of the pool.
	Loads map[string]int `json:"loads"`
	// ScoredConflicts are scored pairs that are conflicts now: Assign
	// keeps them (their scores exist); the organizers decide.
	ScoredConflicts []Pair `json:"scored_conflicts,omitempty"`
}

// Short is an application that cannot get K jurors without a conflict.
type Short struct {
	Application string `json:"application_id"`
	// Available is the number of jurors of the pool that may judge it
	// (including those already assigned).
	Available int `json:"available"`
}

// ShortError is returned when some applications cannot get K jurors
// without a conflict. Nothing is assigned then.
type ShortError struct {
	Need         int
	Applications []Short // sorted by application
}

func (e *ShortError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "selection: %d application(s) cannot get %d jurors without a conflict of interest:", len(e.Applications), e.Need)
	for i, s := range e.Applications {
		if i == 10 {
			fmt.Fprintf(&b, " … and %d more", len(e.Applications)-10)
			break
		}
		fmt.Fprintf(&b, " %s (%d available)", s.Application, s.Available)
	}
	return b.String()
}

// slot is one juror on one application.
type slot struct {
	juror   int32
	movable bool // not scored
	stored  bool // in Current (or Scored): moving it deletes a stored row
}

// pool is the working state of Assign: applications and jurors by index.
type pool struct {
	apps     []string
	jurors   []string
	conflict ConflictFunc
	jrank    []int     // a juror's place in the seeded order: ties go to the lower
	slots    [][]slot  // per application
	load     []int     // per juror
	held     [][]int32 // per juror: applications with a movable slot (may hold stale entries)
	removed  []Pair    // stored pairs deleted
	memo     []int8    // conflict cache: 0 unknown, 1 no, 2 yes; per app×juror
	nj       int
}

func (p *pool) conflicts(a, j int) bool {
	m := &p.memo[a*p.nj+j]
	if *m == 0 {
		*m = 1
		if p.conflict != nil && p.conflict(p.jurors[j], p.apps[a]) {
			*m = 2
		}
	}
	return *m == 2
}

func (p *pool) has(a int, j int32) bool {
	for _, s := range p.slots[a] {
		if s.juror == j {
			return true
		}
	}
	return false
}

// Assign gives every application at least PerApplication jurors of the
// pool, none in conflict, keeping every scored pair and every stored pair
// that is still allowed, and balancing the jurors' loads (scored work
// included): when conflicts allow, loads differ by at most one.
//
// How: applications in a seeded order each take the least loaded allowed
// jurors (ties to the juror earlier in a seeded order); then, while some
// juror carries at least two more than another juror reachable through a
// chain of movable pairs, the chain is shifted by one — first moving pairs
// added in this run, then stored unscored pairs. The result minimises the
// sum of squared loads, so the loads are as even as the conflicts and the
// scored pairs permit. The answer depends on the input sets and the seed,
// not on their order.
func Assign(in AssignInput) (*AssignResult, error) {
	k := in.PerApplication
	if k < 1 {
		return nil, errors.New("selection: assign: at least one juror per application is needed")
	}
	apps, err := uniqueSorted("application", in.Applications)
	if err != nil {
		return nil, err
	}
	jurors, err := uniqueSorted("juror", in.Jurors)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(in.Seed, in.Seed^0x9e3779b97f4a7c15))
	p := &pool{apps: apps, jurors: jurors, conflict: in.Conflict, nj: len(jurors),
		jrank: make([]int, len(jurors)), slots: make([][]slot, len(apps)),
		load: make([]int, len(jurors)), held: make([][]int32, len(jurors)),
		memo: make([]int8, len(apps)*len(jurors))}
	for i, j := range rng.Perm(len(jurors)) {
		p.jrank[j] = i
	}
	appIdx := index(apps)
	jurIdx := index(jurors)

	// Stored pairs: scored ones stay whatever happens; unscored ones stay
	// while still allowed.
	scored := map[Pair]bool{}
	for _, s := range in.Scored {
		scored[s] = true
	}
	current := slices.Clone(in.Current)
	for s := range scored {
		current = append(current, s)
	}
	sortPairs(current)
	current = slices.Compact(current)
	var scoredConflicts []Pair
	for _, c := range current {
		a, okA := appIdx[c.Application]
		j, okJ := jurIdx[c.Juror]
		isScored := scored[c]
		switch {
		case !okA:
			if !isScored { // the application left the pool
				p.removed = append(p.removed, c)
			}
		case !okJ:
			if isScored { // the juror left; the scores stay
				p.slots[a] = append(p.slots[a], slot{juror: -1, stored: true})
			} else {
				p.removed = append(p.removed, c)
			}
		case p.conflicts(a, j):
			if isScored {
				scoredConflicts = append(scoredConflicts, c)
				p.addSlot(a, int32(j), false, true)
			} else {
				p.removed = append(p.removed, c)
			}
		default:
			p.addSlot(a, int32(j), !isScored, true)
		}
	}

	// Greedy: each application in a seeded order takes the least loaded
	// allowed jurors.
	var shorts []Short
	for _, a := range rng.Perm(len(apps)) {
		need := k - len(p.slots[a])
		if need <= 0 {
			continue
		}
		avail := 0
		for j := range jurors {
			if !p.has(a, int32(j)) && !p.conflicts(a, j) {
				avail++
			}
		}
		if avail < need {
			have := 0
			for _, s := range p.slots[a] {
				if s.juror >= 0 {
					have++
				}
			}
			shorts = append(shorts, Short{Application: apps[a], Available: avail + have})
			continue
		}
		for ; need > 0; need-- {
			best := -1
			for j := range jurors {
				if p.has(a, int32(j)) || p.conflicts(a, j) {
					continue
				}
				if best < 0 || p.load[j] < p.load[best] || (p.load[j] == p.load[best] && p.jrank[j] < p.jrank[best]) {
					best = j
				}
			}
			p.addSlot(a, int32(best), true, false)
		}
	}
	if len(shorts) > 0 {
		slices.SortFunc(shorts, func(x, y Short) int { return strings.Compare(x.Application, y.Application) })
		return nil, &ShortError{Need: k, Applications: shorts}
	}

	p.balance()

	res := &AssignResult{Loads: map[string]int{}, ScoredConflicts: scoredConflicts, Removed: p.removed}
	for j, name := range jurors {
		res.Loads[name] = p.load[j]
	}
	currentSet := map[Pair]bool{}
	for _, c := range current {
		currentSet[c] = true
	}
	for a, ss := range p.slots {
		for _, s := range ss {
			if s.juror < 0 {
				continue
			}
			pr := Pair{Juror: jurors[s.juror], Application: apps[a]}
			res.Pairs = append(res.Pairs, pr)
			if !s.stored && !currentSet[pr] {
				res.Added = append(res.Added, pr)
			}
		}
	}
	// A stored pair moved away and later moved back is neither added nor
	// removed.
	final := map[Pair]bool{}
	for _, pr := range res.Pairs {
		final[pr] = true
	}
	res.Removed = slices.DeleteFunc(res.Removed, func(pr Pair) bool { return final[pr] })
	res.Pairs = append(res.Pairs, scoredPairsOfGoneJurors(current, scored, jurIdx, appIdx)...)
	sortPairs(res.Pairs)
	sortPairs(res.Added)
	sortPairs(res.Removed)
	return res, nil
}

// scoredPairsOfGoneJurors lists the scored pairs of jurors no longer in
// the pool, on applications still in it: they stay in the assignment.
func scoredPairsOfGoneJurors(current []Pair, scored map[Pair]bool, jurIdx, appIdx map[string]int) []Pair {
	var out []Pair
	for _, c := range current {
		_, okJ := jurIdx[c.Juror]
		_, okA := appIdx[c.Application]
		if scored[c] && !okJ && okA {
			out = append(out, c)
		}
	}
	return out
}

func (p *pool) addSlot(a int, j int32, movable, stored bool) {
	p.slots[a] = append(p.slots[a], slot{juror: j, movable: movable, stored: stored})
	p.load[j]++
	if movable {
		p.held[j] = append(p.held[j], int32(a))
	}
}

// move shifts application a's movable slot from juror from to juror to.
func (p *pool) move(a int, from, to int32) {
	for i, s := range p.slots[a] {
		if s.juror == from {
			if s.stored {
				p.removed = append(p.removed, Pair{Juror: p.jurors[from], Application: p.apps[a]})
			}
			p.slots[a][i] = slot{juror: to, movable: true}
			break
		}
	}
	p.load[from]--
	p.load[to]++
	h := p.held[from]
	for i, x := range h {
		if int(x) == a {
			h[i] = h[len(h)-1]
			p.held[from] = h[:len(h)-1]
			break
		}
	}
	p.held[to] = append(p.held[to], int32(a))
}

// edge finds an application on juror from that can move to juror to:
// a movable slot, to not on it already and not in conflict with it.
// Pairs added in this run go first, so stored pairs move only when needed.
func (p *pool) edge(from, to int) int {
	fallback := -1
	for _, a := range p.held[from] {
		ai := int(a)
		if p.has(ai, int32(to)) || p.conflicts(ai, to) {
			continue
		}
		stored := false
		for _, s := range p.slots[ai] {
			if s.juror == int32(from) {
				stored = s.stored
				break
			}
		}
		if !stored {
			return ai
		}
		if fallback < 0 {
			fallback = ai
		}
	}
	return fallback
}

// balance shifts chains of movable pairs from heavy to light jurors until
// no juror can pass work to one carrying two or more less.
func (p *pool) balance() {
	n := p.nj
	if n < 2 {
		return
	}
	order := make([]int, n)
	parent := make([]int, n)
	via := make([]int, n)
	queue := make([]int, 0, n)
	for {
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int {
			if p.load[x] != p.load[y] {
				return p.load[y] - p.load[x]
			}
			return p.jrank[x] - p.jrank[y]
		})
		minLoad := p.load[order[n-1]]
		improved := false
		for _, u := range order {
			if p.load[u] < minLoad+2 {
				break
			}
			// Breadth-first over jurors reachable from u by movable pairs.
			for i := range parent {
				parent[i] = -2
			}
			parent[u] = -1
			queue = append(queue[:0], u)
			target := -1
			for qi := 0; qi < len(queue); qi++ {
				x := queue[qi]
				for _, y := range order { // heavy to light: lightest found last
					if parent[y] != -2 {
						continue
					}
					a := p.edge(x, y)
					if a < 0 {
						continue
					}
					parent[y], via[y] = x, a
					queue = append(queue, y)
					if p.load[y] <= p.load[u]-2 && (target < 0 || p.load[y] < p.load[target] ||
						(p.load[y] == p.load[target] && p.jrank[y] < p.jrank[target])) {
						target = y
					}
				}
			}
			if target < 0 {
				continue
			}
			for y := target; parent[y] >= 0; y = parent[y] {
				p.move(via[y], int32(parent[y]), int32(y))
			}
			improved = true
			break
		}
		if !improved {
			return
		}
	}
}

func uniqueSorted(what string, ids []string) ([]string, error) {
	out := slices.Clone(ids)
	slices.Sort(out)
	for i, id := range out {
		if id == "" {
			return nil, fmt.Errorf("selection: an empty %s id", what)
		}
		if i > 0 && out[i-1] == id {
			return nil, fmt.Errorf("selection: %s %q given twice", what, id)
		}
	}
	return out, nil
}

func index(ids []string) map[string]int {
	m := make(map[string]int, len(ids))
	for i, id := range ids {
		m[id] = i
	}
	return m
}

func sortPairs(ps []Pair) {
	slices.SortFunc(ps, func(x, y Pair) int {
		if c := strings.Compare(x.Juror, y.Juror); c != 0 {
			return c
		}
		return strings.Compare(x.Application, y.Application)
	})
}
