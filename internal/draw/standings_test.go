package draw

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func game(round int, h, a int64, hs, as float64) Game {
	return Game{Pairing: Pairing{Home: h, Away: a}, Round: round, HomeScore: hs, AwayScore: as, Done: true}
}

func order(rows []Row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.TeamID
	}
	return out
}

func decided(rows []Row) []Criterion {
	out := make([]Criterion, len(rows))
	for i, r := range rows {
		out[i] = r.DecidedBy
	}
	return out
}

// A cycle among three teams level on points: head-to-head cannot part
// them, score difference does.
func TestStandingsCycle(t *testing.T) {
	const a, b, c, d = 1, 2, 3, 4
	games := []Game{
		game(1, a, b, 1, 0), game(1, c, d, 2, 0),
		game(2, b, c, 1, 0), game(2, a, d, 5, 0),
		game(3, c, a, 1, 0), game(3, b, d, 1, 0),
	}
	rows, err := Standings([]int64{a, b, c, d}, games, StandingsOptions{Points: Football})
	if err != nil {
		t.Fatal(err)
	}
	if got := order(rows); !slices.Equal(got, []int64{a, c, b, d}) {
		t.Fatalf("order %v", got)
	}
	if got := decided(rows); !slices.Equal(got, []Criterion{"", ScoreDiff, ScoreDiff, ByPoints}) {
		t.Fatalf("decided by %v", got)
	}
	want := Row{TeamID: a, Played: 3, Won: 2, Lost: 1, Points: 6, ScoresFor: 6, ScoresAgainst: 1, Buchholz: 12, Rank: 1, Position: 1}
	if rows[0] != want {
		t.Fatalf("row %+v\nwant %+v", rows[0], want)
	}
}

// Head-to-head parts one of three level teams; the other two are compared
// again among themselves alone (a draw), then by score difference.
func TestStandingsHeadToHeadAgain(t *testing.T) {
	const a, b, c, d, e, f = 1, 2, 3, 4, 5, 6
	games := []Game{
		game(1, a, b, 1, 0), game(2, a, c, 1, 0), game(3, b, c, 1, 1),
		game(4, d, a, 1, 0), game(5, e, a, 1, 0), game(6, f, a, 1, 0),
		game(4, b, d, 2, 0), game(5, b, e, 0, 0), game(6, b, f, 0, 0),
		game(4, c, e, 1, 0), game(5, c, d, 0, 0), game(6, c, f, 0, 0),
	}
	rows, err := Standings([]int64{f, e, d, c, b, a}, games, StandingsOptions{Points: Football})
	if err != nil {
		t.Fatal(err)
	}
	if got := order(rows)[:3]; !slices.Equal(got, []int64{a, b, c}) {
		t.Fatalf("order %v (%+v)", order(rows), rows)
	}
	if got := decided(rows)[:4]; !slices.Equal(got, []Criterion{"", HeadToHead, ScoreDiff, ByPoints}) {
		t.Fatalf("decided by %v", got)
	}
}

// Four teams level on points; among the four, A is first, D last, B and C
// level. Compared again between the two alone, B beat C, which decides,
// though C has the better score difference overall.
func TestStandingsHeadToHeadSubset(t *testing.T) {
	const a, b, c, d, x1, x2, x3, x4 = 1, 2, 3, 4, 5, 6, 7, 8
	games := []Game{
		game(1, a, b, 1, 0), game(1, a, c, 0, 0), game(1, a, d, 1, 0),
		game(2, b, c, 1, 0), game(2, b, d, 0, 0), game(2, c, d, 5, 0),
		game(3, a, x1, 0, 0), game(3, a, x2, 0, 0),
		game(4, b, x1, 1, 0), game(4, b, x2, 0, 0), game(4, b, x3, 0, 0),
		game(5, c, x2, 1, 0), game(5, c, x1, 0, 0), game(5, c, x3, 0, 0),
		game(6, d, x1, 1, 0), game(6, d, x2, 1, 0), game(6, d, x3, 0, 0), game(6, d, x4, 0, 0),
	}
	rows, err := Standings([]int64{a, b, c, d, x1, x2, x3, x4}, games, StandingsOptions{Points: Football})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[:4] {
		if r.Points != 9 {
			t.Fatalf("%d has %d points, the test wants 9 for each of the four", r.TeamID, r.Points)
		}
	}
	if got := order(rows)[:4]; !slices.Equal(got, []int64{a, b, c, d}) {
		t.Fatalf("order %v", got)
	}
	if got := decided(rows)[:4]; !slices.Equal(got, []Criterion{"", HeadToHead, HeadToHead, HeadToHead}) {
		t.Fatalf("decided by %v", got)
	}
}

// Teams level on everything share a rank; the lot orders their positions,
// and the seed moves only them.
func TestStandingsSharedRank(t *testing.T) {
	teams := []int64{1, 2, 3, 4}
	games := []Game{game(1, 1, 2, 0, 0), game(1, 3, 4, 0, 0)}
	seen := map[int64]bool{}
	for seed := range uint64(40) {
		rows, err := Standings(teams, games, StandingsOptions{Points: Football, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Rank != 1 || r.Position < 1 || r.Position > 4 {
				t.Fatalf("seed %d: %+v", seed, r)
			}
		}
		if got := decided(rows); !slices.Equal(got, []Criterion{"", ByLot, ByLot, ByLot}) {
			t.Fatalf("decided by %v", got)
		}
		seen[rows[0].TeamID] = true
	}
	if len(seen) < 3 {
		t.Errorf("the lot put only %v first over 40 seeds", seen)
	}
}

func TestStandingsOptions(t *testing.T) {
	games := []Game{game(1, 1, 2, 3, 0), game(1, 3, 4, 1, 0), {Pairing: Pairing{Home: 5}, Round: 1}}
	rows, err := Standings([]int64{1, 2, 3, 4, 5}, games, StandingsOptions{Points: Debate, TieBreaks: []Criterion{ScoresFor}})
	if err != nil {
		t.Fatal(err)
	}
	if got := order(rows); !slices.Equal(got[:3], []int64{1, 3, 5}) {
		t.Fatalf("order %v", got)
	}
	if r := rows[2]; r.Byes != 1 || r.Points != 1 || r.Played != 0 {
		t.Fatalf("bye row %+v", r)
	}
	// Not done games count for nothing.
	pending := game(2, 1, 3, 5, 0)
	pending.Done = false
	again, _ := Standings([]int64{1, 2, 3, 4, 5}, append(games, pending), StandingsOptions{Points: Debate, TieBreaks: []Criterion{ScoresFor}})
	if !reflect.DeepEqual(rows, again) {
		t.Fatalf("a game without a result changed the table")
	}
	if _, err := Standings([]int64{1, 2}, []Game{game(1, 1, 9, 0, 0)}, StandingsOptions{}); err == nil {
		t.Error("unknown team accepted")
	}
	if _, err := Standings([]int64{1, 2}, nil, StandingsOptions{TieBreaks: []Criterion{"beauty"}}); err == nil {
		t.Error("unknown tie-break accepted")
	}
}

// randomGames plays random games between n teams: some draws, some not
// done, some byes, some with a Winner on equal scores.
func randomGames(r *rand.Rand, teams []int64, count int) []Game {
	var games []Game
	for i := range count {
		h := teams[r.IntN(len(teams))]
		if r.IntN(15) == 0 {
			games = append(games, Game{Pairing: Pairing{Home: h}, Round: 1 + i/4})
			continue
		}
		a := teams[r.IntN(len(teams))]
		if a == h {
			continue
		}
		g := game(1+i/4, h, a, float64(r.IntN(4)), float64(r.IntN(4)))
		g.Done = r.IntN(10) != 0
		if g.HomeScore == g.AwayScore && r.IntN(3) == 0 {
			g.Winner = a
		}
		games = append(games, g)
	}
	return games
}

// TestStandingsProperties: on random tournaments the table does not depend
// on the order of teams or games, is the same for the same seed, orders by
// points first, shares ranks only between teams equal on every criterion,
// and a new seed only reorders teams that share a rank.
func TestStandingsProperties(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for it := range n {
		r := rand.New(rand.NewPCG(uint64(it), 11))
		teams := ids(2 + r.IntN(9))
		games := randomGames(r, teams, r.IntN(30))
		opts := StandingsOptions{Points: []Points{Football, Chess, Debate}[r.IntN(3)], Seed: r.Uint64()}
		if r.IntN(2) == 0 {
			opts.TieBreaks = SwissTieBreaks
		}
		rows, err := Standings(teams, games, opts)
		if err != nil {
			t.Fatal(err)
		}
		st, sg := slices.Clone(teams), slices.Clone(games)
		r.Shuffle(len(st), func(i, j int) { st[i], st[j] = st[j], st[i] })
		r.Shuffle(len(sg), func(i, j int) { sg[i], sg[j] = sg[j], sg[i] })
		shuffled, _ := Standings(st, sg, opts)
		if !reflect.DeepEqual(rows, shuffled) {
			t.Fatalf("tournament %d: order of input matters:\n%+v\n%+v", it, rows, shuffled)
		}
		for i, row := range rows {
			if row.Position != i+1 || row.Played != row.Won+row.Drawn+row.Lost {
				t.Fatalf("tournament %d: row %+v", it, row)
			}
			if i == 0 {
				continue
			}
			prev := rows[i-1]
			if prev.Points < row.Points {
				t.Fatalf("tournament %d: %d points above %d", it, prev.Points, row.Points)
			}
			if row.DecidedBy == "" || (row.DecidedBy == ByPoints) != (prev.Points > row.Points) {
				t.Fatalf("tournament %d: %+v below %+v decided by %q", it, row, prev, row.DecidedBy)
			}
			shared := row.Rank == prev.Rank
			if shared != (row.DecidedBy == ByLot) || !shared && row.Rank != i+1 {
				t.Fatalf("tournament %d: rank %d at position %d decided by %q", it, row.Rank, i+1, row.DecidedBy)
			}
			if shared && (prev.Points != row.Points || prev.ScoresFor != row.ScoresFor ||
				prev.ScoresAgainst != row.ScoresAgainst || opts.TieBreaks != nil && prev.Buchholz != row.Buchholz) {
				t.Fatalf("tournament %d: shared rank between %+v and %+v", it, prev, row)
			}
		}
		opts.Seed++
		other, _ := Standings(teams, games, opts)
		for i := range rows {
			a, b := rows[i], other[i]
			if a.Rank != b.Rank {
				t.Fatalf("tournament %d: the seed moved ranks", it)
			}
			if a.TeamID != b.TeamID && a.DecidedBy != ByLot && (i+1 == len(rows) || rows[i+1].DecidedBy != ByLot) {
				t.Fatalf("tournament %d: the seed moved a team that shares no rank", it)
			}
		}
	}
}

func TestOverall(t *testing.T) {
	teams := []int64{1, 2, 3, 4}
	disciplines := []Discipline{
		{Key: "volleyball", Placings: []Placing{{1, 1}, {2, 2}, {3, 3}, {4, 4}}},
		{Key: "chess", Placings: []Placing{{2, 1}, {1, 2}, {4, 3}, {3, 4}}},
		{Key: "athletics", Placings: []Placing{{3, 1}, {4, 2}, {2, 3}}}, // 1 absent
	}
	rows, err := Overall(teams, disciplines, PlaceScoring{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Totals: 1: 1+2+5 = 8, 2: 2+1+3 = 6, 3: 3+4+1 = 8, 4: 4+3+2 = 9.
	// 1 and 3 level on 8 with one first place each; the countback goes on
	// to second places: 1 has one, 3 none.
	type line struct {
		id    int64
		total int
		by    Criterion
	}
	var got []line
	for _, r := range rows {
		got = append(got, line{r.TeamID, r.Total, r.DecidedBy})
	}
	want := []line{{2, 6, ""}, {1, 8, ByTotal}, {3, 8, ByCountback}, {4, 9, ByTotal}}
	if !slices.Equal(got, want) {
		t.Fatalf("overall %v, want %v", got, want)
	}
	if !slices.Equal(rows[1].Places, []int{1, 2, 0}) {
		t.Errorf("places %v", rows[1].Places)
	}

	// A points table, highest wins: 10, 8, 6, 5; team 1 is absent from
	// athletics (0 points).
	rows, _ = Overall(teams, disciplines, PlaceScoring{Table: []int{10, 8, 6, 5}}, 1)
	got = got[:0]
	for _, r := range rows {
		got = append(got, line{r.TeamID, r.Total, r.DecidedBy})
	}
	want = []line{{2, 24, ""}, {3, 21, ByTotal}, {4, 19, ByTotal}, {1, 18, ByTotal}}
	if !slices.Equal(got, want) {
		t.Fatalf("overall by table %v, want %v", got, want)
	}

	// Equal in everything: shared rank, lot order, independent of input order.
	even := []Discipline{{Key: "x", Placings: []Placing{{1, 1}, {2, 1}, {3, 3}, {4, 3}}}}
	a, _ := Overall(teams, even, PlaceScoring{}, 7)
	b, _ := Overall([]int64{4, 3, 2, 1}, even, PlaceScoring{}, 7)
	if !reflect.DeepEqual(a, b) || a[0].Rank != 1 || a[1].Rank != 1 || a[1].DecidedBy != ByLot || a[2].Rank != 3 || a[3].Rank != 3 {
		t.Fatalf("ties: %+v", a)
	}
	if _, err := Overall(teams, []Discipline{{Key: "x", Placings: []Placing{{9, 1}}}}, PlaceScoring{}, 0); err == nil {
		t.Error("unknown team accepted")
	}
	if _, err := Overall(teams, []Discipline{{Key: "x", Placings: []Placing{{1, 1}, {1, 2}}}}, PlaceScoring{}, 0); err == nil {
		t.Error("a team placed twice accepted")
	}
	if got := Places([]Row{{TeamID: 5, Rank: 1}, {TeamID: 6, Rank: 1}}); !slices.Equal(got, []Placing{{5, 1}, {6, 1}}) {
		t.Errorf("places %v", got)
	}
}
