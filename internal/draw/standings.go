package draw

import (
	"cmp"
	"fmt"
	"slices"
)

// Points are what a result is worth.
type Points struct {
	Win, Draw, Loss int
	Bye             int // a bye: usually as much as a win
}

// Common point systems.
var (
	Football = Points{Win: 3, Draw: 1, Loss: 0, Bye: 3} // and most team sports
	Chess    = Points{Win: 2, Draw: 1, Loss: 0, Bye: 2} // in half-points
	Debate   = Points{Win: 1, Draw: 0, Loss: 0, Bye: 1} // ranks by wins
)

// Criterion names what orders two teams in a table. Codes are stable, for
// storage and translation.
type Criterion string

const (
	ByPoints     Criterion = "points"           // always first
	HeadToHead   Criterion = "head_to_head"     // points in the games among the tied teams only
	ScoreDiff    Criterion = "score_difference" // scores for minus against, all games
	ScoresFor    Criterion = "scores_for"       // goals, speaker points…
	Buchholz     Criterion = "buchholz"         // the sum of the opponents' points (Swiss)
	Wins         Criterion = "wins"             // number of games won
	ByLot        Criterion = "lots"             // a seeded draw; always last
	ByTotal      Criterion = "total"            // spartakiad: place points
	ByCountback  Criterion = "countback"        // spartakiad: more first places, then second…
	Participated Criterion = "disciplines"      // spartakiad: more disciplines with a place
)

// Tie-break orders. Points come before and the lot after any of them.
var (
	DefaultTieBreaks = []Criterion{HeadToHead, ScoreDiff, ScoresFor}
	SwissTieBreaks   = []Criterion{HeadToHead, ScoreDiff, ScoresFor, Buchholz}
)

// StandingsOptions say how a table is ordered.
type StandingsOptions struct {
	Points    Points      // required: the zero value scores every result 0 (Football, Chess, Debate or your own)
	TieBreaks []Criterion // nil: DefaultTieBreaks; head-to-head, score difference, scores for, Buchholz, wins
	Seed      uint64      // for the draw by lot that ends every tie
}

// Row is one team's line in a table.
type Row struct {
	TeamID        int64   `json:"team_id"`
	Played        int     `json:"played"` // games with a result, byes not counted
	Won           int     `json:"won"`
	Drawn         int     `json:"drawn"`
	Lost          int     `json:"lost"`
	Byes          int     `json:"byes"`
	ForfeitsWon   int     `json:"forfeits_won"`  // of Won: games the opponent did not play
	ForfeitsLost  int     `json:"forfeits_lost"` // of Lost: games this team did not play
	Points        int     `json:"points"`
	ScoresFor     float64 `json:"scores_for"`
	ScoresAgainst float64 `json:"scores_against"`
	Buchholz      int     `json:"buchholz"`
	// Rank is the sporting place: equal for teams equal on points and on
	// every tie-break (the lot does not part them).
	Rank int `json:"rank"`
	// Position is 1…n, unique: the lot orders teams of equal Rank. Use it
	// where one order is needed (seeding, qualification).
	Position int `json:"position"`
	// DecidedBy is what put this team below the one above: ByPoints, a
	// tie-break, or ByLot (then Rank is shared). "" for the first row.
	DecidedBy Criterion `json:"decided_by,omitempty"`
}

// Standings returns the table of teams after the games that are done (byes
// count as done), best first. Ties on points are broken by opts.TieBreaks in
// order, then by lot. Head-to-head works as in most football rules: the
// points of the games among the tied teams alone; when it parts some of
// them, the teams still level are compared again among themselves alone,
// and only when it parts none of them does the next tie-break apply.
// The result does not depend on the order of teams or games.
func Standings(teams []int64, games []Game, opts StandingsOptions) ([]Row, error) {
	index, err := checkTeams(teams)
	if err != nil {
		return nil, err
	}
	if err := checkGames(index, games); err != nil {
		return nil, err
	}
	tieBreaks := opts.TieBreaks
	if tieBreaks == nil {
		tieBreaks = DefaultTieBreaks
	}
	for _, c := range tieBreaks {
		switch c {
		case HeadToHead, ScoreDiff, ScoresFor, Buchholz, Wins:
		default:
			return nil, fmt.Errorf("draw: %q is not a tie-break", c)
		}
	}
	t := newTable(teams, index, games, opts.Points)
	criteria := append(append([]Criterion{ByPoints}, tieBreaks...), ByLot)
	order := make([]int, len(teams))
	for i := range order {
		order[i] = i
	}
	t.sort(order, criteria, opts.Seed)

	out := make([]Row, len(teams))
	for pos, i := range order {
		r := t.rows[i]
		r.Position = pos + 1
		r.DecidedBy = t.decided[i]
		r.Rank = pos + 1
		if pos > 0 && r.DecidedBy == ByLot {
			r.Rank = out[pos-1].Rank
		}
		out[pos] = r
	}
	return out, nil
}

// table holds the rows being ordered and what the tie-breaks need.
type table struct {
	rows    []Row
	points  Points
	index   map[int64]int
	games   []Game // done, byes excluded
	decided []Criterion
}

func newTable(teams []int64, index map[int64]int, games []Game, pts Points) *table {
	t := &table{rows: make([]Row, len(teams)), points: pts, index: index, decided: make([]Criterion, len(teams))}
	for i, id := range teams {
		t.rows[i].TeamID = id
	}
	var opponents [][2]int
	for _, g := range games {
		if !g.complete() {
			continue
		}
		h := &t.rows[index[g.Home]]
		if g.IsBye() {
			h.Byes++
			h.Points += pts.Bye
			continue
		}
		t.games = append(t.games, g)
		a := &t.rows[index[g.Away]]
		h.Played++
		a.Played++
		if g.DoubleForfeit {
			// Neither showed up: both lose, no points, no scores.
			h.Lost++
			a.Lost++
			h.ForfeitsLost++
			a.ForfeitsLost++
			opponents = append(opponents, [2]int{index[g.Home], index[g.Away]})
			continue
		}
		win, _, draw := g.Outcome()
		if g.Forfeit && !draw {
			// A walkover counts as a win and a loss, not as scores.
			if win == g.Home {
				h.ForfeitsWon++
				a.ForfeitsLost++
			} else {
				a.ForfeitsWon++
				h.ForfeitsLost++
			}
		} else {
			h.ScoresFor += g.HomeScore
			h.ScoresAgainst += g.AwayScore
			a.ScoresFor += g.AwayScore
			a.ScoresAgainst += g.HomeScore
		}
		switch {
		case draw:
			h.Drawn++
			a.Drawn++
			h.Points += pts.Draw
			a.Points += pts.Draw
		case win == g.Home:
			h.Won++
			a.Lost++
			h.Points += pts.Win
			a.Points += pts.Loss
		default:
			a.Won++
			h.Lost++
			a.Points += pts.Win
			h.Points += pts.Loss
		}
		opponents = append(opponents, [2]int{index[g.Home], index[g.Away]})
	}
	for _, o := range opponents {
		t.rows[o[0]].Buchholz += t.rows[o[1]].Points
		t.rows[o[1]].Buchholz += t.rows[o[0]].Points
	}
	return t
}

// key is team i's value for criterion c within group (higher is better).
func (t *table) keys(group []int, c Criterion, seed uint64) []float64 {
	keys := make([]float64, len(group))
	switch c {
	case HeadToHead:
		in := make(map[int]int, len(group))
		for k, i := range group {
			in[i] = k
		}
		for _, g := range t.games {
			kh, okh := in[t.index[g.Home]]
			ka, oka := in[t.index[g.Away]]
			if !okh || !oka || g.DoubleForfeit {
				continue
			}
			win, _, draw := g.Outcome()
			switch {
			case draw:
				keys[kh] += float64(t.points.Draw)
				keys[ka] += float64(t.points.Draw)
			case win == g.Home:
				keys[kh] += float64(t.points.Win)
				keys[ka] += float64(t.points.Loss)
			default:
				keys[ka] += float64(t.points.Win)
				keys[kh] += float64(t.points.Loss)
			}
		}
		return keys
	case ByLot:
		// Smaller lot first: order by its complement, ties (never, in
		// practice) by the smaller ID.
		for k, i := range group {
			keys[k] = -float64(Lot(seed, t.rows[i].TeamID) >> 11) // exact in a float64
		}
		return keys
	}
	for k, i := range group {
		r := &t.rows[i]
		switch c {
		case ByPoints:
			keys[k] = float64(r.Points)
		case ScoreDiff:
			keys[k] = r.ScoresFor - r.ScoresAgainst
		case ScoresFor:
			keys[k] = r.ScoresFor
		case Buchholz:
			keys[k] = float64(r.Buchholz)
		case Wins:
			keys[k] = float64(r.Won)
		}
	}
	return keys
}

// sort orders group (indices into rows) by criteria, best first, in place,
// and records in decided what parted each team from the one above.
func (t *table) sort(group []int, criteria []Criterion, seed uint64) {
	if len(group) < 2 {
		return
	}
	c := criteria[0]
	keys := t.keys(group, c, seed)
	type item struct {
		i   int
		key float64
		id  int64
	}
	items := make([]item, len(group))
	for k, i := range group {
		items[k] = item{i, keys[k], t.rows[i].TeamID}
	}
	slices.SortFunc(items, func(a, b item) int {
		if d := cmp.Compare(b.key, a.key); d != 0 {
			return d
		}
		return cmp.Compare(a.id, b.id) // only for a stable layout; equal keys are ordered below
	})
	for k := range items {
		group[k] = items[k].i
	}
	for lo := 0; lo < len(items); {
		hi := lo + 1
		for hi < len(items) && items[hi].key == items[lo].key {
			hi++
		}
		sub := group[lo:hi]
		switch {
		case len(sub) == 1 || c == ByLot:
		case c == HeadToHead && len(sub) < len(group):
			t.sort(sub, criteria, seed) // again, among fewer teams
		default:
			t.sort(sub, criteria[1:], seed)
		}
		// Only now is sub in its final order: its first team is the one c
		// put below the teams before it.
		if lo > 0 {
			t.decided[sub[0]] = c
		}
		lo = hi
	}
}
