package selection

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Normalization says how each juror's sheet totals are made comparable
// before an application's totals are averaged.
type Normalization string

const (
	// Raw averages the sheet totals as given.
	Raw Normalization = "raw"
	// ZScore turns each juror's totals into z-scores over that juror's
	// sheets, then maps them back onto the 0–100 scale with the mean and
	// standard deviation of all the holding's raw totals. A strict juror's
	// 60 and a lenient juror's 90 count alike when both are that juror's
	// usual mark. A juror with one sheet keeps its raw total; a juror who
	// gave every sheet the same total gets the holding's mean.
	ZScore Normalization = "zscore"
	// RankBased replaces each total with its place among the juror's own
	// sheets: 100 for the juror's best, 0 for the worst, evenly between
	// (equal totals share the average). A juror with one sheet gives 50.
	RankBased Normalization = "rank"
)

// Tie-break rules, in the order they apply, as named in reports.
const (
	ByScore       = "score"          // not a tie: the scores differ
	ByLead        = "lead_criterion" // higher mean score on the lead criterion (Rubric.Lead)
	ByFirstPlaces = "first_places"   // more jurors who put it first among their sheets
	BySubmitted   = "submitted_at"   // submitted earlier (an unknown time counts as last)
	ByDraw        = "draw"           // lower seeded draw: SHA-256(seed, id)
	ByID          = "id"             // lower id, should two draws ever collide
)

// Application is what ranking needs of an application.
type Application struct {
	ID string `json:"id"`
	// Holding is the organization holding this stage for the application
	// (the call's "host_id"); "" when the stage has one holding.
	Holding     string    `json:"holding_id,omitempty"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Sheet is one juror's scores for one application.
type Sheet struct {
	Application string             `json:"application_id"`
	Juror       string             `json:"juror_id"`
	Scores      map[string]float64 `json:"scores"`
}

// RankInput is a stage's applications and sheets.
type RankInput struct {
	Rubric        Rubric
	Applications  []Application
	Sheets        []Sheet
	Normalization Normalization // "" means Raw
	// Seed drives the last tie-break, the draw; store it with the stage
	// (drawn once when the stage is created) so the order can be
	// recomputed and audited.
	Seed uint64
}

// Ranked is one application's place in its holding.
type Ranked struct {
	Application string `json:"application_id"`
	Holding     string `json:"holding_id,omitempty"`
	Rank        int    `json:"rank"` // 1-based, within the holding; unique
	// Score is what the ranking used: the mean of the application's sheet
	// totals after normalisation (equal to RawScore with Raw).
	Score    float64 `json:"score"`
	RawScore float64 `json:"raw_score"` // mean of the raw totals, always reported
	Sheets   int     `json:"sheets"`
	// Scored is false for an application without sheets: it ranks after
	// every scored one and never advances.
	Scored bool `json:"scored"`
	// The tie-break values, for the results page and the audit.
	Lead        float64   `json:"lead"`         // mean raw score on the lead criterion
	FirstPlaces int       `json:"first_places"` // jurors who put it first
	SubmittedAt time.Time `json:"submitted_at"`
	Draw        string    `json:"draw"` // hex of the draw value
	draw        uint64
	score, lead int64 // key(Score), key(Lead)
}

// Tie is a run of scored applications of one holding with equal scores
// (to nine decimal places), in their final order, with the rule that
// separated each from the next.
type Tie struct {
	Holding      string   `json:"holding_id,omitempty"`
	Score        float64  `json:"score"`
	FirstRank    int      `json:"first_rank"`
	Applications []string `json:"applications"`
	// DecidedBy[i] is the rule that put Applications[i] before
	// Applications[i+1]: one of ByLead … ByID.
	DecidedBy []string `json:"decided_by"`
}

// HoldingRanking is one holding's order.
type HoldingRanking struct {
	Holding string   `json:"holding_id"`
	Items   []Ranked `json:"items"` // best first
	Ties    []Tie    `json:"ties"`
}

// Ranking is a stage's order, one per holding, sorted by holding id.
type Ranking struct {
	Normalization Normalization     `json:"normalization"`
	Lead          string            `json:"lead_criterion"`
	Holdings      []*HoldingRanking `json:"holdings"`
}

// Holding returns the ranking of holding id, or nil.
func (r *Ranking) Holding(id string) *HoldingRanking {
	for _, h := range r.Holdings {
		if h.Holding == id {
			return h
		}
	}
	return nil
}

// key makes a score comparable: equal to nine decimal places is equal,
// whatever order the sums were made in.
func key(x float64) int64 { return int64(math.Round(x * 1e9)) }

// Rank orders each holding's applications by score, breaking ties by, in
// order: the lead criterion, jurors' first places, earlier submission, a
// seeded draw (see the By… constants). Every sheet must be valid for the
// rubric and belong to a listed application; a juror scores an
// application at most once. The result depends only on the sets given
// and the seed, never on their order.
func Rank(in RankInput) (*Ranking, error) {
	if err := in.Rubric.Check(); err != nil {
		return nil, err
	}
	norm := in.Normalization
	switch norm {
	case "":
		norm = Raw
	case Raw, ZScore, RankBased:
	default:
		return nil, fmt.Errorf("selection: unknown normalization %q", norm)
	}
	apps := slices.Clone(in.Applications)
	slices.SortFunc(apps, func(a, b Application) int { return strings.Compare(a.ID, b.ID) })
	appIdx := make(map[string]int, len(apps))
	for i, a := range apps {
		if a.ID == "" {
			return nil, errors.New("selection: an application without id")
		}
		if _, dup := appIdx[a.ID]; dup {
			return nil, fmt.Errorf("selection: application %q given twice", a.ID)
		}
		appIdx[a.ID] = i
	}

	// Sheets in a canonical order, so every sum is made the same way.
	type sheet struct {
		app, juror    int
		total, lead   float64
		value         float64 // after normalisation
		appID, jurorS string
	}
	lead := in.Rubric.Lead()
	leadKey := in.Rubric[lead].Key
	sheets := make([]sheet, len(in.Sheets))
	for i, s := range in.Sheets {
		a, ok := appIdx[s.Application]
		if !ok {
			return nil, fmt.Errorf("selection: a sheet of juror %q for unknown application %q", s.Juror, s.Application)
		}
		if s.Juror == "" {
			return nil, fmt.Errorf("selection: a sheet for application %q without juror", s.Application)
		}
		if err := in.Rubric.Validate(s.Scores); err != nil {
			return nil, fmt.Errorf("selection: sheet of juror %q for application %q: %w", s.Juror, s.Application, err)
		}
		sheets[i] = sheet{app: a, appID: s.Application, jurorS: s.Juror,
			total: in.Rubric.Total(s.Scores), lead: s.Scores[leadKey]}
	}
	slices.SortFunc(sheets, func(x, y sheet) int { // applications are sorted by id
		if x.app != y.app {
			return x.app - y.app
		}
		return strings.Compare(x.jurorS, y.jurorS)
	})
	jurorIdx := map[string]int{}
	for i := range sheets {
		if i > 0 && sheets[i].app == sheets[i-1].app && sheets[i].jurorS == sheets[i-1].jurorS {
			return nil, fmt.Errorf("selection: juror %q scored application %q twice", sheets[i].jurorS, sheets[i].appID)
		}
		j, ok := jurorIdx[sheets[i].jurorS]
		if !ok {
			j = len(jurorIdx)
			jurorIdx[sheets[i].jurorS] = j
		}
		sheets[i].juror = j
	}
	byJuror := make([][]int, len(jurorIdx)) // sheet indices, canonical order
	for i, s := range sheets {
		byJuror[s.juror] = append(byJuror[s.juror], i)
	}

	// Normalisation.
	switch norm {
	case Raw:
		for i := range sheets {
			sheets[i].value = sheets[i].total
		}
	case ZScore:
		type stat struct{ n, sum, sq float64 }
		hold := map[string]*stat{}
		for _, s := range sheets {
			h := apps[s.app].Holding
			st := hold[h]
			if st == nil {
				st = &stat{}
				hold[h] = st
			}
			st.n++
			st.sum += s.total
		}
		for _, s := range sheets {
			st := hold[apps[s.app].Holding]
			d := s.total - st.sum/st.n
			st.sq += d * d
		}
		for _, idx := range byJuror {
			n := float64(len(idx))
			var sum, sq float64
			for _, i := range idx {
				sum += sheets[i].total
			}
			mean := sum / n
			for _, i := range idx {
				d := sheets[i].total - mean
				sq += d * d
			}
			sd := math.Sqrt(sq / n)
			for _, i := range idx {
				st := hold[apps[sheets[i].app].Holding]
				hMean, hSD := st.sum/st.n, math.Sqrt(st.sq/st.n)
				switch {
				case len(idx) == 1:
					sheets[i].value = sheets[i].total
				case key(sd) == 0:
					sheets[i].value = hMean
				default:
					sheets[i].value = min(100, max(0, hMean+hSD*(sheets[i].total-mean)/sd))
				}
			}
		}
	case RankBased:
		for _, idx := range byJuror {
			if len(idx) == 1 {
				sheets[idx[0]].value = 50
				continue
			}
			keys := make([]int64, len(idx))
			for n, i := range idx {
				keys[n] = key(sheets[i].total)
			}
			sorted := slices.Clone(keys)
			slices.Sort(sorted)
			for n, i := range idx {
				below, _ := slices.BinarySearch(sorted, keys[n])
				end, _ := slices.BinarySearch(sorted, keys[n]+1)
				equalOthers := end - below - 1
				sheets[i].value = 100 * (float64(below) + 0.5*float64(equalOthers)) / float64(len(idx)-1)
			}
		}
	}

	// Each juror's first places, on raw totals.
	firsts := make([]int, len(apps))
	for _, idx := range byJuror {
		best := int64(math.MinInt64)
		for _, i := range idx {
			best = max(best, key(sheets[i].total))
		}
		for _, i := range idx {
			if key(sheets[i].total) == best {
				firsts[sheets[i].app]++
			}
		}
	}

	items := make([]Ranked, len(apps))
	for i, a := range apps {
		items[i] = Ranked{Application: a.ID, Holding: a.Holding, SubmittedAt: a.SubmittedAt, FirstPlaces: firsts[i]}
		items[i].draw = draw(in.Seed, a.ID)
		items[i].Draw = fmt.Sprintf("%016x", items[i].draw)
	}
	// Sheets are sorted by application: sum each run.
	for lo := 0; lo < len(sheets); {
		hi := lo
		var v, raw, ld float64
		for ; hi < len(sheets) && sheets[hi].app == sheets[lo].app; hi++ {
			v += sheets[hi].value
			raw += sheets[hi].total
			ld += sheets[hi].lead
		}
		n := float64(hi - lo)
		it := &items[sheets[lo].app]
		it.Sheets, it.Scored = hi-lo, true
		it.Score, it.RawScore, it.Lead = v/n, raw/n, ld/n
		it.score, it.lead = key(it.Score), key(it.Lead)
		lo = hi
	}

	// One ranking per holding.
	byHolding := map[string][]Ranked{}
	for _, it := range items {
		byHolding[it.Holding] = append(byHolding[it.Holding], it)
	}
	r := &Ranking{Normalization: norm, Lead: leadKey}
	for h, list := range byHolding {
		ptrs := make([]*Ranked, len(list))
		for i := range list {
			ptrs[i] = &list[i]
		}
		slices.SortFunc(ptrs, func(a, b *Ranked) int {
			c, _ := compare(a, b)
			return c
		})
		sorted := make([]Ranked, len(list))
		for i, p := range ptrs {
			sorted[i] = *p
		}
		list = sorted
		hr := &HoldingRanking{Holding: h, Items: list, Ties: []Tie{}}
		for i := range list {
			list[i].Rank = i + 1
		}
		for lo := 0; lo < len(list); {
			hi := lo + 1
			for hi < len(list) && list[lo].Scored && list[hi].Scored && list[hi].score == list[lo].score {
				hi++
			}
			if hi-lo > 1 {
				t := Tie{Holding: h, Score: list[lo].Score, FirstRank: lo + 1}
				for i := lo; i < hi; i++ {
					t.Applications = append(t.Applications, list[i].Application)
					if i+1 < hi {
						_, rule := compare(&list[i], &list[i+1])
						t.DecidedBy = append(t.DecidedBy, rule)
					}
				}
				hr.Ties = append(hr.Ties, t)
			}
			lo = hi
		}
		r.Holdings = append(r.Holdings, hr)
	}
	slices.SortFunc(r.Holdings, func(a, b *HoldingRanking) int { return strings.Compare(a.Holding, b.Holding) })
	return r, nil
}

// compare orders two applications of a holding, best first, and names the
// rule that decided.
func compare(a, b *Ranked) (int, string) {
	if a.Scored != b.Scored {
		if a.Scored {
			return -1, ByScore
		}
		return 1, ByScore
	}
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c, ByScore
	}
	if c := cmp.Compare(b.lead, a.lead); c != 0 {
		return c, ByLead
	}
	if c := cmp.Compare(b.FirstPlaces, a.FirstPlaces); c != 0 {
		return c, ByFirstPlaces
	}
	if c := compareTimes(a.SubmittedAt, b.SubmittedAt); c != 0 {
		return c, BySubmitted
	}
	if c := cmp.Compare(a.draw, b.draw); c != 0 {
		return c, ByDraw
	}
	return strings.Compare(a.Application, b.Application), ByID
}

// compareTimes puts the earlier first and an unknown (zero) time last.
func compareTimes(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// draw is the seeded lot of an application: the first eight bytes of
// SHA-256 over the seed (big-endian) and the id. Anyone with the seed can
// recompute it.
func draw(seed uint64, id string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// DrawOf returns the hex draw of id under seed, as Ranked.Draw shows it,
// for an audit page that explains a draw.
func DrawOf(seed uint64, id string) string {
	v := draw(seed, id)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return hex.EncodeToString(b[:])
}
