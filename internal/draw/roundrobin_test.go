package draw

import (
	"errors"
	"reflect"
	"testing"
)

func ids(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(101 + 7*i)
	}
	return out
}

// TestRoundRobinProperties: for 2 to 60 teams, every pair meets exactly
// once, nobody plays twice in a round, each team has one bye when the
// number is odd and none when even, home and away are balanced, and the
// breaks are as few as possible.
func TestRoundRobinProperties(t *testing.T) {
	for n := 2; n <= 60; n++ {
		teams := ids(n)
		rounds, err := RoundRobin(teams)
		if err != nil {
			t.Fatal(err)
		}
		wantRounds := n - 1 + n%2
		if len(rounds) != wantRounds {
			t.Fatalf("n=%d: %d rounds, want %d", n, len(rounds), wantRounds)
		}
		met := map[[2]int64]int{}
		byes := map[int64]int{}
		home := map[int64]int{}
		last := map[int64]int{}
		breaks := 0
		for r, round := range rounds {
			seen := map[int64]bool{}
			for _, p := range round {
				for _, id := range []int64{p.Home, p.Away} {
					if id == Bye {
						continue
					}
					if seen[id] {
						t.Fatalf("n=%d round %d: %d plays twice", n, r+1, id)
					}
					seen[id] = true
				}
				if p.IsBye() {
					byes[p.Home]++
					continue
				}
				a, b := min(p.Home, p.Away), max(p.Home, p.Away)
				met[[2]int64{a, b}]++
				home[p.Home]++
				home[p.Away]--
				if last[p.Home] == 1 {
					breaks++
				}
				if last[p.Away] == -1 {
					breaks++
				}
				last[p.Home], last[p.Away] = 1, -1
			}
			if len(seen) != n {
				t.Fatalf("n=%d round %d: %d teams take part", n, r+1, len(seen))
			}
			// Round k alone is the same round.
			alone, err := RoundRobinRound(teams, r+1)
			if err != nil || !reflect.DeepEqual(alone, round) {
				t.Fatalf("n=%d: RoundRobinRound(%d) = %v, RoundRobin has %v", n, r+1, alone, round)
			}
		}
		if len(met) != n*(n-1)/2 {
			t.Fatalf("n=%d: %d pairs met, want %d", n, len(met), n*(n-1)/2)
		}
		for pair, c := range met {
			if c != 1 {
				t.Fatalf("n=%d: %v met %d times", n, pair, c)
			}
		}
		for _, id := range teams {
			if byes[id] != n%2 {
				t.Fatalf("n=%d: %d has %d byes", n, id, byes[id])
			}
			if d := home[id]; d > 1 || d < -1 {
				t.Fatalf("n=%d: %d home minus away = %d", n, id, d)
			}
		}
		if wantBreaks := (1 - n%2) * (n - 2); breaks != wantBreaks {
			t.Fatalf("n=%d: %d breaks, want %d", n, breaks, wantBreaks)
		}
	}
}

func TestRoundRobinSecondLeg(t *testing.T) {
	teams := ids(5)
	rounds, _ := RoundRobin(teams)
	for k := range rounds {
		second, err := RoundRobinRound(teams, k+1+len(rounds))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range rounds[k] {
			q := second[i]
			if p.IsBye() && q != p || !p.IsBye() && (q.Home != p.Away || q.Away != p.Home) {
				t.Fatalf("round %d game %d: %v then %v", k+1, i, p, q)
			}
		}
		third, _ := RoundRobinRound(teams, k+1+2*len(rounds))
		if !reflect.DeepEqual(third, rounds[k]) {
			t.Fatalf("third leg differs from the first")
		}
	}
}

func TestRoundRobinErrors(t *testing.T) {
	if _, err := RoundRobin([]int64{1}); !errors.Is(err, ErrTooFewTeams) {
		t.Errorf("one team: %v", err)
	}
	if _, err := RoundRobin([]int64{1, 2, 1}); !errors.Is(err, ErrTeams) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := RoundRobin([]int64{1, 0}); !errors.Is(err, ErrTeams) {
		t.Errorf("zero ID: %v", err)
	}
	if _, err := RoundRobinRound([]int64{1, 2}, 0); err == nil {
		t.Error("round 0 accepted")
	}
}
