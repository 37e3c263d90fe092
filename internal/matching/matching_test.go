package matching

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var day = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func solve(t *testing.T, mentors []Mentor, mentees []Mentee, opts Options) Result {
	t.Helper()
	res, err := Solve(mentors, mentees, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pairs renders the result as "mentee→mentor" in mentee order, unmatched as
// "mentee→-".
func pairs(res Result) string {
	var out []string
	for _, p := range res.Pairs {
		out = append(out, fmt.Sprintf("%d→%d", p.MenteeID, p.MentorID))
	}
	for _, u := range res.Unmatched {
		out = append(out, fmt.Sprintf("%d→-", u.MenteeID))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func reasons(rs []Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return strings.Join(out, " ")
}

func kk(id int64, capacity int) Mentor {
	return Mentor{ID: id, Capacity: capacity, Languages: []string{"kk"}, Spheres: []string{"it"}, Mode: Online}
}

func kkMentee(id int64, prefs ...int64) Mentee {
	return Mentee{ID: id, Languages: []string{"kk"}, Spheres: []string{"it"}, Preferences: prefs, WaitingSince: day}
}

// A capacity of 0 takes nobody and crashes nothing (the Python matching
// library raised IndexError on it, issue #112).
func TestCapacityZero(t *testing.T) {
	res := solve(t, []Mentor{kk(1, 0), kk(2, 1)}, []Mentee{kkMentee(10, 1), kkMentee(11)}, Options{})
	if got := pairs(res); got != "10→2 11→-" {
		t.Fatalf("pairs %s", got)
	}
	if got := reasons(res.Pairs[0].Reasons); !strings.Contains(got, "ranked_unavailable@1:no_seats") || !strings.HasPrefix(got, "best_fit:1") {
		t.Errorf("10's reasons: %s", got)
	}
	if got := reasons(res.Unmatched[0].Reasons); got != "all_full:1" {
		t.Errorf("11's reasons: %s", got)
	}

	res = solve(t, []Mentor{kk(1, 0)}, []Mentee{kkMentee(10)}, Options{})
	if got := reasons(res.Unmatched[0].Reasons); got != "no_seats" {
		t.Errorf("everyone full: %s", got)
	}
	res = solve(t, nil, []Mentee{kkMentee(10)}, Options{})
	if got := reasons(res.Unmatched[0].Reasons); got != "no_seats" {
		t.Errorf("no mentors: %s", got)
	}
	res = solve(t, nil, nil, Options{})
	if res.Pairs == nil || res.Unmatched == nil || len(res.Pairs)+len(res.Unmatched) != 0 {
		t.Errorf("empty round: %+v", res)
	}
}

// A mentor never gets more mentees than seats, however many rank them
// first (ReDI Connect #997); the seats go by the documented order.
func TestCapacityHeld(t *testing.T) {
	mentors := []Mentor{kk(1, 2), kk(2, 5)}
	mentors[0].Region = "ALM"
	var mentees []Mentee
	for i := range int64(6) {
		e := kkMentee(10+i, 1, 2)
		e.WaitingSince = day.Add(-time.Duration(i) * time.Hour) // later IDs waited longer
		mentees = append(mentees, e)
	}
	mentees[0].Region = "ALM" // fits mentor 1 better than anyone: first despite waiting least
	res := solve(t, mentors, mentees, Options{})
	if got := pairs(res); got != "10→1 11→2 12→2 13→2 14→2 15→1" {
		t.Fatalf("pairs %s", got)
	}
}

func TestExplanations(t *testing.T) {
	mentors := []Mentor{
		{ID: 1, Capacity: 3, Spheres: []string{"media", "it", "sport"}, Languages: []string{"ru", "kk"}, Region: "ALM", Mode: Either, Ranking: []int64{99, 10}},
		{ID: 2, Capacity: 1, Spheres: []string{"it"}, Languages: []string{"en"}, Mode: Online},
		{ID: 3, Capacity: 1, Spheres: []string{"it"}, Languages: []string{"kk"}, Region: "AST", Mode: InPerson},
	}
	mentee := Mentee{ID: 10, Spheres: []string{"it", "media", "art"}, Languages: []string{"kk", "ru"}, Region: "ALM",
		Preferences: []int64{77, 2, 3, 1, 1}, WaitingSince: day}
	// Positions are as written: 77 is no mentor, still the mentee's 1st;
	// 99 is no mentee, still mentor 1's 1st.
	res := solve(t, mentors, []Mentee{mentee}, Options{})
	p := res.Pairs[0]
	want := "ranked:4 mentor_ranked:2 same_sphere:it,media shared_language:kk,ru same_region:ALM online in_person:ALM " +
		"ranked_unavailable@77:unknown ranked_unavailable@2:no_language ranked_unavailable@3:cannot_meet ranked_unavailable@1:repeated"
	if got := reasons(p.Reasons); p.MentorID != 1 || got != want {
		t.Fatalf("pair with %d: %s\nwant %s", p.MentorID, got, want)
	}
	if p.Fit != 4*2+2+1 {
		t.Errorf("fit %d", p.Fit)
	}

	// The same mentee, second choice: the first was full.
	mentors[0].Capacity = 1
	mentors[0].Ranking = nil
	mentors[0].Languages = []string{"ru"}
	other := Mentee{ID: 9, Spheres: []string{"media", "it"}, Languages: []string{"ru"}, Region: "ALM", Mode: InPerson, Preferences: []int64{1}, WaitingSince: day}
	mentee.Preferences = []int64{1, 3}
	mentee.Mode = Either
	mentors[2].Region = "ALM"
	res = solve(t, mentors, []Mentee{mentee, other}, Options{})
	if got := pairs(res); got != "10→3 9→1" {
		t.Fatalf("pairs %s", got)
	}
	// 9 and 10 fit mentor 1 equally on spheres and region; mentor 1 speaks
	// Russian, 9's first language and 10's second: 9 fits one point better.
	if got := reasons(res.Pairs[1].Reasons); got != "ranked:2 better_choices_full:1 same_sphere:it shared_language:kk same_region:ALM in_person:ALM" {
		t.Errorf("10's reasons: %s", got)
	}
}

func TestUnmatchedReasons(t *testing.T) {
	mentors := []Mentor{
		{ID: 1, Capacity: 1, Spheres: []string{"it"}, Languages: []string{"kk"}, Region: "ALM", Mode: InPerson},
		{ID: 2, Capacity: 1, Spheres: []string{"art"}, Languages: []string{"ru"}, Region: "AST", Mode: Either},
	}
	cases := []struct {
		name string
		e    Mentee
		opts Options
		want string
	}{
		{"language", Mentee{Languages: []string{"en", "de"}}, Options{}, "no_shared_language:en,de"},
		{"no language given", Mentee{}, Options{}, "no_shared_language"},
		{"in person elsewhere", Mentee{Languages: []string{"kk"}, Region: "AST", Mode: InPerson}, Options{}, "no_mentor_in_region:AST"},
		{"online only", Mentee{Languages: []string{"kk"}, Region: "ALM", Mode: Online}, Options{}, "no_online_mentor"},
		{"either, nobody reachable", Mentee{Languages: []string{"kk"}, Region: "SHY"}, Options{}, "no_reachable_mentor:SHY"},
		{"sphere required", Mentee{Languages: []string{"ru"}, Spheres: []string{"it"}}, Options{RequireSphere: true}, "no_shared_sphere:it"},
		{"only ranked", Mentee{Languages: []string{"ru"}, Preferences: []int64{1}, OnlyRanked: true}, Options{},
			"only_ranked ranked_unavailable@1:no_language"},
		{"ranked unavailable, fit list", Mentee{Languages: []string{"ru"}, Preferences: []int64{1}}, Options{}, ""},
		{"only ranked without ranks", Mentee{Languages: []string{"ru"}, OnlyRanked: true}, Options{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.e.ID = 10
			res := solve(t, mentors, []Mentee{c.e}, c.opts)
			got := ""
			if len(res.Unmatched) > 0 {
				got = reasons(res.Unmatched[0].Reasons)
			}
			if got != c.want {
				t.Fatalf("got %q, want %q (%s)", got, c.want, pairs(res))
			}
		})
	}
}

// The mentor's order: own ranking, then fit, then earlier request, then the
// seeded lottery, then ID.
func TestTieBreakRule(t *testing.T) {
	one := []Mentor{kk(1, 1)}
	early, late := kkMentee(10, 1), kkMentee(11, 1)
	early.WaitingSince = day.Add(-time.Minute)
	if got := pairs(solve(t, one, []Mentee{late, early}, Options{})); got != "10→1 11→-" {
		t.Errorf("earlier request: %s", got)
	}
	better := late
	better.Spheres = []string{"it", "media"}
	one[0].Spheres = []string{"it", "media"}
	if got := pairs(solve(t, one, []Mentee{better, early}, Options{})); got != "10→- 11→1" {
		t.Errorf("better fit: %s", got)
	}
	one[0].Ranking = []int64{10}
	if got := pairs(solve(t, one, []Mentee{better, early}, Options{})); got != "10→1 11→-" {
		t.Errorf("mentor's ranking: %s", got)
	}

	// Equal in all but the lottery: the seed decides, as TieHash says.
	one[0].Ranking, one[0].Spheres = nil, []string{"it"}
	a, b := kkMentee(10, 1), kkMentee(11, 1)
	winners := map[int64]int{}
	for seed := range uint64(200) {
		res := solve(t, one, []Mentee{a, b}, Options{Seed: seed})
		want := a.ID
		if TieHash(seed, b.ID) < TieHash(seed, a.ID) {
			want = b.ID
		}
		if res.Pairs[0].MenteeID != want {
			t.Fatalf("seed %d: %d won, lottery says %d", seed, res.Pairs[0].MenteeID, want)
		}
		winners[want]++
	}
	if winners[a.ID] < 60 || winners[b.ID] < 60 {
		t.Errorf("the lottery is lopsided over 200 seeds: %v", winners)
	}
}

// TieHash is part of the stored rule: these values must never change.
func TestTieHashPinned(t *testing.T) {
	if got := mix(0); got != 0xe220a8397b1dcdaf { // SplitMix64's first output from seed 0
		t.Fatalf("mix(0) = %#x", got)
	}
	for _, c := range []struct {
		seed uint64
		id   int64
		want uint64
	}{{0, 1, 0x5e41ab087439611e}, {42, 1, 0x7eb3b394ac9efc29}, {42, 2, 0x1db2233eb3bcaeb3}, {7, 123456, 0xb6043044938d823a}} {
		if got := TieHash(c.seed, c.id); got != c.want {
			t.Errorf("TieHash(%d, %d) = %#x, want %#x", c.seed, c.id, got, c.want)
		}
	}
}

// Lists by fit: best fit first; among equals, mentees with the same profile
// start at different mentors, so one mentor is not everyone's first.
func TestFitListSpreads(t *testing.T) {
	var mentors []Mentor
	for id := range int64(50) {
		mentors = append(mentors, kk(id+1, 1))
	}
	mentors[7].Spheres = []string{"it", "media"} // the best fit for media people
	var mentees []Mentee
	for id := range int64(40) {
		e := kkMentee(100 + id)
		e.Spheres = []string{"it", "media"}
		mentees = append(mentees, e)
	}
	res := solve(t, mentors, mentees, Options{Seed: 5})
	if len(res.Pairs) != 40 {
		t.Fatalf("%d matched", len(res.Pairs))
	}
	firstChoice := 0
	for _, p := range res.Pairs {
		if p.Reasons[0].N == 1 {
			firstChoice++
		}
		if p.MentorID == 8 && p.Fit != 9 {
			t.Errorf("fit with mentor 8: %d", p.Fit)
		}
	}
	// Everyone's first choice is mentor 8. After it, were the lists the same
	// (mentors in ID order), the k-th rejected mentee would propose k times:
	// about 40·41/2 = 820 proposals. The seeded walks spread them.
	if firstChoice != 1 || res.Proposals > 200 {
		t.Errorf("first choices %d, proposals %d", firstChoice, res.Proposals)
	}
}

func TestAppendFit(t *testing.T) {
	mentors := []Mentor{kk(1, 1), kk(2, 1)}
	mentees := []Mentee{kkMentee(10, 1), kkMentee(11, 1)}
	mentees[0].WaitingSince = day.Add(-time.Hour)
	if got := pairs(solve(t, mentors, mentees, Options{})); got != "10→1 11→-" {
		t.Errorf("ranked only: %s", got)
	}
	res := solve(t, mentors, mentees, Options{AppendFit: true})
	if got := pairs(res); got != "10→1 11→2" {
		t.Errorf("append fit: %s", got)
	}
	if got := reasons(res.Pairs[1].Reasons); !strings.HasPrefix(got, "best_fit:1 better_choices_full:1") {
		t.Errorf("11's reasons: %s", got)
	}
	// Who asked for their ranked mentors only gets no others.
	mentees[1].OnlyRanked = true
	res = solve(t, mentors, mentees, Options{AppendFit: true})
	if got := pairs(res); got != "10→1 11→-" {
		t.Errorf("append fit, only ranked: %s", got)
	}
	if got := reasons(res.Unmatched[0].Reasons); got != "all_full:1" {
		t.Errorf("11's reasons: %s", got)
	}
}

func TestFitListLength(t *testing.T) {
	var mentors []Mentor
	for id := range int64(30) {
		mentors = append(mentors, kk(id+1, 0))
	}
	mentors[29].Capacity = 1
	for _, c := range []struct{ limit, wantMatched int }{{0, -1}, {5, -1}, {-1, 1}, {30, 1}} {
		res := solve(t, mentors, []Mentee{kkMentee(10)}, Options{FitListLength: c.limit})
		if c.wantMatched == 1 && len(res.Pairs) != 1 {
			t.Errorf("limit %d: %s", c.limit, pairs(res))
		}
	}
	// Capacity-0 mentors are never on a list, so one open seat is always found.
	res := solve(t, mentors, []Mentee{kkMentee(10)}, Options{FitListLength: 1})
	if len(res.Pairs) != 1 {
		t.Errorf("capacity-0 mentors took list places: %s", pairs(res))
	}
}

func TestErrors(t *testing.T) {
	if _, err := Solve([]Mentor{kk(1, 1), kk(1, 2)}, nil, Options{}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("duplicate mentor: %v", err)
	}
	if _, err := Solve(nil, []Mentee{kkMentee(1), kkMentee(1)}, Options{}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("duplicate mentee: %v", err)
	}
	if _, err := Solve([]Mentor{kk(1, -1)}, nil, Options{}); !errors.Is(err, ErrCapacity) {
		t.Errorf("negative capacity: %v", err)
	}
	var many []string
	for i := range 65 {
		many = append(many, fmt.Sprint("lang", i))
	}
	if _, err := Solve([]Mentor{{ID: 1, Languages: many}}, nil, Options{}); !errors.Is(err, ErrTooMany) {
		t.Errorf("65 languages: %v", err)
	}
	if _, err := Solve([]Mentor{{ID: 1, Languages: many[:64], Spheres: many[:64]}}, nil, Options{}); err != nil {
		t.Errorf("64 languages and spheres: %v", err)
	}
}

func TestMode(t *testing.T) {
	for _, m := range []Mode{Either, Online, InPerson} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("%v: %v %v", m, got, err)
		}
	}
	if _, err := ParseMode("carrier pigeon"); err == nil {
		t.Error("unknown mode accepted")
	}
}
