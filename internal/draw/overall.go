package draw

import (
	"cmp"
	"fmt"
	"slices"
)

// Placing is a team's place in one discipline (1 the best; teams may share
// a place: 1, 2, 2, 4).
type Placing struct {
	TeamID int64 `json:"team_id"`
	Place  int   `json:"place"`
}

// Discipline is one event of a multi-discipline competition (a spartakiad:
// volleyball, chess, athletics…) with its final places. A team without a
// placing did not take part.
type Discipline struct {
	Key      string    `json:"key"`
	Placings []Placing `json:"placings"`
}

// Places turns a discipline's table into placings: a team's place is its
// Rank, so teams tied on everything share it.
func Places(rows []Row) []Placing {
	out := make([]Placing, len(rows))
	for i, r := range rows {
		out[i] = Placing{TeamID: r.TeamID, Place: r.Rank}
	}
	return out
}

// PlaceScoring says how places become the overall table.
type PlaceScoring struct {
	// Table gives the points for 1st, 2nd, … place (places beyond it get
	// 0) and the highest total wins. Empty: place points — a place is worth
	// its number (1st = 1) and the lowest total wins.
	Table []int `json:"table,omitempty"`
	// Absent is what a team gets in a discipline it did not take part in.
	// With place points, 0 means the number of teams + 1 (worse than the
	// last); with a table, 0 means 0.
	Absent int `json:"absent,omitempty"`
}

// OverallRow is one team's line in the overall table.
type OverallRow struct {
	TeamID int64 `json:"team_id"`
	Total  int   `json:"total"`
	// Places in each discipline, in the order given; 0 where absent.
	Places    []int     `json:"places"`
	Rank      int       `json:"rank"`     // shared only when the lot alone parts teams
	Position  int       `json:"position"` // unique, the lot ordering equal ranks
	DecidedBy Criterion `json:"decided_by,omitempty"`
}

// Overall ranks teams over several disciplines by place points. Ties on the
// total are broken by countback — more first places, then more second
// places, and so on — then by more disciplines taken part in, then by lot.
func Overall(teams []int64, disciplines []Discipline, scoring PlaceScoring, seed uint64) ([]OverallRow, error) {
	index, err := checkTeams(teams)
	if err != nil {
		return nil, err
	}
	n := len(teams)
	rows := make([]OverallRow, n)
	for i, id := range teams {
		rows[i] = OverallRow{TeamID: id, Places: make([]int, len(disciplines))}
	}
	for d, disc := range disciplines {
		seen := map[int64]bool{}
		for _, p := range disc.Placings {
			i, ok := index[p.TeamID]
			if !ok {
				return nil, fmt.Errorf("%w: %d in %q", ErrUnknownTeam, p.TeamID, disc.Key)
			}
			if seen[p.TeamID] || p.Place < 1 {
				return nil, fmt.Errorf("draw: %q: team %d placed twice or at place %d", disc.Key, p.TeamID, p.Place)
			}
			seen[p.TeamID] = true
			rows[i].Places[d] = p.Place
		}
	}
	lowWins := len(scoring.Table) == 0
	absent := scoring.Absent
	if absent == 0 && lowWins {
		absent = n + 1
	}
	for i := range rows {
		for _, place := range rows[i].Places {
			switch {
			case place == 0:
				rows[i].Total += absent
			case lowWins:
				rows[i].Total += place
			case place <= len(scoring.Table):
				rows[i].Total += scoring.Table[place-1]
			}
		}
	}

	// Criteria as comparisons, best first; equal under all but the lot is a
	// shared rank.
	count := func(r *OverallRow, place int) int {
		c := 0
		for _, p := range r.Places {
			if p == place {
				c++
			}
		}
		return c
	}
	maxPlace := 0
	for _, r := range rows {
		for _, p := range r.Places {
			maxPlace = max(maxPlace, p)
		}
	}
	type criterion struct {
		c       Criterion
		compare func(a, b *OverallRow) int // < 0: a better
	}
	criteria := []criterion{
		{ByTotal, func(a, b *OverallRow) int {
			if lowWins {
				return cmp.Compare(a.Total, b.Total)
			}
			return cmp.Compare(b.Total, a.Total)
		}},
		{ByCountback, func(a, b *OverallRow) int {
			for p := 1; p <= maxPlace; p++ {
				if c := cmp.Compare(count(b, p), count(a, p)); c != 0 {
					return c
				}
			}
			return 0
		}},
		{Participated, func(a, b *OverallRow) int { return cmp.Compare(count(a, 0), count(b, 0)) }},
		{ByLot, func(a, b *OverallRow) int {
			if c := cmp.Compare(Lot(seed, a.TeamID), Lot(seed, b.TeamID)); c != 0 {
				return c
			}
			return cmp.Compare(a.TeamID, b.TeamID)
		}},
	}
	order := make([]*OverallRow, n)
	for i := range rows {
		order[i] = &rows[i]
	}
	slices.SortFunc(order, func(a, b *OverallRow) int {
		for _, c := range criteria {
			if d := c.compare(a, b); d != 0 {
				return d
			}
		}
		return 0
	})
	out := make([]OverallRow, n)
	for pos, r := range order {
		r.Position, r.Rank = pos+1, pos+1
		if pos > 0 {
			prev := order[pos-1]
			for _, c := range criteria {
				if c.compare(prev, r) != 0 {
					r.DecidedBy = c.c
					break
				}
			}
			if r.DecidedBy == ByLot {
				r.Rank = out[pos-1].Rank
			}
		}
		out[pos] = *r
	}
	return out, nil
}
