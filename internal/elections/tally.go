package elections

import (
	"slices"
	"strconv"
)

// Result is the count of an election.
type Result struct {
	Electorate    int
	Ballots       int
	Valid         int // ballots with at least one choice or mark
	Turnout       float64
	QuorumReached bool
	SecondRound   bool // a tie for the last seat: those tied go to a second round
	Candidates    []CandidateResult
}

// CandidateResult is one candidate's count.
type CandidateResult struct {
	ID       int64
	PersonID int64
	Name     string
	Votes    int // choose: ballots that chose them; for/against/abstain: "for" marks
	For      int
	Against  int
	Abstain  int
	Elected  bool
	Tie      bool
}

// Tally counts ballots for the accepted candidates. The rules:
//   - quorum: ballots cast ≥ quorum × electorate, else nobody is elected;
//   - a candidate qualifies with at least one vote, with more "for" than
//     "against" marks (for/against/abstain), and under the majority rule
//     with votes from more than half of the ballots cast;
//   - the qualified candidates with the most votes fill the seats; when
//     candidates tie for the last seat(s), none of the tied is elected and
//     a second round is flagged.
//
// Anyone can repeat this count from the published bulletin.
func Tally(e *Election, cands []Candidate, ballots []Ballot) Result {
	r := Result{Electorate: e.Electorate, Ballots: len(ballots)}
	idx := map[string]int{}
	for i, c := range cands {
		idx[strconv.FormatInt(c.ID, 10)] = i
		r.Candidates = append(r.Candidates, CandidateResult{ID: c.ID, PersonID: c.PersonID, Name: c.Name})
	}
	for _, b := range ballots {
		if len(b.Choices) > 0 || len(b.Marks) > 0 {
			r.Valid++
		}
		for _, id := range b.Choices {
			if i, ok := idx[id]; ok {
				r.Candidates[i].Votes++
			}
		}
		for id, m := range b.Marks {
			i, ok := idx[id]
			if !ok {
				continue
			}
			switch m {
			case For:
				r.Candidates[i].For++
				r.Candidates[i].Votes++
			case Against:
				r.Candidates[i].Against++
			case Abstain:
				r.Candidates[i].Abstain++
			}
		}
	}
	if r.Electorate > 0 {
		r.Turnout = float64(r.Ballots) / float64(r.Electorate)
	}
	r.QuorumReached = r.Electorate > 0 && r.Ballots*10000 >= e.QuorumBP*r.Electorate
	// Most votes first, then by name (display only: order never elects).
	slices.SortStableFunc(r.Candidates, func(a, b CandidateResult) int { return b.Votes - a.Votes })
	if !r.QuorumReached {
		return r
	}
	var q []int // indexes of qualified candidates, in order of votes
	for i, c := range r.Candidates {
		ok := c.Votes > 0
		if e.Method == MethodFAA && c.For <= c.Against {
			ok = false
		}
		if e.Rule == RuleMajority && c.Votes*2 <= r.Ballots {
			ok = false
		}
		if ok {
			q = append(q, i)
		}
	}
	if len(q) <= e.Seats {
		for _, i := range q {
			r.Candidates[i].Elected = true
		}
		return r
	}
	cut := r.Candidates[q[e.Seats-1]].Votes
	tied := r.Candidates[q[e.Seats]].Votes == cut
	for _, i := range q {
		c := &r.Candidates[i]
		switch {
		case c.Votes > cut || (c.Votes == cut && !tied):
			c.Elected = true
		case c.Votes == cut && tied:
			c.Tie = true
			r.SecondRound = true
		}
	}
	return r
}
