package draw

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// BracketSize is the number of places in a knockout bracket for n teams:
// the smallest power of two not below n.
func BracketSize(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// SeedOrder returns the standard seeding of a bracket of size places (a
// power of two): place i holds seed SeedOrder(size)[i] (1-based), and
// places 2k and 2k+1 meet in the first round. Seed s meets seed size+1-s
// first; seeds 1 and 2 can only meet in the final, 1–4 only in the
// semi-finals, and so on.
func SeedOrder(size int) []int {
	order := []int{1}
	for len(order) < size {
		next := make([]int, 0, 2*len(order))
		m := 2*len(order) + 1
		for _, s := range order {
			next = append(next, s, m-s)
		}
		order = next
	}
	return order
}

// Knockout returns the first round of a knockout for teams in seed order
// (best first), in bracket order: BracketSize(n)/2 pairings, the higher
// seed at home. The places of missing seeds are byes, so the byes go to the
// top seeds.
func Knockout(seeds []int64) ([]Pairing, error) {
	if _, err := checkTeams(seeds); err != nil {
		return nil, err
	}
	if len(seeds) < 2 {
		return nil, fmt.Errorf("%w: a knockout needs 2, has %d", ErrTooFewTeams, len(seeds))
	}
	size := BracketSize(len(seeds))
	order := SeedOrder(size)
	seed := func(s int) int64 {
		if s <= len(seeds) {
			return seeds[s-1]
		}
		return Bye
	}
	ps := make([]Pairing, 0, size/2)
	for i := 0; i < size; i += 2 {
		a, b := order[i], order[i+1]
		if a > b {
			a, b = b, a
		}
		ps = append(ps, Pairing{Home: seed(a), Away: seed(b)})
	}
	return ps, nil
}

// NextKnockoutRound returns the next round from the games of the last one,
// given in bracket order (as Knockout or NextKnockoutRound returned them; a
// match for third place among them is left out): the winners of games 2k
// and 2k+1 meet, the one from the upper game at home. When the next round
// is the final and thirdPlace is set, a match for third place between the
// losing semi-finalists follows the final (none if a semi-final was a bye).
// Every game must be decided: a draw needs a Winner.
func NextKnockoutRound(games []Game, thirdPlace bool) ([]Pairing, error) {
	var round []Game
	for _, g := range games {
		if !g.ThirdPlace {
			round = append(round, g)
		}
	}
	n := len(round)
	switch {
	case n == 1:
		return nil, ErrFinished
	case n == 0 || n&(n-1) != 0:
		return nil, fmt.Errorf("%w: %d games", ErrBracket, n)
	}
	winners := make([]int64, n)
	losers := make([]int64, n)
	for i, g := range round {
		if !g.complete() {
			return nil, fmt.Errorf("%w: game %d (%d v %d) has no result", ErrRoundIncomplete, i+1, g.Home, g.Away)
		}
		w, l, draw := g.Outcome()
		if draw || g.DoubleForfeit || g.Winner != 0 && g.Winner != g.Home && g.Winner != g.Away {
			return nil, fmt.Errorf("%w: game %d (%d v %d)", ErrUndecided, i+1, g.Home, g.Away)
		}
		winners[i], losers[i] = w, l
	}
	next := make([]Pairing, 0, n/2+1)
	for i := 0; i < n; i += 2 {
		next = append(next, Pairing{Home: winners[i], Away: winners[i+1]})
	}
	if n == 2 && thirdPlace && losers[0] != Bye && losers[1] != Bye {
		next = append(next, Pairing{Home: losers[0], Away: losers[1], ThirdPlace: true})
	}
	return next, nil
}

// Qualifiers returns the first n teams of a table by Position: the seeds of
// a knockout that follows a Swiss or group stage. tiedAtCut reports that the
// last qualifier and the first team left out share a Rank: the lot decided.
func Qualifiers(rows []Row, n int) (seeds []int64, tiedAtCut bool, err error) {
	if n < 1 || n > len(rows) {
		return nil, false, fmt.Errorf("%w: %d of %d teams qualify", ErrTooFewTeams, n, len(rows))
	}
	byPos := slices.Clone(rows)
	slices.SortFunc(byPos, func(a, b Row) int { return cmp.Compare(a.Position, b.Position) })
	for _, r := range byPos[:n] {
		seeds = append(seeds, r.TeamID)
	}
	tiedAtCut = n < len(byPos) && byPos[n].Rank == byPos[n-1].Rank
	return seeds, tiedAtCut, nil
}

// GroupQualifiers returns the seeds of a knockout after a stage of several
// groups, perGroup teams from each: first every group's winner, then every
// runner-up, and so on; teams of one place are ordered by points, score
// difference, scores for, then lot. (Teams of one group may meet in the
// first knockout round.)
func GroupQualifiers(groups [][]Row, perGroup int, seed uint64) ([]int64, error) {
	type q struct {
		place int
		r     Row
	}
	var all []q
	for gi, g := range groups {
		if perGroup < 1 || perGroup > len(g) {
			return nil, fmt.Errorf("%w: %d of group %d's %d teams qualify", ErrTooFewTeams, perGroup, gi+1, len(g))
		}
		byPos := slices.Clone(g)
		slices.SortFunc(byPos, func(a, b Row) int { return cmp.Compare(a.Position, b.Position) })
		for p, r := range byPos[:perGroup] {
			all = append(all, q{p, r})
		}
	}
	slices.SortFunc(all, func(a, b q) int {
		if c := cmp.Compare(a.place, b.place); c != 0 {
			return c
		}
		if c := cmp.Compare(b.r.Points, a.r.Points); c != 0 {
			return c
		}
		if c := cmp.Compare(b.r.ScoresFor-b.r.ScoresAgainst, a.r.ScoresFor-a.r.ScoresAgainst); c != 0 {
			return c
		}
		if c := cmp.Compare(b.r.ScoresFor, a.r.ScoresFor); c != 0 {
			return c
		}
		if c := cmp.Compare(Lot(seed, a.r.TeamID), Lot(seed, b.r.TeamID)); c != 0 {
			return c
		}
		return cmp.Compare(a.r.TeamID, b.r.TeamID)
	})
	seeds := make([]int64, len(all))
	for i, x := range all {
		seeds[i] = x.r.TeamID
	}
	if _, err := checkTeams(seeds); err != nil {
		return nil, err
	}
	return seeds, nil
}

// CrossedGroupSeeds returns the seeds of a knockout after a stage of an
// even number of groups, perGroup teams from each, ordered so that
// Knockout's standard bracket crosses the groups in pairs (A with B, C with
// D, …): the place p of one group meets the place perGroup+1−p of its
// partner — A1 v B2, B1 v A2 with two from each — and the winners of two
// partner groups are in different halves of the bracket. groups[i] is
// group i's table; each team's place in it is its Position. With an odd
// number of groups it returns GroupQualifiers' order (winners first).
func CrossedGroupSeeds(groups [][]Row, perGroup int, seed uint64) ([]int64, error) {
	g := len(groups)
	if g%2 == 1 {
		return GroupQualifiers(groups, perGroup, seed)
	}
	byPlace := make([][]int64, g) // group → team ids by place
	for gi, rows := range groups {
		if perGroup < 1 || perGroup > len(rows) {
			return nil, fmt.Errorf("%w: %d of group %d's %d teams qualify", ErrTooFewTeams, perGroup, gi+1, len(rows))
		}
		byPos := slices.Clone(rows)
		slices.SortFunc(byPos, func(a, b Row) int { return cmp.Compare(a.Position, b.Position) })
		for _, r := range byPos[:perGroup] {
			byPlace[gi] = append(byPlace[gi], r.TeamID)
		}
	}
	partner := func(x int) int { return x ^ 1 } // 0↔1, 2↔3, …
	// Seeds come in blocks of g, one block per place. Standard seeding puts
	// seed s against size+1−s, so the block of place p faces the block of
	// place perGroup+1−p reversed: that block holds the partners in reverse.
	first := make([]int, g) // the order of groups in the upper blocks
	for i := range first {
		first[i] = i
	}
	mirror := func(order []int) []int { // the order facing order
		out := make([]int, len(order))
		for i, x := range order {
			out[len(order)-1-i] = partner(x)
		}
		return out
	}
	// The middle block (odd perGroup) faces itself: A, C, E, … then their
	// partners in reverse, so that position i meets position g−1−i.
	middle := make([]int, 0, g)
	for i := 0; i < g; i += 2 {
		middle = append(middle, i)
	}
	middle = append(middle, mirror(middle)...)
	var seeds []int64
	for p := 0; p < perGroup; p++ {
		var order []int
		switch q := perGroup - 1 - p; {
		case p < q:
			order = first
		case p == q:
			order = middle
		default:
			order = mirror(first)
		}
		for _, gi := range order {
			seeds = append(seeds, byPlace[gi][p])
		}
	}
	if _, err := checkTeams(seeds); err != nil {
		return nil, err
	}
	return seeds, nil
}
