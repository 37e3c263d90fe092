// Package draw makes competition draws and standings: round robin (circle
// method), Swiss rounds (pairing by standing without rematches, by maximum
// weight matching), seeded knockout brackets, standings with documented
// tie-breaks, and a multi-discipline (spartakiad) table by place points.
//
// It is pure: no database, no clock, no global randomness. Every draw by lot
// comes from a seed the caller stores with the round, so a round can be
// re-derived and explained.
//
// Teams are identified by positive int64 IDs. A Pairing with Away == 0 is a
// bye for Home. A Game is a pairing with its result.
//
// See docs/decisions/0080-draws-and-standings.md.
package draw

import (
	"errors"
	"fmt"
)

// Bye is the Away of a pairing in which Home has no opponent.
const Bye int64 = 0

// Pairing is one game of a round. Home plays at home (or, in debates, on the
// first side).
type Pairing struct {
	Home       int64 `json:"home"`
	Away       int64 `json:"away"`                  // Bye: Home has a bye
	ThirdPlace bool  `json:"third_place,omitempty"` // knockout: the match for third place
}

// IsBye reports whether p is a bye.
func (p Pairing) IsBye() bool { return p.Away == Bye }

// Game is a pairing of a round with its result.
type Game struct {
	Pairing
	Round     int     `json:"round"` // 1-based
	HomeScore float64 `json:"home_score"`
	AwayScore float64 `json:"away_score"`
	// Winner, when set, decides the game whatever the scores: penalties, a
	// panel's decision in a debate, a walkover. 0: the higher score wins,
	// equal scores are a draw.
	Winner int64 `json:"winner,omitempty"`
	Done   bool  `json:"done"` // the result is in; byes are always done
	// Forfeit: the game was not played (a team did not show up or
	// withdrew); Winner won it. It counts as a win and a loss for points,
	// head-to-head and Buchholz, but its scores count in no table (score
	// difference, scores for): a walkover's 3:0 is not goals scored.
	Forfeit bool `json:"forfeit,omitempty"`
	// DoubleForfeit: neither team showed up (Winner 0, scores ignored).
	// Both lose: a loss (and a forfeit lost) for each, no points for
	// either, no scores in any table; it counts as a game between them for
	// Buchholz and for the Swiss no-rematch rule (they were paired), and
	// as nothing in head-to-head. A knockout game cannot end so: it needs a
	// winner (ErrUndecided).
	DoubleForfeit bool `json:"double_forfeit,omitempty"`
}

// Outcome returns the game's winner and loser, or draw; a bye is won by
// Home. The result of a game that is not done is meaningless.
// A double forfeit has neither a winner nor a draw: 0, 0, false.
func (g Game) Outcome() (winner, loser int64, draw bool) {
	switch {
	case g.DoubleForfeit && !g.IsBye():
		return 0, 0, false
	case g.IsBye():
		return g.Home, Bye, false
	case g.Winner == g.Home:
		return g.Home, g.Away, false
	case g.Winner == g.Away:
		return g.Away, g.Home, false
	case g.HomeScore > g.AwayScore:
		return g.Home, g.Away, false
	case g.AwayScore > g.HomeScore:
		return g.Away, g.Home, false
	}
	return 0, 0, true
}

func (g Game) complete() bool { return g.Done || g.IsBye() }

// Team is a participant of a Swiss draw.
type Team struct {
	ID int64
	// Org is the organization the team comes from (a college, a school):
	// two teams of one organization are kept apart where the draw allows.
	// 0: none.
	Org int64
	// Withdrawn teams keep their games and their place in the table but are
	// not paired again.
	Withdrawn bool
}

// Errors. Functions wrap them with details; test with errors.Is.
var (
	ErrTeams           = errors.New("draw: team IDs must be positive and distinct")
	ErrUnknownTeam     = errors.New("draw: a game names a team that is not in the competition")
	ErrTooFewTeams     = errors.New("draw: too few teams")
	ErrRoundIncomplete = errors.New("draw: the last round is not complete")
	ErrNoPairing       = errors.New("draw: no pairing without a rematch exists")
	ErrUndecided       = errors.New("draw: a knockout game has no winner")
	ErrBracket         = errors.New("draw: the games are not a round of a bracket")
	ErrFinished        = errors.New("draw: the final has been played")
	ErrTooLarge        = errors.New("draw: too many teams")
)

// checkTeams returns an index of ids, or ErrTeams.
func checkTeams(ids []int64) (map[int64]int, error) {
	index := make(map[int64]int, len(ids))
	for i, id := range ids {
		if id <= 0 {
			return nil, fmt.Errorf("%w: %d", ErrTeams, id)
		}
		if _, dup := index[id]; dup {
			return nil, fmt.Errorf("%w: %d twice", ErrTeams, id)
		}
		index[id] = i
	}
	return index, nil
}

// checkGames makes sure every game names known teams.
func checkGames(index map[int64]int, games []Game) error {
	for _, g := range games {
		if _, ok := index[g.Home]; !ok {
			return fmt.Errorf("%w: %d (round %d)", ErrUnknownTeam, g.Home, g.Round)
		}
		if _, ok := index[g.Away]; !ok && g.Away != Bye {
			return fmt.Errorf("%w: %d (round %d)", ErrUnknownTeam, g.Away, g.Round)
		}
		if g.Home == g.Away {
			return fmt.Errorf("%w: %d plays itself (round %d)", ErrUnknownTeam, g.Home, g.Round)
		}
	}
	return nil
}

// CheckComplete returns ErrRoundIncomplete, with the round and how many of
// its games wait for a result, when any game is not done; the next round
// must not be drawn before.
func CheckComplete(games []Game) error {
	pending, round := 0, 0
	for _, g := range games {
		if !g.complete() {
			pending++
			round = max(round, g.Round)
		}
	}
	if pending > 0 {
		return fmt.Errorf("%w: %d games of round %d have no result", ErrRoundIncomplete, pending, round)
	}
	return nil
}

// mix is SplitMix64's output function; lot is the seeded number that
// orders teams a draw by lot cannot otherwise separate (smaller first).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Lot is the seeded lottery number of a team: SplitMix64's finalizer of
// seed XOR SplitMix64(id). In a draw by lot the smaller number goes first.
func Lot(seed uint64, id int64) uint64 { return mix(seed ^ mix(uint64(id))) }
