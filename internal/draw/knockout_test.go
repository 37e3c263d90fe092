package draw

import (
	"errors"
	"slices"
	"testing"
)

func TestSeedOrder(t *testing.T) {
	if got := SeedOrder(8); !slices.Equal(got, []int{1, 8, 4, 5, 2, 7, 3, 6}) {
		t.Fatalf("SeedOrder(8) = %v", got)
	}
	for size := 1; size <= 256; size *= 2 {
		order := SeedOrder(size)
		sorted := slices.Clone(order)
		slices.Sort(sorted)
		for i, s := range sorted {
			if s != i+1 {
				t.Fatalf("size %d: not a permutation: %v", size, order)
			}
		}
		// Seed s meets size+1-s first; in every block of 2^k places, the
		// best seed is one of the top size/2^k: top seeds meet last.
		for i := 0; i+1 < size; i += 2 {
			if order[i]+order[i+1] != size+1 {
				t.Fatalf("size %d: %d meets %d first", size, order[i], order[i+1])
			}
		}
		for block := 2; block <= size; block *= 2 {
			blocks := size / block
			for b := 0; b < size; b += block {
				if best := slices.Min(order[b : b+block]); best > blocks {
					t.Fatalf("size %d: a block of %d has best seed %d, more than %d", size, block, best, blocks)
				}
			}
		}
	}
}

// play decides a round: the better seed (smaller rank in seedRank) wins.
func play(round []Pairing, seedRank map[int64]int, r int) []Game {
	games := make([]Game, len(round))
	for i, p := range round {
		g := Game{Pairing: p, Round: r, Done: true}
		if !p.IsBye() {
			if seedRank[p.Home] < seedRank[p.Away] {
				g.HomeScore = 2
			} else {
				g.AwayScore = 2
			}
		}
		games[i] = g
	}
	return games
}

// TestKnockoutProperties: for 2 to 70 teams the bracket is a power of two,
// every team is in it once, the byes go to the top seeds, and when the
// better seed always wins, round r holds exactly the best size/2^r seeds
// and the final is 1 against 2.
func TestKnockoutProperties(t *testing.T) {
	for n := 2; n <= 70; n++ {
		seeds := ids(n)
		rank := map[int64]int{}
		for i, id := range seeds {
			rank[id] = i + 1
		}
		first, err := Knockout(seeds)
		if err != nil {
			t.Fatal(err)
		}
		size := 2 * len(first)
		if size&(size-1) != 0 || size < n || size >= 2*n {
			t.Fatalf("n=%d: bracket of %d", n, size)
		}
		seen := map[int64]bool{}
		var byes []int
		for _, p := range first {
			for _, id := range []int64{p.Home, p.Away} {
				if id != Bye {
					if seen[id] {
						t.Fatalf("n=%d: %d twice", n, id)
					}
					seen[id] = true
				}
			}
			if p.Home == Bye {
				t.Fatalf("n=%d: a bye at home", n)
			}
			if p.IsBye() {
				byes = append(byes, rank[p.Home])
			} else if rank[p.Home] > rank[p.Away] {
				t.Fatalf("n=%d: the lower seed at home in %v", n, p)
			}
		}
		slices.Sort(byes)
		for i, s := range byes {
			if s != i+1 {
				t.Fatalf("n=%d: byes to seeds %v", n, byes)
			}
		}
		if len(seen) != n || len(byes) != size-n {
			t.Fatalf("n=%d: %d teams, %d byes", n, len(seen), len(byes))
		}

		round, r := first, 1
		for {
			games := play(round, rank, r)
			next, err := NextKnockoutRound(games, true)
			if errors.Is(err, ErrFinished) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			round, r = next, r+1
			var in []int
			for _, p := range round {
				if !p.ThirdPlace {
					in = append(in, rank[p.Home], rank[p.Away])
				}
			}
			slices.Sort(in)
			for i, s := range in {
				if s != i+1 {
					t.Fatalf("n=%d round %d: seeds %v", n, r, in)
				}
			}
		}
		if f := round[0]; rank[f.Home]+rank[f.Away] != 3 {
			t.Fatalf("n=%d: final %v", n, f)
		}
		third := n >= 4 // with 3, a semi-final is a bye: byes are spent in the first round
		if got := len(round) == 2 && round[1].ThirdPlace; got != third {
			t.Fatalf("n=%d: third place match %v, want %v: %v", n, got, third, round)
		}
		if third && rank[round[1].Home]+rank[round[1].Away] != 7 {
			t.Fatalf("n=%d: third place %v", n, round[1])
		}
	}
}

func TestNextKnockoutRoundErrors(t *testing.T) {
	g := func(h, a int64, hs, as float64, done bool) Game {
		return Game{Pairing: Pairing{Home: h, Away: a}, HomeScore: hs, AwayScore: as, Done: done}
	}
	if _, err := NextKnockoutRound([]Game{g(1, 2, 1, 1, true), g(3, 4, 2, 0, true)}, false); !errors.Is(err, ErrUndecided) {
		t.Errorf("a draw: %v", err)
	}
	drawn := g(1, 2, 1, 1, true)
	drawn.Winner = 2 // on penalties
	next, err := NextKnockoutRound([]Game{drawn, g(3, 4, 2, 0, true)}, true)
	if err != nil || !slices.Equal(next, []Pairing{{Home: 2, Away: 3}, {Home: 1, Away: 4, ThirdPlace: true}}) {
		t.Errorf("after penalties: %v %v", next, err)
	}
	if _, err := NextKnockoutRound([]Game{g(1, 2, 1, 0, true), g(3, 4, 0, 0, false)}, false); !errors.Is(err, ErrRoundIncomplete) {
		t.Errorf("incomplete: %v", err)
	}
	if _, err := NextKnockoutRound([]Game{g(1, 2, 1, 0, true), g(3, 4, 1, 0, true), g(5, 6, 1, 0, true)}, false); !errors.Is(err, ErrBracket) {
		t.Errorf("three games: %v", err)
	}
	final := g(2, 3, 1, 0, true)
	third := g(1, 4, 1, 0, true)
	third.ThirdPlace = true
	if _, err := NextKnockoutRound([]Game{final, third}, true); !errors.Is(err, ErrFinished) {
		t.Errorf("after the final: %v", err)
	}
	if _, err := Knockout([]int64{5}); !errors.Is(err, ErrTooFewTeams) {
		t.Errorf("one team: %v", err)
	}
}

func TestQualifiers(t *testing.T) {
	teams := ids(6)
	// Teams 0 and 1 win everything against the rest and draw each other;
	// 2–5 lose to them and draw among themselves: 2 fully tied at the top,
	// 4 fully tied below.
	var games []Game
	for i := range teams {
		for j := i + 1; j < len(teams); j++ {
			g := Game{Pairing: Pairing{Home: teams[i], Away: teams[j]}, Round: 1, Done: true}
			if i < 2 && j >= 2 {
				g.HomeScore = 1
			}
			games = append(games, g)
		}
	}
	rows, err := Standings(teams, games, StandingsOptions{Points: Football, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	seeds, tied, err := Qualifiers(rows, 2)
	if err != nil || tied || len(seeds) != 2 || !slices.Contains(seeds, teams[0]) || !slices.Contains(seeds, teams[1]) {
		t.Fatalf("top 2: %v %v %v", seeds, tied, err)
	}
	if seeds, tied, _ = Qualifiers(rows, 3); !tied || len(seeds) != 3 {
		t.Fatalf("top 3 cuts a tie of four: %v %v", seeds, tied)
	}
	if _, _, err := Qualifiers(rows, 7); !errors.Is(err, ErrTooFewTeams) {
		t.Errorf("7 of 6: %v", err)
	}

	groups := [][]Row{
		{{TeamID: 1, Position: 1, Points: 9}, {TeamID: 2, Position: 2, Points: 6}, {TeamID: 3, Position: 3}},
		{{TeamID: 4, Position: 2, Points: 4}, {TeamID: 5, Position: 1, Points: 7}, {TeamID: 6, Position: 3}},
	}
	got, err := GroupQualifiers(groups, 2, 1)
	if err != nil || !slices.Equal(got, []int64{1, 5, 2, 4}) {
		t.Fatalf("groups: %v %v", got, err)
	}
}
