package draw

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// swissCost is the documented cost of a round's pairings, level by level in
// the policy's order of priority, computed plainly from the standings.
func swissCost(rows []Row, teams []Team, pairs []Pairing, policy OrgPolicy) [4]int64 {
	n := len(rows)
	pos := map[int64]int{}
	for p, r := range rows {
		pos[r.TeamID] = p
	}
	orgOf := map[int64]int64{}
	for _, t := range teams {
		orgOf[t.ID] = t.Org
	}
	group := make([]int, n)
	size := map[int]int{}
	for p := range rows {
		if p > 0 {
			group[p] = group[p-1]
			if rows[p].Points != rows[p-1].Points {
				group[p]++
			}
		}
		size[group[p]]++
	}
	var bye, score, org, order int64
	for _, pr := range pairs {
		if pr.IsBye() {
			bye = int64(n - 1 - pos[pr.Home])
			continue
		}
		a, b := min(pos[pr.Home], pos[pr.Away]), max(pos[pr.Home], pos[pr.Away])
		d := int64(group[b] - group[a])
		score += d * d
		if policy != IgnoreOrgs && orgOf[pr.Home] != 0 && orgOf[pr.Home] == orgOf[pr.Away] {
			org++
		}
		if group[a] == group[b] {
			order += int64(abs(b - a - size[group[a]]/2))
		} else {
			order += int64(b - a - 1)
		}
	}
	if policy == OrgsBeforeScores {
		return [4]int64{bye, org, score, order}
	}
	return [4]int64{bye, score, org, order}
}

// allPairings enumerates every legal round: no rematch, a bye (odd n) only
// to a team without one.
func allPairings(teams []Team, games []Game, visit func([]Pairing)) {
	met := map[[2]int64]bool{}
	hadBye := map[int64]bool{}
	for _, g := range games {
		if g.IsBye() {
			hadBye[g.Home] = true
		} else {
			met[[2]int64{g.Home, g.Away}], met[[2]int64{g.Away, g.Home}] = true, true
		}
	}
	used := make([]bool, len(teams))
	var cur []Pairing
	byeLeft := len(teams)%2 == 1
	var rec func()
	rec = func() {
		i := slices.Index(used, false)
		if i < 0 {
			visit(cur)
			return
		}
		used[i] = true
		if byeLeft && !hadBye[teams[i].ID] {
			byeLeft = false
			cur = append(cur, Pairing{Home: teams[i].ID})
			rec()
			cur = cur[:len(cur)-1]
			byeLeft = true
		}
		for j := i + 1; j < len(teams); j++ {
			if !used[j] && !met[[2]int64{teams[i].ID, teams[j].ID}] {
				used[j] = true
				cur = append(cur, Pairing{Home: teams[i].ID, Away: teams[j].ID})
				rec()
				cur = cur[:len(cur)-1]
				used[j] = false
			}
		}
		used[i] = false
	}
	rec()
}

func less(a, b [4]int64) bool { return slices.Compare(a[:], b[:]) < 0 }

// playRound gives every game a random result (draws included).
func playRound(r *rand.Rand, round int, pairs []Pairing) []Game {
	var games []Game
	for _, p := range pairs {
		g := Game{Pairing: p, Round: round, Done: true}
		if !p.IsBye() {
			g.HomeScore, g.AwayScore = float64(r.IntN(4)), float64(r.IntN(4))
		}
		games = append(games, g)
	}
	return games
}

func randomTeams(r *rand.Rand, n, orgs int) []Team {
	teams := make([]Team, n)
	for i := range teams {
		teams[i] = Team{ID: int64(11 + 5*i), Org: int64(r.IntN(orgs + 1))}
	}
	return teams
}

// checkRound holds one drawn round to the rules: everyone once, no
// rematch, the bye to a team without one and only with an odd count.
func checkRound(t *testing.T, it int, teams []Team, games []Game, d SwissDraw) {
	t.Helper()
	met := map[[2]int64]bool{}
	hadBye := map[int64]bool{}
	for _, g := range games {
		if g.IsBye() {
			hadBye[g.Home] = true
		} else {
			met[[2]int64{min(g.Home, g.Away), max(g.Home, g.Away)}] = true
		}
	}
	seen := map[int64]bool{}
	byes := 0
	for i, p := range d.Pairings {
		for _, id := range []int64{p.Home, p.Away} {
			if id != Bye && seen[id] {
				t.Fatalf("run %d round %d: %d twice", it, d.Round, id)
			}
			seen[id] = true
		}
		if p.IsBye() {
			byes++
			if hadBye[p.Home] || i != len(d.Pairings)-1 {
				t.Fatalf("run %d round %d: bye to %d (had one: %v) at board %d", it, d.Round, p.Home, hadBye[p.Home], i+1)
			}
			continue
		}
		if met[[2]int64{min(p.Home, p.Away), max(p.Home, p.Away)}] {
			t.Fatalf("run %d round %d: rematch %v", it, d.Round, p)
		}
	}
	if len(seen)-byes != len(teams) || byes != len(teams)%2 {
		t.Fatalf("run %d round %d: %d teams drawn, %d byes, of %d", it, d.Round, len(seen)-byes, byes, len(teams))
	}
}

// TestSwissProperties plays random tournaments to the end (until no round
// without a rematch exists). Every round: each team exactly once, no
// rematch, at most one bye per team. On fields of up to 10 teams every
// legal round is enumerated: the draw's cost is the least, level by level,
// and ErrNoPairing comes exactly when no legal round exists.
func TestSwissProperties(t *testing.T) {
	runs := 600
	if testing.Short() {
		runs = 80
	}
	stops, rounds, optimal := 0, 0, 0
	for it := range runs {
		r := rand.New(rand.NewPCG(uint64(it), 5))
		n := 2 + r.IntN(9)
		if it%5 == 4 {
			n = 11 + r.IntN(30)
		}
		teams := randomTeams(r, n, 1+r.IntN(4))
		opts := SwissOptions{Points: []Points{Football, Debate, Chess}[r.IntN(3)], Seed: r.Uint64(), Orgs: OrgPolicy(r.IntN(3))}
		var games []Game
		for {
			d, err := Swiss(teams, games, opts)
			var best [4]int64
			legal := 0
			if n <= 10 {
				allPairings(teams, games, func(ps []Pairing) {
					c := swissCost(d.Standings, teams, ps, opts.Orgs)
					if legal == 0 || less(c, best) {
						best = c
					}
					legal++
				})
			}
			if errors.Is(err, ErrNoPairing) {
				if n <= 10 && legal > 0 {
					t.Fatalf("run %d: ErrNoPairing, but %d legal rounds exist", it, legal)
				}
				stops++
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			checkRound(t, it, teams, games, d)
			if n <= 10 {
				if got := swissCost(d.Standings, teams, d.Pairings, opts.Orgs); got != best {
					t.Fatalf("run %d round %d: cost %v, the best legal round costs %v\n%v", it, d.Round, got, best, d.Pairings)
				}
				optimal++
			}
			rounds++
			games = append(games, playRound(r, d.Round, d.Pairings)...)
		}
	}
	if stops != runs || optimal < runs {
		t.Fatalf("%d of %d runs ended with ErrNoPairing; %d rounds checked against brute force", stops, runs, optimal)
	}
	t.Logf("%d tournaments, %d rounds, %d of them checked against every legal round", runs, rounds, optimal)
}

func TestSwissFirstRoundSlide(t *testing.T) {
	teams := randomTeams(rand.New(rand.NewPCG(1, 1)), 8, 0)
	d, err := Swiss(teams, nil, SwissOptions{Points: Football, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// One score group of 8: 1st v 5th, 2nd v 6th, … by the lot's order.
	pos := map[int64]int{}
	for p, r := range d.Standings {
		pos[r.TeamID] = p + 1
	}
	for i, p := range d.Pairings {
		a, b := min(pos[p.Home], pos[p.Away]), max(pos[p.Home], pos[p.Away])
		if a != i+1 || b != i+5 {
			t.Fatalf("board %d: %d v %d", i+1, a, b)
		}
	}
	if d.Round != 1 || d.CrossGroup != 0 || d.SameOrg != 0 {
		t.Fatalf("draw %+v", d)
	}
}

// Two teams of one college lead; the policy decides whether they meet.
func TestSwissOrgs(t *testing.T) {
	teams := []Team{{ID: 1, Org: 7}, {ID: 2, Org: 7}, {ID: 3}, {ID: 4}}
	games := []Game{game(1, 1, 3, 1, 0), game(1, 2, 4, 1, 0)}
	d, err := Swiss(teams, games, SwissOptions{Points: Football, Orgs: OrgsAfterScores})
	if err != nil {
		t.Fatal(err)
	}
	if d.SameOrg != 1 || d.CrossGroup != 0 {
		t.Fatalf("after scores: %+v", d)
	}
	d, _ = Swiss(teams, games, SwissOptions{Points: Football, Orgs: OrgsBeforeScores})
	if d.SameOrg != 0 || d.CrossGroup != 2 {
		t.Fatalf("before scores: %+v", d)
	}
}

func TestSwissSidesAndByes(t *testing.T) {
	teams := []Team{{ID: 1}, {ID: 2}, {ID: 3}}
	var games []Game
	r := rand.New(rand.NewPCG(2, 2))
	byes := map[int64]int{}
	for range 3 {
		d, err := Swiss(teams, games, SwissOptions{Points: Football, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Pairings {
			if p.IsBye() {
				byes[p.Home]++
			}
		}
		games = append(games, playRound(r, d.Round, d.Pairings)...)
	}
	if len(byes) != 3 {
		t.Fatalf("byes %v", byes)
	}
	if _, err := Swiss(teams, games, SwissOptions{Points: Football}); !errors.Is(err, ErrNoPairing) {
		t.Fatalf("a fourth round of three teams: %v", err)
	}

	// Sides: the team with fewer home games so far is at home. 1 won at
	// home, 3 away; 2 lost away, 4 at home.
	teams = []Team{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}}
	games = []Game{game(1, 1, 2, 1, 0), game(1, 4, 3, 0, 1)}
	d, _ := Swiss(teams, games, SwissOptions{Points: Football})
	if want := []Pairing{{Home: 3, Away: 1}, {Home: 2, Away: 4}}; !slices.Equal(d.Pairings, want) {
		t.Fatalf("sides %v, want %v", d.Pairings, want)
	}
}

func TestSwissRefusesIncompleteRound(t *testing.T) {
	teams := []Team{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}}
	pending := game(1, 3, 4, 0, 0)
	pending.Done = false
	games := []Game{game(1, 1, 2, 1, 0), pending, {Pairing: Pairing{Home: 1}, Round: 1}}
	if err := CheckComplete(games); !errors.Is(err, ErrRoundIncomplete) {
		t.Fatalf("CheckComplete: %v", err)
	}
	if _, err := Swiss(teams, games, SwissOptions{Points: Football}); !errors.Is(err, ErrRoundIncomplete) {
		t.Fatalf("Swiss: %v", err)
	}
	games[1].Done = true
	if err := CheckComplete(games); err != nil {
		t.Fatal(err)
	}
	if _, err := Swiss([]Team{{ID: 1}}, nil, SwissOptions{}); !errors.Is(err, ErrTooFewTeams) {
		t.Fatalf("one team: %v", err)
	}
	if _, err := Swiss(teams, []Game{game(1, 1, 9, 0, 0)}, SwissOptions{}); !errors.Is(err, ErrUnknownTeam) {
		t.Fatalf("unknown team: %v", err)
	}
}

// The draw is a function of its input: the same seed gives the same round,
// whatever the order of teams and games.
func TestSwissDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	teams := randomTeams(r, 31, 5)
	var games []Game
	opts := SwissOptions{Points: Football, Seed: 77}
	for range 5 {
		d, err := Swiss(teams, games, opts)
		if err != nil {
			t.Fatal(err)
		}
		st, sg := slices.Clone(teams), slices.Clone(games)
		r.Shuffle(len(st), func(i, j int) { st[i], st[j] = st[j], st[i] })
		r.Shuffle(len(sg), func(i, j int) { sg[i], sg[j] = sg[j], sg[i] })
		again, _ := Swiss(st, sg, opts)
		if !reflect.DeepEqual(d, again) {
			t.Fatalf("round %d differs with the input shuffled", d.Round)
		}
		games = append(games, playRound(r, d.Round, d.Pairings)...)
	}
	slices.SortFunc(games, func(a, b Game) int { return cmp.Compare(a.Round, b.Round) })
}

// TestPairingUnits: a unit of each level outweighs everything the less
// important levels can add up to in a round, fields of a thousand teams
// fit, and costs that cannot fit are refused instead of wrapping around.
func TestPairingUnits(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 2000 {
		var maxEdge [levels]int64
		for l := range maxEdge {
			maxEdge[l] = r.Int64N(2000)
		}
		priority := []int{lvBye, lvScore, lvOrg, lvOrder}
		if r.IntN(2) == 0 {
			priority = []int{lvBye, lvOrg, lvScore, lvOrder}
		}
		games := 1 + r.Int64N(300)
		unit, top, err := pairingUnits(maxEdge, priority, games)
		if err != nil {
			continue
		}
		var below, edge int64
		for k := len(priority) - 1; k >= 0; k-- {
			l := priority[k]
			if unit[l] <= below {
				t.Fatalf("unit of level %d is %d, the levels below can sum to %d", l, unit[l], below)
			}
			perRound := games
			if l == lvBye {
				perRound = 1
			}
			below += unit[l] * maxEdge[l] * perRound
			edge += unit[l] * maxEdge[l]
		}
		if top != edge || top >= weightLimit {
			t.Fatalf("top %d, want %d", top, edge)
		}
	}
	// 1,025 teams after eight rounds of 3/1/0 (25 score groups): fits.
	const n = 1025
	if _, _, err := pairingUnits([levels]int64{n - 1, 24 * 24, 1, n}, []int{lvBye, lvScore, lvOrg, lvOrder}, (n+1)/2); err != nil {
		t.Fatalf("1,025 teams: %v", err)
	}
	if _, _, err := pairingUnits([levels]int64{1 << 40, 1 << 40, 1, 1 << 20}, []int{lvBye, lvScore, lvOrg, lvOrder}, 1<<20); err == nil {
		t.Fatal("absurd costs accepted")
	}
}
