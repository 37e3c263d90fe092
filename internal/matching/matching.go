// Package matching is the mentorship solver: it pairs mentees with mentors
// who have a limited number of seats, by mentee-proposing deferred acceptance
// (Gale–Shapley with capacities, the hospitals–residents algorithm the
// National Resident Matching Program runs, applicants proposing).
//
// The result is stable under the tie-broken preference orders documented
// below: no mentee and mentor both prefer each other to what they got. Among
// all stable results it is the best one for every mentee at once. It is
// deterministic: the same input and Options.Seed give the same result,
// whatever the order of the input slices.
//
// # Who may meet whom (hard constraints)
//
// A mentee and a mentor are acceptable to each other only when
//
//   - the mentor has a seat (Capacity > 0; a capacity of 0 takes nobody),
//   - they share a language, and
//   - they can meet: both accept online meetings, or both accept meetings in
//     person and have the same, non-empty Region;
//   - with Options.RequireSphere, they also share a sphere.
//
// # The mentee's list
//
// A mentee proposes down a list of acceptable mentors:
//
//   - The mentors in Preferences, best first, that are acceptable (unknown,
//     repeated or unacceptable ones are left out and explained).
//   - No Preferences, or none of them acceptable: the FitListLength (default
//     20) best-fitting acceptable mentors, unless OnlyRanked is set and the
//     mentee did rank someone — then the mentee stays unmatched and is told
//     why. With Options.AppendFit the best-fitting others follow the ranked
//     mentors on every list but those of OnlyRanked mentees.
//   - Best-fitting means: higher Fit first; among equal fits, mentors in ID
//     order starting from a point drawn from (Seed, mentee ID) and wrapping
//     around, so that mentees with the same profile spread over equal mentors.
//
// # The mentor's order of mentees (the tie-break rule)
//
// A mentor holds the best Capacity mentees who propose, best being, in order:
//
//  1. mentees in the mentor's own Ranking, in that order, before all others;
//  2. higher Fit;
//  3. earlier WaitingSince (the zero time counts as earliest);
//  4. smaller TieHash(Seed, mentee ID) — one seeded lottery for the whole
//     round, the same for every mentor;
//  5. smaller mentee ID (only if two hashes are equal).
//
// # Fit
//
// Fit(mentee, mentor) = 4 × shared spheres + 2 × (same region) + 1 × (the
// mentor speaks the mentee's first language). Spheres weigh most; region and
// language only break ties between equal sphere overlaps.
//
// # Explanations
//
// Every pair and every unmatched mentee carries Reasons: codes with
// arguments (see Code) that a user interface translates. The solver writes no
// prose.
//
// See docs/decisions/0090-mentor-matching.md.
package matching

import (
	"errors"
	"time"
)

// Mode is how someone is willing to meet. The zero value is Either.
type Mode uint8

const (
	Either   Mode = iota // online or in person
	Online               // online only
	InPerson             // in person only
)

// String returns "either", "online" or "in_person".
func (m Mode) String() string {
	switch m {
	case Online:
		return "online"
	case InPerson:
		return "in_person"
	}
	return "either"
}

// ParseMode is the inverse of String; "" is Either.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "either":
		return Either, nil
	case "online":
		return Online, nil
	case "in_person":
		return InPerson, nil
	}
	return Either, errors.New("matching: unknown mode " + s)
}

func (m Mode) online() bool   { return m != InPerson }
func (m Mode) inPerson() bool { return m != Online }

// Mentor is one mentor of the pool as the round sees them.
type Mentor struct {
	ID int64
	// Capacity is the number of mentees this round may give them: their free
	// seats (the component subtracts mentees they already have). 0 takes
	// nobody; negative is an error.
	Capacity  int
	Spheres   []string // sphere keys, e.g. "it", "media"
	Languages []string // language codes, e.g. "kk", "ru"
	Region    string   // region code; needed for meetings in person
	Mode      Mode
	// Ranking optionally orders mentees (IDs, best first) whom the mentor
	// prefers to everyone else. Unknown IDs are ignored.
	Ranking []int64
}

// Mentee is one open request for a mentor.
type Mentee struct {
	ID        int64 // the request's ID
	Spheres   []string
	Languages []string // the first is the preferred one
	Region    string
	Mode      Mode
	// Preferences optionally lists mentor IDs, best first. Empty means "no
	// preference": the mentee gets a list by fit.
	Preferences []int64
	// OnlyRanked: the mentee wants a mentor from Preferences or none — no
	// list by fit, neither when none of them can be matched nor with
	// Options.AppendFit. Ignored when Preferences is empty.
	OnlyRanked bool
	// WaitingSince is when the request was made: earlier requests go first
	// among mentees a mentor finds equally fitting.
	WaitingSince time.Time
}

// DefaultFitListLength is how many best-fitting mentors a list by fit holds
// when Options.FitListLength is 0.
const DefaultFitListLength = 20

// Options tune a round. The zero value is the documented default.
type Options struct {
	// Seed drives every tie the round draws by lot. Store it with the round:
	// the same input and seed give the same result.
	Seed uint64
	// RequireSphere makes a shared sphere a hard constraint.
	RequireSphere bool
	// AppendFit lets every mentee, after their ranked mentors, go on down the
	// best-fitting other mentors (FitListLength of them) instead of stopping.
	AppendFit bool
	// FitListLength is how many mentors a list by fit holds: 0 means
	// DefaultFitListLength, negative means every acceptable mentor.
	FitListLength int
}

// Pair is one mentee given to one mentor.
type Pair struct {
	MenteeID int64    `json:"mentee_id"`
	MentorID int64    `json:"mentor_id"`
	Fit      int      `json:"fit"`
	Reasons  []Reason `json:"reasons"`
}

// Unmatched is a mentee who got no mentor this round, with why.
type Unmatched struct {
	MenteeID int64    `json:"mentee_id"`
	Reasons  []Reason `json:"reasons"`
}

// Result is a round's outcome. Pairs and Unmatched are in mentee ID order.
type Result struct {
	Pairs     []Pair      `json:"pairs"`
	Unmatched []Unmatched `json:"unmatched"`
	// Proposals is how many times a mentee proposed to a mentor: a measure
	// of the work done, for logs.
	Proposals int `json:"proposals"`
}

// Errors of invalid input; Solve wraps them with the offending value.
var (
	ErrDuplicateID = errors.New("matching: duplicate id")
	ErrCapacity    = errors.New("matching: negative capacity")
	ErrTooMany     = errors.New("matching: too many distinct keys")
)
