package matching

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
)

// Limits of the key encoding (see key).
const (
	maxKeys     = 64        // distinct languages, and distinct spheres, per round
	unrankedPos = 1<<20 - 1 // mentor key: position of a mentee the mentor did not rank
)

// Solve runs one matching round. It does not modify its arguments.
func Solve(mentors []Mentor, mentees []Mentee, opts Options) (Result, error) {
	s, err := newSolver(mentors, mentees, opts)
	if err != nil {
		return Result{}, err
	}
	s.buildLists()
	s.propose()
	return s.result(), nil
}

// TieHash is the seeded lottery number of a mentee (or anything with an
// ID): SplitMix64's finalizer applied to seed XOR SplitMix64(id). Changing it
// changes results: it is part of the documented rule.
func TieHash(seed uint64, id int64) uint64 {
	return mix(seed ^ mix(uint64(id)))
}

// mix is the SplitMix64 output function.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rotationStart is where mentee id's walk over equally fitting mentors
// begins, among n mentors in ID order.
func rotationStart(seed uint64, id int64, n int) int {
	return int(mix(TieHash(seed, id)) % uint64(n))
}

// solver holds a round's input as dense arrays: mentors and mentees are
// numbered by ascending ID; languages and spheres are bits of a uint64;
// regions are small integers.
type solver struct {
	opts   Options
	fitLen int // mentors in a list by fit; -1: all

	mentors []*Mentor
	mentees []*Mentee
	byID    map[int64]int32 // mentor ID → index

	langBit   map[string]uint
	sphereBit map[string]uint
	regionID  map[string]int32

	jLang, jSphere []uint64
	jRegion        []int32 // -1: none
	jMode          []Mode
	jCap           []int32
	jRanks         []bool // has a Ranking
	mLang, mSphere []uint64
	mFirst         []uint64 // the bit of the first language, or 0
	mRegion        []int32
	mMode          []Mode
	tb             []uint32 // mentee's place in the mentors' last tie-breaks

	mentorRank map[uint64]int32 // mentor<<32 | mentee → 0-based position in Ranking

	// Bitsets over mentors, for lists by fit and for explanations.
	words      int
	bsSeats    []uint64
	bsOnline   []uint64
	bsInPerson []uint64   // in person and with a region
	bsLang     [][]uint64 // by language bit
	bsSphere   [][]uint64 // by sphere bit
	bsRegion   [][]uint64 // by region id, whatever their mode; nil: nobody there

	// Lists, flat: mentee m's list is entries listStart[m] … listStart[m+1]-1.
	listStart  []int32
	listMentor []int32
	listKey    []uint64   // the mentor's key for this mentee (smaller is better)
	listTag    []int32    // >0: ranked at that position; <0: -(place in the list by fit)
	notes      [][]Reason // on ranked mentors left out
	noteArena  arena
	onlyRanked []bool

	// Scratch for lists by fit.
	mark []int32 // mark[j] == m+1: j is on m's list already
	acc  []uint64
	wf   []wordFit
	nz   []int32 // words of acc that are not zero
	cand []candidate

	// Outcome.
	assigned  []int32 // list entry, or -1
	proposals int
}

type candidate struct {
	j   int32
	fit int32
}

func newSolver(mentors []Mentor, mentees []Mentee, opts Options) (*solver, error) {
	s := &solver{
		opts:      opts,
		fitLen:    opts.FitListLength,
		langBit:   map[string]uint{},
		sphereBit: map[string]uint{},
		regionID:  map[string]int32{},
	}
	if s.fitLen == 0 {
		s.fitLen = DefaultFitListLength
	} else if s.fitLen < 0 {
		s.fitLen = -1
	}
	s.mentors = make([]*Mentor, len(mentors))
	for i := range mentors {
		s.mentors[i] = &mentors[i]
	}
	s.mentees = make([]*Mentee, len(mentees))
	for i := range mentees {
		s.mentees[i] = &mentees[i]
	}
	byID := func(a, b *Mentor) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(s.mentors, byID) {
		slices.SortFunc(s.mentors, byID)
	}
	byIDm := func(a, b *Mentee) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(s.mentees, byIDm) {
		slices.SortFunc(s.mentees, byIDm)
	}
	for i := 1; i < len(s.mentors); i++ {
		if s.mentors[i].ID == s.mentors[i-1].ID {
			return nil, fmt.Errorf("%w: mentor %d", ErrDuplicateID, s.mentors[i].ID)
		}
	}
	for i := 1; i < len(s.mentees); i++ {
		if s.mentees[i].ID == s.mentees[i-1].ID {
			return nil, fmt.Errorf("%w: mentee %d", ErrDuplicateID, s.mentees[i].ID)
		}
	}

	nJ, nM := len(s.mentors), len(s.mentees)
	s.byID = make(map[int64]int32, nJ)
	s.jLang = make([]uint64, nJ)
	s.jSphere = make([]uint64, nJ)
	s.jRegion = make([]int32, nJ)
	s.jMode = make([]Mode, nJ)
	s.jCap = make([]int32, nJ)
	s.jRanks = make([]bool, nJ)
	var err error
	for j, t := range s.mentors {
		s.byID[t.ID] = int32(j)
		if t.Capacity < 0 {
			return nil, fmt.Errorf("%w: mentor %d has %d", ErrCapacity, t.ID, t.Capacity)
		}
		s.jCap[j] = int32(min(t.Capacity, 1<<30))
		if s.jLang[j], err = s.intern(s.langBit, t.Languages, "languages"); err != nil {
			return nil, err
		}
		if s.jSphere[j], err = s.intern(s.sphereBit, t.Spheres, "spheres"); err != nil {
			return nil, err
		}
		s.jRegion[j] = s.region(t.Region)
		s.jMode[j] = t.Mode
		if len(t.Ranking) >= unrankedPos {
			return nil, fmt.Errorf("%w: mentor %d ranks %d mentees", ErrTooMany, t.ID, len(t.Ranking))
		}
		s.jRanks[j] = len(t.Ranking) > 0
	}

	s.mLang = make([]uint64, nM)
	s.mSphere = make([]uint64, nM)
	s.mFirst = make([]uint64, nM)
	s.mRegion = make([]int32, nM)
	s.mMode = make([]Mode, nM)
	for m, e := range s.mentees {
		if s.mLang[m], err = s.intern(s.langBit, e.Languages, "languages"); err != nil {
			return nil, err
		}
		if s.mSphere[m], err = s.intern(s.sphereBit, e.Spheres, "spheres"); err != nil {
			return nil, err
		}
		for _, l := range e.Languages {
			if l != "" {
				s.mFirst[m] = 1 << s.langBit[l]
				break
			}
		}
		s.mRegion[m] = s.region(e.Region)
		s.mMode[m] = e.Mode
	}

	// Mentors' own rankings, looked up once per list entry.
	s.mentorRank = map[uint64]int32{}
	for j, t := range s.mentors {
		for p, id := range t.Ranking {
			m, ok := slices.BinarySearchFunc(s.mentees, id, func(e *Mentee, id int64) int { return cmp.Compare(e.ID, id) })
			if !ok {
				continue
			}
			k := uint64(j)<<32 | uint64(m)
			if _, dup := s.mentorRank[k]; !dup {
				s.mentorRank[k] = int32(p)
			}
		}
	}

	// The mentors' common last tie-breaks: earlier request, then the lottery,
	// then the ID, as one number per mentee.
	type tie struct {
		sec  int64
		nsec int32
		m    int32
		hash uint64
	}
	ties := make([]tie, nM)
	for m, e := range s.mentees {
		ties[m] = tie{e.WaitingSince.Unix(), int32(e.WaitingSince.Nanosecond()), int32(m), TieHash(opts.Seed, e.ID)}
	}
	slices.SortFunc(ties, func(a, b tie) int {
		if c := cmp.Compare(a.sec, b.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(a.nsec, b.nsec); c != 0 {
			return c
		}
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(a.m, b.m) // mentees are in ID order
	})
	s.tb = make([]uint32, nM)
	for i, t := range ties {
		s.tb[t.m] = uint32(i)
	}

	s.bitsets()
	return s, nil
}

// intern returns the bits of keys, numbering new keys as they come.
func (s *solver) intern(table map[string]uint, keys []string, what string) (uint64, error) {
	var mask uint64
	for _, k := range keys {
		if k == "" {
			continue
		}
		b, ok := table[k]
		if !ok {
			if len(table) == maxKeys {
				return 0, fmt.Errorf("%w: more than %d %s in one round", ErrTooMany, maxKeys, what)
			}
			b = uint(len(table))
			table[k] = b
		}
		mask |= 1 << b
	}
	return mask, nil
}

func (s *solver) region(r string) int32 {
	if r == "" {
		return -1
	}
	id, ok := s.regionID[r]
	if !ok {
		id = int32(len(s.regionID))
		s.regionID[r] = id
	}
	return id
}

func (s *solver) bitsets() {
	nJ := len(s.mentors)
	s.words = (nJ + 63) / 64
	w := s.words
	newSet := func() []uint64 { return make([]uint64, w) }
	s.bsSeats, s.bsOnline, s.bsInPerson = newSet(), newSet(), newSet()
	s.bsLang = make([][]uint64, len(s.langBit))
	for i := range s.bsLang {
		s.bsLang[i] = newSet()
	}
	s.bsSphere = make([][]uint64, len(s.sphereBit))
	for i := range s.bsSphere {
		s.bsSphere[i] = newSet()
	}
	s.bsRegion = make([][]uint64, len(s.regionID))
	for j := range nJ {
		word, bit := j/64, uint64(1)<<(j%64)
		if s.jCap[j] > 0 {
			s.bsSeats[word] |= bit
		}
		if s.jMode[j].online() {
			s.bsOnline[word] |= bit
		}
		if r := s.jRegion[j]; r >= 0 {
			if s.bsRegion[r] == nil {
				s.bsRegion[r] = newSet()
			}
			s.bsRegion[r][word] |= bit
			if s.jMode[j].inPerson() {
				s.bsInPerson[word] |= bit
			}
		}
		for l := s.jLang[j]; l != 0; l &= l - 1 {
			s.bsLang[bits.TrailingZeros64(l)][word] |= bit
		}
		for p := s.jSphere[j]; p != 0; p &= p - 1 {
			s.bsSphere[bits.TrailingZeros64(p)][word] |= bit
		}
	}
	s.mark = make([]int32, nJ)
	s.acc = newSet()
	s.wf = make([]wordFit, w)
}

// canMeet: both online, or both in person in the same region.
func (s *solver) canMeet(m, j int32) bool {
	if s.mMode[m].online() && s.jMode[j].online() {
		return true
	}
	r := s.mRegion[m]
	return r >= 0 && r == s.jRegion[j] && s.mMode[m].inPerson() && s.jMode[j].inPerson()
}

// why returns why m and j may not be paired, or "" when they may.
func (s *solver) why(m, j int32) string {
	switch {
	case s.jCap[j] == 0:
		return WhyNoSeats
	case s.mLang[m]&s.jLang[j] == 0:
		return WhyNoLanguage
	case !s.canMeet(m, j):
		return WhyCannotMeet
	case s.opts.RequireSphere && s.mSphere[m]&s.jSphere[j] == 0:
		return WhyNoSphere
	}
	return ""
}

func (s *solver) fit(m, j int32) int32 {
	f := 4 * int32(bits.OnesCount64(s.mSphere[m]&s.jSphere[j]))
	if r := s.mRegion[m]; r >= 0 && r == s.jRegion[j] {
		f += 2
	}
	if s.mFirst[m]&s.jLang[j] != 0 {
		f++
	}
	return f
}

// key is mentor j's order of mentee m as one number, smaller is better:
// the position in j's Ranking (20 bits), the inverted fit (12 bits), the
// mentee's tie-break place (32 bits).
func (s *solver) key(m, j int32, fit int32) uint64 {
	pos := uint64(unrankedPos)
	if s.jRanks[j] {
		if p, ok := s.mentorRank[uint64(j)<<32|uint64(m)]; ok {
			pos = uint64(p)
		}
	}
	return pos<<44 | uint64(4095-fit)<<32 | uint64(s.tb[m])
}

func (s *solver) buildLists() {
	nM := len(s.mentees)
	s.listStart = make([]int32, nM+1)
	s.notes = make([][]Reason, nM)
	s.onlyRanked = make([]bool, nM)
	// Room for every ranked mentor, and a list by fit for everyone who
	// ranked nobody and for one in three who did (when all they ranked are
	// out of reach); appends grow it when more need one.
	room, fitLen := 0, min(max(s.fitLen, 0), len(s.mentors))
	for _, e := range s.mentees {
		switch {
		case len(e.Preferences) == 0 || s.opts.AppendFit:
			room += len(e.Preferences) + fitLen
		case e.OnlyRanked:
			room += len(e.Preferences)
		default:
			room += len(e.Preferences) + fitLen/3
		}
	}
	s.listMentor = make([]int32, 0, room)
	s.listKey = make([]uint64, 0, room)
	s.listTag = make([]int32, 0, room)
	for m := range int32(nM) {
		s.listStart[m] = int32(len(s.listMentor))
		e := s.mentees[m]
		stamp := m + 1
		ranked := 0
		notes := s.noteArena.tmp[:0]
		for p, id := range e.Preferences {
			j, ok := s.byID[id]
			why := WhyUnknown
			if ok {
				why = WhyRepeated
				if s.mark[j] != stamp {
					s.mark[j] = stamp // unacceptable ones too: not again, not by fit
					why = s.why(m, j)
				}
			}
			if why != "" {
				notes = append(notes, Reason{Code: RankedUnavailable, Values: s.noteArena.strings(why), Mentor: id})
				continue
			}
			s.add(m, j, s.fit(m, j), int32(p+1))
			ranked++
		}
		if len(notes) > 0 {
			s.notes[m] = s.noteArena.reasons(notes)
		}
		s.noteArena.tmp = notes
		switch {
		case len(e.Preferences) > 0 && e.OnlyRanked:
			s.onlyRanked[m] = ranked == 0
		case ranked > 0 && !s.opts.AppendFit:
		default:
			s.fitList(m)
		}
	}
	s.listStart[nM] = int32(len(s.listMentor))
}

func (s *solver) add(m, j, fit, tag int32) {
	s.listMentor = append(s.listMentor, j)
	s.listKey = append(s.listKey, s.key(m, j, fit))
	s.listTag = append(s.listTag, tag)
}

// acceptable fills s.acc with the mentors acceptable to m (seats, language,
// meeting, and sphere when required) and reports whether there is any.
// With stage < 4 it stops after that many filters, for explanations:
// 1 seats, 2 and language, 3 and meeting.
func (s *solver) acceptable(m int32, stage int) bool {
	lang, sph := s.mLang[m], s.mSphere[m]
	online := s.mMode[m].online()
	var region []uint64
	if r := s.mRegion[m]; r >= 0 && s.mMode[m].inPerson() {
		region = s.bsRegion[r]
	}
	found := uint64(0)
	for w := range s.words {
		a := s.bsSeats[w]
		if stage >= 2 {
			var l uint64
			for b := lang; b != 0; b &= b - 1 {
				l |= s.bsLang[bits.TrailingZeros64(b)][w]
			}
			a &= l
		}
		if stage >= 3 {
			var meet uint64
			if online {
				meet = s.bsOnline[w]
			}
			if region != nil {
				meet |= region[w] & s.bsInPerson[w]
			}
			a &= meet
		}
		if stage >= 4 && s.opts.RequireSphere {
			var p uint64
			for b := sph; b != 0; b &= b - 1 {
				p |= s.bsSphere[bits.TrailingZeros64(b)][w]
			}
			a &= p
		}
		s.acc[w] = a
		found |= a
	}
	return found != 0
}

// fitList appends to m's list the best-fitting acceptable mentors not on it
// yet: higher fit first, equal fits in ID order from a seeded start,
// wrapping around.
//
// It works on 64 mentors at a time. A word's mentors at fit level
// f = 4·spheres + 2·region + language are the acceptable ones (s.acc) whose
// count of shared spheres (a bit-sliced counter over the mentee's spheres),
// region bit and first-language bit match f. Pass 1 counts the levels from
// the top down and stops at the lowest level needed; pass 2 walks the words
// in the mentee's order and takes the mentors.
func (s *solver) fitList(m int32) {
	if !s.acceptable(m, 4) {
		return
	}
	for e := s.listStart[m]; e < int32(len(s.listMentor)); e++ {
		j := s.listMentor[e]
		s.acc[j/64] &^= 1 << (j % 64)
	}

	// Pass 0: the words' region, language and sphere-count bits.
	var sph [][]uint64
	for b := s.mSphere[m]; b != 0; b &= b - 1 {
		sph = append(sph, s.bsSphere[bits.TrailingZeros64(b)])
	}
	k := len(sph)
	nSlices := bits.Len(uint(k))
	var region, first []uint64
	if r := s.mRegion[m]; r >= 0 {
		region = s.bsRegion[r]
	}
	if f := s.mFirst[m]; f != 0 {
		first = s.bsLang[bits.TrailingZeros64(f)]
	}
	s.nz = s.nz[:0]
	for w, a := range s.acc {
		if a == 0 {
			continue
		}
		s.nz = append(s.nz, int32(w))
		wf := &s.wf[w]
		wf.r, wf.f = 0, 0
		if region != nil {
			wf.r = region[w]
		}
		if first != nil {
			wf.f = first[w]
		}
		clear(wf.count[:nSlices])
		for _, p := range sph {
			carry := p[w] & a
			for i := 0; carry != 0; i++ {
				wf.count[i], carry = wf.count[i]^carry, wf.count[i]&carry
			}
		}
	}

	// Pass 1: count the levels, best first, until there are enough. Each
	// word keeps the mentors of the groups (by shared spheres) above the
	// last one counted (above) and of the last one (group).
	limit := s.fitLen
	if limit < 0 {
		limit = len(s.mentors)
	}
	threshold, takeAtThreshold, wanted := int32(0), limit, 0
	for _, w := range s.nz {
		s.wf[w].above, s.wf[w].group = 0, 0
	}
levels:
	for sp := k; sp >= 0; sp-- {
		var h [4]int
		for _, w := range s.nz {
			wf := &s.wf[w]
			wf.above |= wf.group
			x := wf.spheres(s.acc[w], sp, nSlices)
			wf.group = x
			if x == 0 {
				continue
			}
			x1, x0 := x&wf.r, x&^wf.r
			h[3] += bits.OnesCount64(x1 & wf.f)
			h[2] += bits.OnesCount64(x1 &^ wf.f)
			h[1] += bits.OnesCount64(x0 & wf.f)
			h[0] += bits.OnesCount64(x0 &^ wf.f)
		}
		for sub := 3; sub >= 0; sub-- {
			if wanted+h[sub] >= limit {
				threshold, takeAtThreshold, wanted = int32(4*sp+sub), limit-wanted, limit
				break levels
			}
			wanted += h[sub]
		}
	}
	if wanted < limit { // fewer acceptable mentors than the limit: all of them
		takeAtThreshold = limit
	}

	// Pass 2: walk the words from the mentee's start to the end, then from
	// the beginning; take every mentor above the threshold and the first
	// ones at it.
	n := len(s.mentors)
	start := rotationStart(s.opts.Seed, s.mentees[m].ID, n)
	subT := threshold & 3
	s.cand = s.cand[:0]
	if len(s.nz) == 0 {
		return // everyone acceptable is on the list already
	}
	from, _ := slices.BinarySearch(s.nz, int32(start/64))
	for i := 0; i <= len(s.nz) && len(s.cand) < wanted; i++ {
		// The start word twice: its bits from start first, the others last.
		w := int(s.nz[(from+i)%len(s.nz)])
		part := ^uint64(0)
		if w == start/64 {
			lo := uint64(1)<<(start%64) - 1
			if i == 0 {
				part = ^lo
			} else {
				part = lo
			}
		} else if i == len(s.nz) {
			break
		}
		above, at := s.wf[w].split(subT)
		above &= part
		at &= part
		for b := above | at; b != 0; b &= b - 1 {
			bit := b & -b
			if at&bit != 0 {
				if takeAtThreshold == 0 {
					continue
				}
				takeAtThreshold--
			}
			j := int32(w*64 + bits.TrailingZeros64(b))
			s.cand = append(s.cand, candidate{j, s.fit(m, j)})
		}
	}
	slices.SortStableFunc(s.cand, func(a, b candidate) int { return cmp.Compare(b.fit, a.fit) })
	for i, c := range s.cand {
		s.add(m, c.j, c.fit, -int32(i+1))
	}
}

// wordFit holds, for 64 mentors and one mentee, which are in the mentee's
// region (r), speak the mentee's first language (f), and how many of the
// mentee's spheres each shares (count, bit-sliced: bit i of the count of
// mentor b is bit b of count[i]); then, from pass 1, the acceptable mentors
// of the groups by shared spheres above the last one counted, and of it.
type wordFit struct {
	r, f         uint64
	count        [7]uint64
	above, group uint64
}

// spheres returns the mentors of a sharing exactly sp spheres.
func (wf *wordFit) spheres(a uint64, sp, nSlices int) uint64 {
	for i := range nSlices {
		if sp>>i&1 != 0 {
			a &= wf.count[i]
		} else {
			a &^= wf.count[i]
		}
	}
	return a
}

// split returns the word's mentors above the threshold level (in a group
// above, or in its group with a better region and language) and at it;
// subT is the threshold's region and language part (2·region + language).
func (wf *wordFit) split(subT int32) (above, at uint64) {
	var better, same uint64
	switch subT {
	case 3:
		better, same = 0, wf.r&wf.f
	case 2:
		better, same = wf.r&wf.f, wf.r&^wf.f
	case 1:
		better, same = wf.r, wf.f&^wf.r
	default:
		better, same = wf.r|wf.f, ^(wf.r | wf.f)
	}
	return wf.above | wf.group&better, wf.group & same
}

// propose runs mentee-proposing deferred acceptance. Each mentor's held
// mentees sit in a slice of seats; worst[j] is the seat of the mentee j
// likes least, the one to give up when someone better proposes.
func (s *solver) propose() {
	nM, nJ := len(s.mentees), len(s.mentors)
	seatStart := make([]int32, nJ+1)
	for j := range nJ {
		seatStart[j+1] = seatStart[j] + s.jCap[j]
	}
	seatWho := make([]int32, seatStart[nJ])
	seatKey := make([]uint64, seatStart[nJ])
	held := make([]int32, nJ)
	worst := make([]int32, nJ)
	next := make([]int32, nM)
	s.assigned = make([]int32, nM)
	free := make([]int32, 0, nM)
	for m := nM - 1; m >= 0; m-- {
		next[m] = s.listStart[m]
		s.assigned[m] = -1
		free = append(free, int32(m))
	}
	proposals := 0
	for len(free) > 0 {
		m := free[len(free)-1]
		free = free[:len(free)-1]
		for e, end := next[m], s.listStart[m+1]; e < end; e++ {
			proposals++
			j, k := s.listMentor[e], s.listKey[e]
			base, n := seatStart[j], held[j]
			if n < s.jCap[j] {
				seat := base + n
				seatWho[seat], seatKey[seat] = m, k
				if n == 0 || k > seatKey[worst[j]] {
					worst[j] = seat
				}
				held[j] = n + 1
				s.assigned[m], next[m] = e, e+1
				break
			}
			w := worst[j]
			if n == 0 || k > seatKey[w] {
				continue // capacity 0, or j prefers everyone it holds
			}
			out := seatWho[w]
			seatWho[w], seatKey[w] = m, k
			for seat := base; seat < base+n; seat++ {
				if seatKey[seat] > seatKey[w] {
					w = seat
				}
			}
			worst[j] = w
			s.assigned[m], next[m] = e, e+1
			s.assigned[out] = -1
			free = append(free, out)
			break
		}
	}
	s.proposals = proposals
}

func (s *solver) result() Result {
	matched := 0
	for _, e := range s.assigned {
		if e >= 0 {
			matched++
		}
	}
	r := Result{
		Pairs:     make([]Pair, 0, matched),
		Unmatched: make([]Unmatched, 0, len(s.mentees)-matched),
		Proposals: s.proposals,
	}
	var a arena
	for m := range int32(len(s.mentees)) {
		if e := s.assigned[m]; e >= 0 {
			r.Pairs = append(r.Pairs, s.pair(&a, m, e))
		} else {
			a.tmp = append(append(a.tmp[:0], s.unmatched(m)), s.notes[m]...)
			r.Unmatched = append(r.Unmatched, Unmatched{MenteeID: s.mentees[m].ID, Reasons: a.reasons(a.tmp)})
		}
	}
	return r
}

// arena hands out the reasons and values of a result from large chunks:
// a round of 200,000 requests would otherwise make a million tiny
// allocations. Each piece is capped, so appending to one never writes into
// another.
type arena struct {
	rs  []Reason
	str []string
	tmp []Reason
}

func (a *arena) reasons(rs []Reason) []Reason {
	if len(a.rs)+len(rs) > cap(a.rs) {
		a.rs = make([]Reason, 0, max(4096, len(rs)))
	}
	n := len(a.rs)
	a.rs = append(a.rs, rs...)
	return a.rs[n:len(a.rs):len(a.rs)]
}

func (a *arena) strings(ss ...string) []string {
	if len(a.str)+len(ss) > cap(a.str) {
		a.str = make([]string, 0, max(4096, len(ss)))
	}
	n := len(a.str)
	a.str = append(a.str, ss...)
	return a.str[n:len(a.str):len(a.str)]
}

func (s *solver) pair(a *arena, m, e int32) Pair {
	j := s.listMentor[e]
	me, t := s.mentees[m], s.mentors[j]
	fit := s.fit(m, j)
	p := Pair{MenteeID: me.ID, MentorID: t.ID, Fit: int(fit)}
	rs := a.tmp[:0]
	if tag := s.listTag[e]; tag > 0 {
		rs = append(rs, Reason{Code: Ranked, N: int(tag)})
	} else {
		rs = append(rs, Reason{Code: BestFit, N: int(-tag)})
	}
	if above := e - s.listStart[m]; above > 0 {
		rs = append(rs, Reason{Code: BetterChoicesFull, N: int(above)})
	}
	if pos := s.listKey[e] >> 44; pos != unrankedPos {
		rs = append(rs, Reason{Code: MentorRanked, N: int(pos) + 1})
	}
	if v := s.shared(a, me.Spheres, s.sphereBit, s.jSphere[j]); v != nil {
		rs = append(rs, Reason{Code: SameSphere, Values: v})
	}
	if v := s.shared(a, me.Languages, s.langBit, s.jLang[j]); v != nil {
		rs = append(rs, Reason{Code: SharedLanguage, Values: v})
	}
	sameRegion := s.mRegion[m] >= 0 && s.mRegion[m] == s.jRegion[j]
	var region []string
	if sameRegion {
		region = a.strings(me.Region)
		rs = append(rs, Reason{Code: SameRegion, Values: region})
	}
	if s.mMode[m].online() && s.jMode[j].online() {
		rs = append(rs, Reason{Code: MeetOnline})
	}
	if sameRegion && s.mMode[m].inPerson() && s.jMode[j].inPerson() {
		rs = append(rs, Reason{Code: MeetInPerson, Values: region})
	}
	rs = append(rs, s.notes[m]...)
	a.tmp = rs
	p.Reasons = a.reasons(rs)
	return p
}

// shared returns the keys of mine that are also in mask, in my order.
func (s *solver) shared(a *arena, mine []string, table map[string]uint, mask uint64) []string {
	var buf [8]string
	out := buf[:0]
	var seen uint64
	for _, k := range mine {
		if k == "" {
			continue
		}
		b := uint64(1) << table[k]
		if mask&b != 0 && seen&b == 0 {
			out = append(out, k)
		}
		seen |= b
	}
	if len(out) == 0 {
		return nil
	}
	return a.strings(out...)
}

// unmatched returns the main reason why mentee m got nobody (result adds
// the notes on ranked mentors).
func (s *solver) unmatched(m int32) Reason {
	var first Reason
	e := s.mentees[m]
	switch n := s.listStart[m+1] - s.listStart[m]; {
	case n > 0:
		first = Reason{Code: AllFull, N: int(n)}
	case s.onlyRanked[m]:
		first = Reason{Code: OnlyRankedAsked}
	case !s.acceptable(m, 1):
		first = Reason{Code: NoSeats}
	case !s.acceptable(m, 2):
		first = Reason{Code: NoSharedLanguage, Values: nonEmpty(e.Languages)}
	case !s.acceptable(m, 3):
		switch e.Mode {
		case InPerson:
			first = Reason{Code: NoMentorInRegion, Values: []string{e.Region}}
		case Online:
			first = Reason{Code: NoOnlineMentor}
		default:
			first = Reason{Code: NoReachableMentor, Values: []string{e.Region}}
		}
	default:
		// Only RequireSphere is left: every acceptable mentor is listed
		// otherwise, and a list by fit is never empty when there is one.
		first = Reason{Code: NoSharedSphere, Values: nonEmpty(e.Spheres)}
	}
	return first
}

func nonEmpty(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// String renders a reason compactly for logs and tests, e.g.
// "ranked:2", "same_sphere:it,media", "ranked_unavailable@12:no_language".
func (r Reason) String() string {
	b := []byte(r.Code)
	if r.Mentor != 0 {
		b = append(b, '@')
		b = strconv.AppendInt(b, r.Mentor, 10)
	}
	if r.N != 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(r.N), 10)
	}
	for i, v := range r.Values {
		if i == 0 {
			b = append(b, ':')
		} else {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return string(b)
}
