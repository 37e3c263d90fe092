package draw

import (
	"errors"
	"fmt"
	"math/bits"
)

// OrgPolicy says how hard a Swiss draw keeps teams of one organization apart.
type OrgPolicy uint8

const (
	// OrgsAfterScores (the default) avoids games between teams of one
	// organization when that costs no team a place in its score group.
	OrgsAfterScores OrgPolicy = iota
	// OrgsBeforeScores avoids them even when teams must then play outside
	// their score group.
	OrgsBeforeScores
	// IgnoreOrgs does not look at organizations.
	IgnoreOrgs
)

// SwissOptions configure a Swiss draw.
type SwissOptions struct {
	Points    Points      // required: the zero value scores every result 0 and pairs as if nobody had won
	TieBreaks []Criterion // for the standings the draw follows; nil: SwissTieBreaks
	Seed      uint64      // ties in the standings, so the first round, are drawn by lot
	Orgs      OrgPolicy
}

// SwissDraw is a drawn round.
type SwissDraw struct {
	Round int // the number of the new round
	// Pairings in board order, the best-placed team's game first; a bye, if
	// any, last.
	Pairings []Pairing
	// SameOrg counts games between two teams of one organization that the
	// draw could not avoid.
	SameOrg int
	// CrossGroup counts games between teams of different score groups.
	CrossGroup int
	// Standings is the table the draw followed.
	Standings []Row
}

// Swiss draws the next round of a Swiss tournament from the games played so
// far (all of them, every round; every one must be done).
//
// Teams are ranked by Standings (points, then opts.TieBreaks, then lot). A
// score group is the teams with equal points. Among all pairings in which
// nobody meets an earlier opponent and, with an odd number of teams, one
// team that has not had a bye gets one, the draw takes the one that is best
// by, in order:
//
//  1. the bye to the lowest-ranked team that can have it;
//  2. the least sum over games of the squared distance between the two
//     teams' score groups (so teams play in their group, and a team that
//     must float meets the nearest group);
//  3. the fewest games between teams of one organization (before 2 with
//     OrgsBeforeScores, never with IgnoreOrgs);
//  4. within a group, the top half against the bottom half in order (1st
//     against the first of the bottom half: "slide"); a floater against the
//     nearest-ranked team of the other group.
//
// It is found exactly, as a maximum weight perfect matching (Edmonds'
// blossom algorithm) over the allowed games with these costs as weights;
// when no pairing without a rematch exists, Swiss returns ErrNoPairing.
//
// Sides: the team with fewer home games so far is at home; when equal, the
// one that was away in its last game; then the better-placed.
func Swiss(teams []Team, games []Game, opts SwissOptions) (SwissDraw, error) {
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	index, err := checkTeams(ids)
	if err != nil {
		return SwissDraw{}, err
	}
	if err := checkGames(index, games); err != nil {
		return SwissDraw{}, err
	}
	if err := CheckComplete(games); err != nil {
		return SwissDraw{}, err
	}
	if len(teams) < 2 {
		return SwissDraw{}, fmt.Errorf("%w: a Swiss round needs 2, has %d", ErrTooFewTeams, len(teams))
	}
	round := 1
	for _, g := range games {
		round = max(round, g.Round+1)
	}
	tieBreaks := opts.TieBreaks
	if tieBreaks == nil {
		tieBreaks = SwissTieBreaks
	}
	table, err := Standings(ids, games, StandingsOptions{Points: opts.Points, TieBreaks: tieBreaks, Seed: opts.Seed})
	if err != nil {
		return SwissDraw{}, err
	}
	// Withdrawn teams stay in the table but are paired no more: the draw
	// works on the others, in the table's order.
	rows := make([]Row, 0, len(table))
	for _, r := range table {
		if !teams[index[r.TeamID]].Withdrawn {
			rows = append(rows, r)
		}
	}
	n := len(rows)
	if n < 2 {
		return SwissDraw{}, fmt.Errorf("%w: a Swiss round needs 2, has %d", ErrTooFewTeams, n)
	}

	// Everything by standing position from here: vertex p is the team at
	// position p+1.
	team := make([]int64, n)
	org := make([]int64, n)
	pos := make(map[int64]int, n)
	for p, r := range rows {
		team[p] = r.TeamID
		org[p] = teams[index[r.TeamID]].Org
		pos[r.TeamID] = p
	}
	group := make([]int, n) // score group, 0 the top
	groupStart := []int{0}
	for p := 1; p < n; p++ {
		group[p] = group[p-1]
		if rows[p].Points != rows[p-1].Points {
			group[p]++
			groupStart = append(groupStart, p)
		}
	}
	groupStart = append(groupStart, n)

	met := make([]bool, n*n)
	hadBye := make([]bool, n)
	home := make([]int, n) // home games minus away games
	last := make([]int, n) // +1 home, -1 away in the latest game, 0 none
	lastRound := make([]int, n)
	for _, g := range games {
		h, okH := pos[g.Home]
		if g.IsBye() {
			if okH {
				hadBye[h] = true
			}
			continue
		}
		a, okA := pos[g.Away]
		if okH && okA {
			met[h*n+a], met[a*n+h] = true, true
		}
		if okH {
			home[h]++
			if g.Round >= lastRound[h] {
				last[h], lastRound[h] = 1, g.Round
			}
		}
		if okA {
			home[a]--
			if g.Round >= lastRound[a] {
				last[a], lastRound[a] = -1, g.Round
			}
		}
	}

	// Costs, level by level; weights put them in lexicographic order.
	orderCost := func(a, b int) int64 { // a < b
		if group[a] == group[b] {
			size := groupStart[group[a]+1] - groupStart[group[a]]
			return int64(abs(b - a - size/2))
		}
		return int64(b - a - 1)
	}
	type cand struct {
		a, b int // b == n: the bye
		cost [levels]int64
	}
	var cands []cand
	var maxEdge [levels]int64
	for a := range n {
		for b := a + 1; b < n; b++ {
			if met[a*n+b] {
				continue
			}
			var c cand
			c.a, c.b = a, b
			d := int64(group[b] - group[a])
			c.cost[lvScore] = d * d
			if opts.Orgs != IgnoreOrgs && org[a] != 0 && org[a] == org[b] {
				c.cost[lvOrg] = 1
			}
			c.cost[lvOrder] = orderCost(a, b)
			cands = append(cands, c)
		}
	}
	if n%2 == 1 {
		for a := range n {
			if !hadBye[a] {
				var c cand
				c.a, c.b = a, n
				c.cost[lvBye] = int64(n - 1 - a)
				cands = append(cands, c)
			}
		}
	}
	for _, c := range cands {
		for l := range levels {
			maxEdge[l] = max(maxEdge[l], c.cost[l])
		}
	}
	priority := []int{lvBye, lvScore, lvOrg, lvOrder}
	if opts.Orgs == OrgsBeforeScores {
		priority = []int{lvBye, lvOrg, lvScore, lvOrder}
	}
	unit, top, err := pairingUnits(maxEdge, priority, int64((n+1)/2))
	if err != nil {
		return SwissDraw{}, fmt.Errorf("%w: %d teams: %w", ErrTooLarge, n, err)
	}
	edges := make([]wedge, len(cands))
	for k, c := range cands {
		var cost int64
		for l := range levels {
			cost += unit[l] * c.cost[l]
		}
		edges[k] = wedge{c.a, c.b, top + 1 - cost}
	}

	vertices := n + n%2
	mate := maxWeightMatching(vertices, edges, true)
	unpaired := 0
	for _, m := range mate {
		if m < 0 {
			unpaired++
		}
	}
	if unpaired > 0 {
		return SwissDraw{}, fmt.Errorf("%w: round %d: at best %d of %d teams can be paired with someone new",
			ErrNoPairing, round, vertices-unpaired-n%2, n)
	}

	d := SwissDraw{Round: round, Standings: table}
	var bye *Pairing
	for a := range n {
		b := mate[a]
		if b < a {
			continue // drawn from the other end, or a is the bye's partner below
		}
		if b == n {
			bye = &Pairing{Home: team[a], Away: Bye}
			continue
		}
		if org[a] != 0 && org[a] == org[b] {
			d.SameOrg++
		}
		if group[a] != group[b] {
			d.CrossGroup++
		}
		h, w := a, b // a is better placed
		switch {
		case home[b] < home[a]:
			h, w = b, a
		case home[b] == home[a] && last[b] == -1 && last[a] != -1:
			h, w = b, a
		}
		d.Pairings = append(d.Pairings, Pairing{Home: team[h], Away: team[w]}) // in order of a: board order
	}
	if bye != nil {
		d.Pairings = append(d.Pairings, *bye)
	}
	return d, nil
}

// The levels of a Swiss pairing's cost, most important first by default.
const (
	lvBye = iota
	lvScore
	lvOrg
	lvOrder
	levels
)

// weightLimit keeps every edge weight, and so the blossom algorithm's duals
// and slacks (at most twice a weight), far from int64's end.
const weightLimit = 1 << 60

// pairingUnits returns each level's unit and the largest edge cost, such
// that one unit of a level outweighs the largest possible sum of all less
// important levels over a round: priority lists the levels, most important
// first; maxEdge is each level's largest cost on one edge; a round has
// games games and at most one bye. An error means the costs do not fit.
func pairingUnits(maxEdge [levels]int64, priority []int, games int64) (unit [levels]int64, top int64, err error) {
	mul := func(x, y int64) (int64, bool) {
		hi, lo := bits.Mul64(uint64(x), uint64(y))
		return int64(lo), hi == 0 && lo < weightLimit
	}
	var acc int64 // Σ unit·(largest total in a round) of the less important levels
	for k := len(priority) - 1; k >= 0; k-- {
		l := priority[k]
		unit[l] = acc + 1
		perRound := games
		if l == lvBye {
			perRound = 1
		}
		total, ok1 := mul(maxEdge[l], perRound)
		add, ok2 := mul(unit[l], total)
		if !ok1 || !ok2 || acc+add >= weightLimit {
			return unit, 0, errors.New("pairing weights overflow")
		}
		acc += add
	}
	for l := range levels {
		c, _ := mul(unit[l], maxEdge[l])
		top += c // ≤ acc < weightLimit
	}
	return unit, top, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
