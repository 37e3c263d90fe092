package matching

// Code names one reason. Codes are stable identifiers for storage and
// translation ("mentorship.reason." + code); never rename one.
type Code string

// A Reason is one machine-readable part of an explanation. Which fields are
// set depends on the code:
//
//	code                  Values                N            Mentor
//	ranked                                      position 1…  (pairs: you ranked them Nth)
//	best_fit                                    position 1…  (pairs: Nth best fit of those open to you)
//	better_choices_full                         how many     (pairs: that many mentors above on your list were full)
//	mentor_ranked                               position 1…  (pairs: the mentor ranked you Nth)
//	same_sphere           sphere keys
//	shared_language       language codes
//	same_region           region code
//	online                                                   (pairs: you can meet online)
//	in_person             region code                        (pairs: you can meet in person)
//	ranked_unavailable    [why]                              mentor ID (a mentor you ranked could not be matched)
//	no_seats                                                 (no mentor has a free seat)
//	no_shared_language    your languages
//	no_mentor_in_region   region code                        (in person only: none who speaks your language in your region)
//	no_online_mentor                                         (online only: none who speaks your language works online)
//	no_reachable_mentor   region code                        (none who speaks your language is online or in your region)
//	no_shared_sphere      your spheres                       (with RequireSphere)
//	only_ranked                                              (you asked for your ranked mentors only)
//	all_full                                    how many     (every mentor on your list filled their seats with mentees they preferred)
//
// The [why] of ranked_unavailable is one of the Why* values.
type Reason struct {
	Code   Code     `json:"code"`
	Values []string `json:"values,omitempty"`
	N      int      `json:"n,omitempty"`
	Mentor int64    `json:"mentor,omitempty"`
}

const (
	Ranked            Code = "ranked"
	BestFit           Code = "best_fit"
	BetterChoicesFull Code = "better_choices_full"
	MentorRanked      Code = "mentor_ranked"
	SameSphere        Code = "same_sphere"
	SharedLanguage    Code = "shared_language"
	SameRegion        Code = "same_region"
	MeetOnline        Code = "online"
	MeetInPerson      Code = "in_person"
	RankedUnavailable Code = "ranked_unavailable"

	NoSeats           Code = "no_seats"
	NoSharedLanguage  Code = "no_shared_language"
	NoMentorInRegion  Code = "no_mentor_in_region"
	NoOnlineMentor    Code = "no_online_mentor"
	NoReachableMentor Code = "no_reachable_mentor"
	NoSharedSphere    Code = "no_shared_sphere"
	OnlyRankedAsked   Code = "only_ranked"
	AllFull           Code = "all_full"
)

// Why a ranked mentor could not be matched: the one value of a
// ranked_unavailable reason.
const (
	WhyUnknown    = "unknown"     // no such mentor in this round
	WhyRepeated   = "repeated"    // ranked twice; the first place counts
	WhyNoSeats    = "no_seats"    // capacity 0
	WhyNoLanguage = "no_language" // no shared language
	WhyCannotMeet = "cannot_meet" // not both online, not both in person in one region
	WhyNoSphere   = "no_sphere"   // no shared sphere (with RequireSphere)
)
