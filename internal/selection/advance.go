package selection

import (
	"errors"
	"fmt"
)

// Statuses of an application after advancement.
const (
	StatusAdvanced    = "advanced"
	StatusDeclined    = "declined"
	StatusNotAdvanced = "not_advanced"
	StatusUnscored    = "unscored" // no sheets: never advances
)

// AdvanceRules say how many advance and who declined.
type AdvanceRules struct {
	// N is how many each holding advances (the stage's "advance").
	N int
	// PerHolding overrides N for the holdings it names.
	PerHolding map[string]int
	// KeepTies lets everyone tied on score with the last one advanced
	// advance too, so a holding may advance more than N; by default the
	// tie-breaks decide and exactly N advance (fewer when there are not
	// enough scored applications).
	KeepTies bool
	// Declined lists the applications that declined to advance, in the
	// order they declined (the order only shapes the backfill report).
	// One who declines before the results simply never advances.
	Declined []string
}

// Backfill is one place filled after a decline: In moved up in the place
// of For.
type Backfill struct {
	In  string `json:"application_id"`
	For string `json:"in_place_of"`
}

// Outcome is one application's result.
type Outcome struct {
	Application string  `json:"application_id"`
	Rank        int     `json:"rank"`
	Score       float64 `json:"score"`
	Status      string  `json:"status"`
	Advanced    bool    `json:"advanced"`
	// InPlaceOf is set for an application advanced by backfill.
	InPlaceOf string `json:"in_place_of,omitempty"`
}

// Cutoff is the last application advanced in a holding.
type Cutoff struct {
	Application string  `json:"application_id"`
	Rank        int     `json:"rank"`
	Score       float64 `json:"score"`
}

// CutoffTie is a tie at a holding's cutoff: the tied run as ranked, and
// whether the rules kept all of it (KeepTies) or the tie-breaks split it.
type CutoffTie struct {
	Tie
	Kept bool `json:"kept"`
}

// HoldingAdvancement is one holding's result.
type HoldingAdvancement struct {
	Holding   string      `json:"holding_id"`
	N         int         `json:"n"`
	Advanced  []string    `json:"advanced"` // best first
	Cutoff    *Cutoff     `json:"cutoff"`   // nil when nobody advanced
	Ties      []CutoffTie `json:"ties"`
	Backfills []Backfill  `json:"backfills"`
	Outcomes  []Outcome   `json:"outcomes"` // every application, in rank order
}

// Advancement is a stage's result, one per holding, sorted by holding.
type Advancement struct {
	Holdings []*HoldingAdvancement `json:"holdings"`
}

// AdvancedIDs lists every advanced application, holding by holding, best
// first: the "advanced" of POST …/stages/{id}/close.
func (a *Advancement) AdvancedIDs() []string {
	var out []string
	for _, h := range a.Holdings {
		out = append(out, h.Advanced...)
	}
	return out
}

// CutoffTies lists the ties at every holding's cutoff: the "ties" of POST
// …/stages/{id}/close.
func (a *Advancement) CutoffTies() []CutoffTie {
	out := []CutoffTie{}
	for _, h := range a.Holdings {
		out = append(out, h.Ties...)
	}
	return out
}

// Advance takes each holding's best N scored applications that did not
// decline. When an advanced application declines, the next one in the
// same holding's order that has not declined moves up; Backfills says who
// moved up in whose place. Nobody advances past a higher-ranked
// application of the same holding that is scored, did not decline and
// did not advance.
func (r *Ranking) Advance(rules AdvanceRules) (*Advancement, error) {
	if rules.N < 0 {
		return nil, errors.New("selection: advance: N must not be negative")
	}
	for h, n := range rules.PerHolding {
		if n < 0 {
			return nil, fmt.Errorf("selection: advance: N for holding %q must not be negative", h)
		}
	}
	where := map[string]*HoldingRanking{}
	for _, h := range r.Holdings {
		for _, it := range h.Items {
			where[it.Application] = h
		}
	}
	declinedBy := map[*HoldingRanking][]string{}
	seen := map[string]bool{}
	for _, id := range rules.Declined {
		h, ok := where[id]
		if !ok {
			return nil, fmt.Errorf("selection: advance: unknown application %q declined", id)
		}
		if !seen[id] {
			seen[id] = true
			declinedBy[h] = append(declinedBy[h], id)
		}
	}
	out := &Advancement{}
	for _, h := range r.Holdings {
		n := rules.N
		if v, ok := rules.PerHolding[h.Holding]; ok {
			n = v
		}
		out.Holdings = append(out.Holdings, advanceHolding(h, n, rules.KeepTies, declinedBy[h]))
	}
	return out, nil
}

func advanceHolding(h *HoldingRanking, n int, keepTies bool, declines []string) *HoldingAdvancement {
	declined := map[string]bool{}
	// chosen returns the advanced set (as rank indices) given the declines
	// so far: the first n eligible, plus, with keepTies, every eligible one
	// tied on score with the n-th.
	chosen := func() []int {
		var idx []int
		var last int64
		for i, it := range h.Items {
			if !it.Scored || declined[it.Application] {
				continue
			}
			if len(idx) < n {
				idx = append(idx, i)
				last = it.score
				continue
			}
			if keepTies && it.score == last {
				idx = append(idx, i)
				continue
			}
			break
		}
		return idx
	}
	res := &HoldingAdvancement{Holding: h.Holding, N: n, Ties: []CutoffTie{}, Backfills: []Backfill{}, Advanced: []string{}}
	inPlaceOf := map[string]string{}
	cur := chosen()
	for _, d := range declines {
		was := map[int]bool{}
		for _, i := range cur {
			was[i] = true
		}
		declined[d] = true
		next := chosen()
		wasAdvanced := false
		for _, i := range cur {
			wasAdvanced = wasAdvanced || h.Items[i].Application == d
		}
		for _, i := range next {
			if !was[i] && wasAdvanced {
				id := h.Items[i].Application
				res.Backfills = append(res.Backfills, Backfill{In: id, For: d})
				inPlaceOf[id] = d
			}
		}
		cur = next
	}
	adv := map[int]bool{}
	for _, i := range cur {
		adv[i] = true
		res.Advanced = append(res.Advanced, h.Items[i].Application)
	}
	for i, it := range h.Items {
		o := Outcome{Application: it.Application, Rank: it.Rank, Score: it.Score}
		switch {
		case adv[i]:
			o.Status, o.Advanced, o.InPlaceOf = StatusAdvanced, true, inPlaceOf[it.Application]
		case declined[it.Application]:
			o.Status = StatusDeclined
		case !it.Scored:
			o.Status = StatusUnscored
		default:
			o.Status = StatusNotAdvanced
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	// A backfilled application that later declined in turn is no longer
	// "in place of" anyone among the advanced; the report keeps the chain.
	if len(cur) == 0 {
		return res
	}
	last := h.Items[cur[len(cur)-1]]
	res.Cutoff = &Cutoff{Application: last.Application, Rank: last.Rank, Score: last.Score}
	// The tie at the cutoff: the tied run holding the last advanced, when
	// it decided something (someone in it did not advance) or when
	// KeepTies let more than n through.
	for _, t := range h.Ties {
		in, out := false, false
		for _, id := range t.Applications {
			if id == last.Application {
				in = true
			}
		}
		if !in {
			continue
		}
		for _, o := range res.Outcomes {
			if !o.Advanced && contains(t.Applications, o.Application) {
				out = true
			}
		}
		kept := len(cur) > n
		if out || kept {
			res.Ties = append(res.Ties, CutoffTie{Tie: t, Kept: kept})
		}
	}
	return res
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
