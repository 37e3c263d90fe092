package matching

import (
	"cmp"
	"slices"
)

// model is the documented rules written plainly, with strings and sorting
// and no bitsets or packed keys, to check the solver against.
type model struct {
	opts    Options
	mentors []Mentor // by ID
	mentees []Mentee // by ID
	index   map[int64]int
	lists   [][]int // per mentee: mentor indices, best first
}

func newModel(mentors []Mentor, mentees []Mentee, opts Options) *model {
	md := &model{opts: opts, mentors: slices.Clone(mentors), mentees: slices.Clone(mentees), index: map[int64]int{}}
	slices.SortFunc(md.mentors, func(a, b Mentor) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(md.mentees, func(a, b Mentee) int { return cmp.Compare(a.ID, b.ID) })
	for j, t := range md.mentors {
		md.index[t.ID] = j
	}
	for _, e := range md.mentees {
		md.lists = append(md.lists, md.list(e))
	}
	return md
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if x != "" && slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func modelCanMeet(e Mentee, t Mentor) bool {
	if e.Mode != InPerson && t.Mode != InPerson {
		return true
	}
	return e.Region != "" && e.Region == t.Region && e.Mode != Online && t.Mode != Online
}

func (md *model) acceptable(e Mentee, t Mentor) bool {
	return t.Capacity > 0 && len(intersect(e.Languages, t.Languages)) > 0 && modelCanMeet(e, t) &&
		(!md.opts.RequireSphere || len(intersect(e.Spheres, t.Spheres)) > 0)
}

func modelFit(e Mentee, t Mentor) int {
	f := 4 * len(intersect(e.Spheres, t.Spheres))
	if e.Region != "" && e.Region == t.Region {
		f += 2
	}
	for _, l := range e.Languages {
		if l != "" {
			if slices.Contains(t.Languages, l) {
				f++
			}
			break
		}
	}
	return f
}

func (md *model) list(e Mentee) []int {
	var list []int
	seen := map[int]bool{}
	for _, id := range e.Preferences {
		j, ok := md.index[id]
		if !ok || seen[j] {
			continue
		}
		seen[j] = true
		if md.acceptable(e, md.mentors[j]) {
			list = append(list, j)
		}
	}
	if len(e.Preferences) > 0 && e.OnlyRanked || len(list) > 0 && !md.opts.AppendFit {
		return list
	}
	n := len(md.mentors)
	start := int(mix(TieHash(md.opts.Seed, e.ID)) % uint64(n))
	var others []int
	for j, t := range md.mentors {
		if !seen[j] && md.acceptable(e, t) {
			others = append(others, j)
		}
	}
	slices.SortFunc(others, func(a, b int) int {
		if c := cmp.Compare(modelFit(e, md.mentors[b]), modelFit(e, md.mentors[a])); c != 0 {
			return c
		}
		return cmp.Compare((a-start+n)%n, (b-start+n)%n)
	})
	limit := md.opts.FitListLength
	if limit == 0 {
		limit = DefaultFitListLength
	}
	if limit > 0 && len(others) > limit {
		others = others[:limit]
	}
	return append(list, others...)
}

// prefers reports whether mentor t prefers mentee a to mentee b.
func (md *model) prefers(t Mentor, a, b Mentee) bool {
	pos := func(e Mentee) int {
		if i := slices.Index(t.Ranking, e.ID); i >= 0 {
			return i
		}
		return len(t.Ranking)
	}
	if c := cmp.Compare(pos(a), pos(b)); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(modelFit(b, t), modelFit(a, t)); c != 0 {
		return c < 0
	}
	if c := a.WaitingSince.Compare(b.WaitingSince); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(TieHash(md.opts.Seed, a.ID), TieHash(md.opts.Seed, b.ID)); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

// assignment is a matching in model terms: mentee index → mentor index or -1.
type assignment []int

// blocking returns a mentee and mentor that block a, or -1, -1.
func (md *model) blocking(a assignment) (int, int) {
	held := make([][]int, len(md.mentors))
	for m, j := range a {
		if j >= 0 {
			held[j] = append(held[j], m)
		}
	}
	for m, list := range md.lists {
		for _, j := range list {
			if j == a[m] {
				break // m prefers nothing further down
			}
			t := md.mentors[j]
			if len(held[j]) < t.Capacity {
				return m, j
			}
			for _, o := range held[j] {
				if md.prefers(t, md.mentees[m], md.mentees[o]) {
					return m, j
				}
			}
		}
	}
	return -1, -1
}

// rankOf is where mentor j is on mentee m's list (len when j is -1).
func (md *model) rankOf(m, j int) int {
	if j < 0 {
		return len(md.lists[m])
	}
	return slices.Index(md.lists[m], j)
}

// stableAll enumerates every stable matching (for tiny instances).
func (md *model) stableAll() []assignment {
	var out []assignment
	a := make(assignment, len(md.mentees))
	load := make([]int, len(md.mentors))
	var rec func(m int)
	rec = func(m int) {
		if m == len(md.mentees) {
			if b, _ := md.blocking(a); b < 0 {
				out = append(out, slices.Clone(a))
			}
			return
		}
		a[m] = -1
		rec(m + 1)
		for _, j := range md.lists[m] {
			if load[j] < md.mentors[j].Capacity {
				load[j]++
				a[m] = j
				rec(m + 1)
				load[j]--
			}
		}
		a[m] = -1
	}
	rec(0)
	return out
}
