package matching

import (
	"math/rand/v2"
	"time"
)

// shape describes random instances: pools to draw from and how much of
// each thing to give.
type shape struct {
	mentors, mentees int
	capMin, capMax   int
	spheres          []string
	languages        [][]string // language sets to draw from (first = preferred)
	regions          []string   // "" allowed
	prefMax          int        // each mentee ranks 0…prefMax mentors
	onlyRanked       float64    // share of mentees with OnlyRanked
	mentorRanks      float64    // share of mentors with a Ranking
	unknownPrefs     float64    // share of preferences naming no mentor
	waitSpread       int        // distinct waiting times (small: many ties)
}

var (
	benchSpheres   = []string{"it", "media", "business", "sport", "art", "politics", "public"}
	benchLanguages = [][]string{{"kk"}, {"kk"}, {"kk", "ru"}, {"kk", "ru"}, {"ru"}, {"ru", "kk"}, {"kk", "en"}, {"en", "ru"}}
	benchRegions   = []string{"KZ-ABY", "KZ-AKM", "KZ-AKT", "KZ-ALM", "KZ-ATY", "KZ-VOS", "KZ-ZHA", "KZ-ZHT", "KZ-ZAP",
		"KZ-KAR", "KZ-KUS", "KZ-KZY", "KZ-MAN", "KZ-PAV", "KZ-SEV", "KZ-TUR", "KZ-ULT", "KZ-ALA", "KZ-AST", "KZ-SHY"}
)

// benchShape is the instance: mentors with 1–10 seats, each request
// ranking up to five mentors (0 to 5, so about one in six says "no
// preference"), the pool's seven spheres, Kazakhstan's regions.
func benchShape(mentors, mentees int) shape {
	return shape{
		mentors: mentors, mentees: mentees, capMin: 1, capMax: 10,
		spheres: benchSpheres, languages: benchLanguages, regions: benchRegions,
		prefMax: 5, onlyRanked: 0.1, mentorRanks: 0.05, waitSpread: 90 * 24,
	}
}

// smallShape gives dense conflicts: few keys, few seats, many ties.
func smallShape(r *rand.Rand) shape {
	return shape{
		mentors: 1 + r.IntN(8), mentees: r.IntN(25), capMin: 0, capMax: 3,
		spheres:   []string{"it", "media", "art"},
		languages: [][]string{{"kk"}, {"ru"}, {"kk", "ru"}, {"ru", "kk"}, {"en"}},
		regions:   []string{"A", "B", ""},
		prefMax:   3, onlyRanked: 0.2, mentorRanks: 0.3, unknownPrefs: 0.1, waitSpread: 3,
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func someOf(r *rand.Rand, xs []string, most int) []string {
	n := 1 + r.IntN(most)
	var out []string
	for range n {
		out = append(out, pick(r, xs)) // repeats allowed: the solver must cope
	}
	return out
}

func mode(r *rand.Rand, online, inPerson float64) Mode {
	switch x := r.Float64(); {
	case x < online:
		return Online
	case x < online+inPerson:
		return InPerson
	}
	return Either
}

func generate(r *rand.Rand, sh shape) ([]Mentor, []Mentee) {
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mentors := make([]Mentor, sh.mentors)
	bySphere := map[string][]int64{}
	for i := range mentors {
		id := int64(1000 + i*3 + r.IntN(3)) // gaps, not in order of use
		mentors[i] = Mentor{
			ID:        id,
			Capacity:  sh.capMin + r.IntN(sh.capMax-sh.capMin+1),
			Spheres:   someOf(r, sh.spheres, 3),
			Languages: pick(r, sh.languages),
			Region:    pick(r, sh.regions),
			Mode:      mode(r, 0.25, 0.15),
		}
		for _, sp := range mentors[i].Spheres {
			bySphere[sp] = append(bySphere[sp], id)
		}
	}
	mentees := make([]Mentee, sh.mentees)
	for i := range mentees {
		e := Mentee{
			ID:           int64(50000 + i*2 + r.IntN(2)),
			Spheres:      someOf(r, sh.spheres, 2),
			Languages:    pick(r, sh.languages),
			Region:       pick(r, sh.regions),
			Mode:         mode(r, 0.3, 0.2),
			WaitingSince: base.Add(time.Duration(r.IntN(sh.waitSpread)) * time.Hour),
		}
		// Mentees pick among the mentors of their first sphere, as a page
		// filtered by sphere would show them.
		choices := bySphere[e.Spheres[0]]
		for range r.IntN(sh.prefMax + 1) {
			if len(choices) == 0 || r.Float64() < sh.unknownPrefs {
				e.Preferences = append(e.Preferences, int64(r.IntN(100)))
				continue
			}
			e.Preferences = append(e.Preferences, pick(r, choices))
		}
		e.OnlyRanked = r.Float64() < sh.onlyRanked
		mentees[i] = e
	}
	for i := range mentors {
		if r.Float64() < sh.mentorRanks && len(mentees) > 0 {
			for range 1 + r.IntN(5) {
				mentors[i].Ranking = append(mentors[i].Ranking, pick(r, mentees).ID)
			}
		}
	}
	return mentors, mentees
}
