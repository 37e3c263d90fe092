package draw

import (
	"errors"
	"slices"
	"testing"
)

// A forfeit counts as a win for points but its walkover score counts in no
// table: score difference and scores for come from games played.
func TestStandingsForfeit(t *testing.T) {
	const a, b, c = 1, 2, 3
	walkover := game(1, a, c, 3, 0)
	walkover.Winner, walkover.Forfeit = a, true
	games := []Game{walkover, game(1, b, c, 1, 0), game(2, a, b, 1, 1)}
	rows, err := Standings([]int64{a, b, c}, games, StandingsOptions{Points: Football})
	if err != nil {
		t.Fatal(err)
	}
	// a and b: 4 points each; b's difference +1 (played), a's 0 (the 3:0 walkover does not count).
	if got := order(rows); !slices.Equal(got, []int64{b, a, c}) {
		t.Fatalf("order %v", got)
	}
	ra, rc := rows[1], rows[2]
	if ra.Won != 1 || ra.ForfeitsWon != 1 || ra.Points != 4 || ra.ScoresFor != 1 || ra.ScoresAgainst != 1 {
		t.Fatalf("a: %+v", ra)
	}
	if rc.Lost != 2 || rc.ForfeitsLost != 1 || rc.ScoresAgainst != 1 {
		t.Fatalf("c: %+v", rc)
	}
	if rows[1].DecidedBy != ScoreDiff {
		t.Fatalf("a below b by %q", rows[1].DecidedBy)
	}
}

// A withdrawn team keeps its place in the table the draw follows but is
// paired no more; with it gone the field of five is even and has no bye.
func TestSwissWithdrawn(t *testing.T) {
	teams := []Team{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}, {ID: 5, Withdrawn: true}}
	games := []Game{game(1, 1, 2, 1, 0), game(1, 3, 4, 1, 0), {Pairing: Pairing{Home: 5}, Round: 1, Done: true}}
	d, err := Swiss(teams, games, SwissOptions{Points: Football, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Pairings) != 2 || len(d.Standings) != 5 {
		t.Fatalf("draw %+v", d)
	}
	for _, p := range d.Pairings {
		if p.Home == 5 || p.Away == 5 || p.IsBye() {
			t.Fatalf("pairing %+v", p)
		}
	}
	teams[0].Withdrawn, teams[1].Withdrawn, teams[2].Withdrawn = true, true, true
	if _, err := Swiss(teams, games, SwissOptions{Points: Football}); err == nil {
		t.Fatal("one team left was paired")
	}
}

func groupTable(ids ...int64) []Row {
	rows := make([]Row, len(ids))
	for i, id := range ids {
		rows[i] = Row{TeamID: id, Position: i + 1, Rank: i + 1}
	}
	return rows
}

// Crossed seeding: Knockout's bracket puts A1 v B2, B1 v A2 (and C1 v D2,
// D1 v C2), never two teams of one group in the first round, and the
// winners of partner groups in different halves.
func TestCrossedGroupSeeds(t *testing.T) {
	// Team id = 10*group + place.
	mk := func(groups, per int) [][]Row {
		var out [][]Row
		for g := 1; g <= groups; g++ {
			var ids []int64
			for p := 1; p <= 4; p++ {
				ids = append(ids, int64(10*g+p))
			}
			out = append(out, groupTable(ids...))
		}
		return out
	}
	for _, tc := range []struct{ groups, per int }{{2, 1}, {2, 2}, {2, 4}, {4, 1}, {4, 2}, {4, 4}, {8, 2}, {8, 1}} {
		seeds, err := CrossedGroupSeeds(mk(tc.groups, tc.per), tc.per, 1)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := Knockout(seeds)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != tc.groups*tc.per/2 {
			t.Fatalf("%+v: %d games", tc, len(ps))
		}
		for _, p := range ps {
			gh, ga := (p.Home/10 - 1), (p.Away/10 - 1)
			ph, pa := int(p.Home%10), int(p.Away%10)
			if gh^1 != ga || ph+pa != tc.per+1 {
				t.Fatalf("%+v: %d v %d", tc, p.Home, p.Away)
			}
		}
		if tc.per >= 2 {
			// A1 and B1 in different halves.
			half := map[int64]int{}
			for i, p := range ps {
				half[p.Home], half[p.Away] = i*2/len(ps), i*2/len(ps)
			}
			if half[11] == half[21] {
				t.Fatalf("%+v: A1 and B1 in one half: %v", tc, ps)
			}
		}
	}
	if got, _ := CrossedGroupSeeds(mk(2, 2), 2, 1); !slices.Equal(got, []int64{11, 21, 12, 22}) {
		t.Fatalf("two groups of two: %v", got)
	}
	if _, err := CrossedGroupSeeds(mk(2, 5), 5, 1); err == nil {
		t.Fatal("five of four qualified")
	}
}

// A double forfeit (neither team showed): a loss for both, no points, and
// its stored scores count nowhere; head-to-head ignores it; Buchholz and
// the no-rematch rule count it as a game between them.
func TestStandingsDoubleForfeit(t *testing.T) {
	const a, b, c, d = 1, 2, 3, 4
	df := game(1, a, b, 3, 0) // scores a form might have left: ignored
	df.DoubleForfeit = true
	games := []Game{df, game(1, c, d, 2, 1), game(2, a, c, 1, 0), game(2, b, d, 0, 0)}
	rows, err := Standings([]int64{a, b, c, d}, games, StandingsOptions{Points: Football, TieBreaks: SwissTieBreaks})
	if err != nil {
		t.Fatal(err)
	}
	// a and c 3 points, a won their game; b and d 1 point, drew theirs:
	// b's difference is 0 (the double forfeit counts for nothing), d's -1.
	if got := order(rows); !slices.Equal(got, []int64{a, c, b, d}) {
		t.Fatalf("order %v", got)
	}
	ra, rb := rows[0], rows[2]
	if ra.Played != 2 || ra.Won != 1 || ra.Lost != 1 || ra.ForfeitsLost != 1 || ra.Points != 3 || ra.ScoresFor != 1 || ra.ScoresAgainst != 0 ||
		ra.Buchholz != 1+3 {
		t.Fatalf("a: %+v", ra)
	}
	if rb.Played != 2 || rb.Lost != 1 || rb.Drawn != 1 || rb.ForfeitsLost != 1 || rb.ForfeitsWon != 0 || rb.Points != 1 || rb.ScoresFor != 0 || rb.ScoresAgainst != 0 {
		t.Fatalf("b: %+v", rb)
	}
	if rows[1].DecidedBy != HeadToHead || rows[3].DecidedBy != ScoreDiff {
		t.Fatalf("decided by %q, %q", rows[1].DecidedBy, rows[3].DecidedBy)
	}

	// Swiss: a and b were paired, so they are not paired again.
	sw, err := Swiss([]Team{{ID: a}, {ID: b}, {ID: c}, {ID: d}}, games[:2], SwissOptions{Points: Football, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sw.Pairings {
		if (p.Home == a && p.Away == b) || (p.Home == b && p.Away == a) || (p.Home == c && p.Away == d) || (p.Home == d && p.Away == c) {
			t.Fatalf("rematch %+v in %+v", p, sw.Pairings)
		}
	}

	// A knockout game cannot end with both teams out.
	ko := []Game{df, game(1, c, d, 2, 1)}
	if _, err := NextKnockoutRound(ko, false); !errors.Is(err, ErrUndecided) {
		t.Fatalf("knockout after a double forfeit: %v", err)
	}
}
