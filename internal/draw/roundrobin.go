package draw

import "fmt"

// RoundRobin returns every round of a round robin by the circle method,
// teams in the order given: n-1 rounds for an even number of teams, n for
// an odd number (each team has one bye, the rounds are otherwise full).
// Every pair meets once. Home and away are balanced: each team is at home
// as often as away, or once more or less; with an even number of teams
// there are n-2 breaks (two home or two away games in a row) in all, the
// fewest possible, and none with an odd number.
func RoundRobin(teams []int64) ([][]Pairing, error) {
	n, err := roundRobinSize(teams)
	if err != nil {
		return nil, err
	}
	rounds := make([][]Pairing, n-1)
	for r := range rounds {
		rounds[r] = roundRobinRound(teams, n, r)
	}
	return rounds, nil
}

// RoundRobinRound returns round k (1-based) of RoundRobin. Rounds after the
// last one continue with a second leg, the same rounds with home and away
// swapped, then a third like the first, and so on.
func RoundRobinRound(teams []int64, k int) ([]Pairing, error) {
	n, err := roundRobinSize(teams)
	if err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, fmt.Errorf("draw: round %d of a round robin", k)
	}
	leg, r := (k-1)/(n-1), (k-1)%(n-1)
	ps := roundRobinRound(teams, n, r)
	if leg%2 == 1 {
		for i := range ps {
			if !ps[i].IsBye() {
				ps[i].Home, ps[i].Away = ps[i].Away, ps[i].Home
			}
		}
	}
	return ps, nil
}

// roundRobinSize checks teams and returns the circle's size (even).
func roundRobinSize(teams []int64) (int, error) {
	if _, err := checkTeams(teams); err != nil {
		return 0, err
	}
	if len(teams) < 2 {
		return 0, fmt.Errorf("%w: a round robin needs 2, has %d", ErrTooFewTeams, len(teams))
	}
	return len(teams) + len(teams)%2, nil
}

// roundRobinRound is round r (0-based) of the circle: the last place is
// fixed, the others turn by one each round. With places p(i) = (i + r) mod
// (n-1), the games are p(0) against the fixed place and p(i) against p(-i).
// Sides follow de Werra's canonical orientation: p(0) is at home in even
// rounds, p(i) is at home when i is odd and p(-i) when i is even.
// An odd number of teams has an empty place n-1: its opponent has a bye.
func roundRobinRound(teams []int64, n, r int) []Pairing {
	team := func(place int) int64 {
		if place < len(teams) {
			return teams[place]
		}
		return Bye
	}
	ps := make([]Pairing, 0, n/2)
	var bye *Pairing
	for i := range n / 2 {
		var a, b int
		if i == 0 {
			a, b = r%(n-1), n-1
			if r%2 == 1 {
				a, b = b, a
			}
		} else {
			a, b = (r+i)%(n-1), (r-i+n-1)%(n-1)
			if i%2 == 0 {
				a, b = b, a
			}
		}
		p := Pairing{Home: team(a), Away: team(b)}
		if p.Home == Bye {
			p.Home, p.Away = p.Away, Bye
		}
		if p.IsBye() {
			bye = &p
			continue
		}
		ps = append(ps, p)
	}
	if bye != nil {
		ps = append(ps, *bye) // the bye last
	}
	return ps
}
