// Package elections holds elections by secret, verifiable ballot: an
// electorate fixed when voting opens, candidates (nominated and accepted,
// or proposed by the officers), one ballot per voter enforced by the
// database, a random tracker per ballot, a bulletin of all ballots after
// closing, voting codes for people without an account, and the results.
//
// Secrecy: election_voters records who voted; what was voted is sealed
// (encrypted under a key kept outside the database) while voting is open
// and written in plain into election_ballots only when voting closes, all
// at once in tracker order, so nothing stored links a voter to a ballot
// (see seal.go and docs/decisions/0040-secret-ballot.md).
package elections

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ortaq/ortaq/internal/cache"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/keys"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/meetings"
)

// Methods and rules.
const (
	MethodChoose  = "choose"              // choose up to Seats candidates
	MethodFAA     = "for_against_abstain" // for, against or abstain per candidate
	RulePlurality = "plurality"           // most votes
	RuleMajority  = "majority"            // more than half of the ballots cast
)

// Statuses of an election.
const (
	Draft     = "draft" // nominations
	Open      = "open"
	Closed    = "closed"
	Published = "published"
)

// Election is one election.
type Election struct {
	ID               int64
	OrgID            int64
	OrgName          string
	MeetingID        int64
	AgendaItemID     int64 // the meeting's agenda item it is held under (0: none)
	Title            i18n.Text
	Seats            int
	Method           string
	Rule             string
	QuorumBP         int // basis points of the electorate (5000 = half)
	ElectorateOrgID  int64
	ElectorateRole   string
	NominationsUntil *time.Time
	Status           string
	OpenedAt         *time.Time
	ClosedAt         *time.Time
	PublishedAt      *time.Time
	Electorate       int // size of the electorate snapshot (0 before opening)
	Voters           int // how many have voted
}

// Candidate is a person standing in an election.
type Candidate struct {
	ID          int64
	PersonID    int64
	Name        string
	Status      string
	NominatedBy int64
}

// Service is the elections service.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	wrapKey []byte // wraps each election's ballot key (seal.go)

	// Email: codes sent to voters, nominees told.
	mail    mail.Sender
	catalog *i18n.Catalog
	log     *slog.Logger
	baseURL string

	messenger Messenger // codes through Telegram

	// open elections' ballot rules and key (their candidates are fixed),
	// by election id: kept a minute at most, so that an election closed on
	// another node leaves no key behind here for long (ballot.go)
	ballotInfos *cache.Cache[int64, *ballotInfo]

	ballots *db.Group[castReq, struct{}] // ballots waiting to be written (ballot.go)
}

// Deps are what the elections service needs.
type Deps struct {
	DB   *db.DB
	Auth *auth.Service
	// Keys are the installation's keys: ballots are sealed under a key
	// derived from them while voting is open.
	Keys *keys.Keys
	// Mail, with Catalog, lets the service send email: voting codes to
	// voters, and a word to members nominated by others; nil: none.
	Mail    mail.Sender
	Catalog *i18n.Catalog
	Log     *slog.Logger // nil: discarded
	BaseURL string       // links in messages and on the bulletin start with it
	// Messenger, when set, carries a voter's code to those who linked a
	// chat (Telegram), email to the others.
	Messenger Messenger
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{db: d.DB, auth: d.Auth, wrapKey: d.Keys.Derive("ballot-wrap"), mail: d.Mail, catalog: d.Catalog,
		log: d.Log, baseURL: strings.TrimSuffix(d.BaseURL, "/"), messenger: d.Messenger,
		ballotInfos: cache.New[int64, *ballotInfo](ballotInfoTTL, 1000, nil)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ballots = s.newBallotWriter()
	return s
}

// Stop writes the ballots still queued and refuses new ones (shutdown).
func (s *Service) Stop() { s.ballots.Stop() }

func today(now time.Time) string { return now.In(i18n.Almaty).Format("2006-01-02") }

func notFound() error { return errs.New(errs.NotFound, "error.404.text") }

// NewElection is what an officer gives to create an election.
type NewElection struct {
	OrgID            int64
	MeetingID        int64
	AgendaItemID     int64 // an item of the meeting's agenda (the meeting is then implied)
	Title            i18n.Text
	Seats            int
	Method           string
	Rule             string
	Quorum           float64 // share of the electorate, 0..1
	ElectorateOrgID  int64   // 0: OrgID
	ElectorateRole   string
	NominationsUntil *time.Time
}

func (in *NewElection) validate() error {
	var fs errs.Fields
	in.Title.KK, in.Title.RU, in.Title.EN = strings.TrimSpace(in.Title.KK), strings.TrimSpace(in.Title.RU), strings.TrimSpace(in.Title.EN)
	if in.Title.KK == "" && in.Title.RU == "" && in.Title.EN == "" {
		fs.Add("title", "validation.required")
	}
	for _, s := range []string{in.Title.KK, in.Title.RU, in.Title.EN} {
		if len([]rune(s)) > 200 {
			fs.Add("title", "validation.too_long", "max", 200)
			break
		}
	}
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if in.Seats < 1 || in.Seats > 1000 {
		fs.Add("seats", "elections.invalid_seats", "max", 1000)
	}
	if in.Method != MethodChoose && in.Method != MethodFAA {
		fs.Add("method", "validation.invalid_choice")
	}
	if in.Rule != RulePlurality && in.Rule != RuleMajority {
		fs.Add("rule", "validation.invalid_choice")
	}
	if in.Quorum < 0 || in.Quorum > 1 {
		fs.Add("quorum", "elections.invalid_quorum")
	}
	in.ElectorateRole = strings.TrimSpace(in.ElectorateRole)
	if len(in.ElectorateRole) > 50 {
		fs.Add("electorate.role", "validation.too_long", "max", 50)
	}
	if in.ElectorateOrgID == 0 {
		in.ElectorateOrgID = in.OrgID
	}
	return fs.Err()
}

// Create makes a new election in the draft (nomination) state. Officers
// (moderators and admins of the organization) create elections.
func (s *Service) Create(ctx context.Context, u *auth.User, in NewElection) (int64, error) {
	if err := s.defaultTitle(ctx, &in); err != nil {
		return 0, err
	}
	if err := in.validate(); err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, u, in.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	if in.ElectorateOrgID != in.OrgID {
		if err := s.auth.Require(ctx, u, in.ElectorateOrgID, auth.Moderator); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		for _, org := range []int64{in.OrgID, in.ElectorateOrgID} {
			ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ? AND archived_at IS NULL", org)
			if err != nil {
				return err
			}
			if !ok {
				var fs errs.Fields
				fs.Add("organization_id", "elections.no_such_org")
				return fs.Err()
			}
		}
		if in.AgendaItemID != 0 {
			// The item names its meeting; a meeting given as well must be it.
			var meeting int64
			err := tx.QueryRow(ctx, "SELECT meeting_id FROM meeting_agenda_items WHERE id = ?", in.AgendaItemID).Scan(&meeting)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && in.MeetingID != 0 && meeting != in.MeetingID) {
				var fs errs.Fields
				fs.Add("agenda_item_id", "elections.no_such_item")
				return fs.Err()
			}
			if err != nil {
				return err
			}
			in.MeetingID = meeting
		}
		if in.MeetingID != 0 {
			ok, err := tx.Exists(ctx, "SELECT 1 FROM meetings WHERE id = ? AND org_id = ?", in.MeetingID, in.OrgID)
			if err != nil {
				return err
			}
			if !ok {
				var fs errs.Fields
				fs.Add("meeting_id", "elections.no_such_meeting")
				return fs.Err()
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO elections (org_id, meeting_id, agenda_item_id, title_kk, title_ru, title_en, seats, method, rule, quorum_bp,
			electorate_org_id, electorate_role, nominations_until, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id`,
			in.OrgID, db.NullID(in.MeetingID), db.NullID(in.AgendaItemID), in.Title.KK, in.Title.RU, in.Title.EN, in.Seats, in.Method, in.Rule,
			int(in.Quorum*10000+0.5), in.ElectorateOrgID, in.ElectorateRole, db.NullTime(in.NominationsUntil), u.ID, tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "elections.create", TargetType: "election",
			TargetID: strconv.FormatInt(id, 10), OrgID: in.OrgID, After: map[string]any{"title": in.Title, "seats": in.Seats,
				"method": in.Method, "rule": in.Rule, "quorum_bp": int(in.Quorum*10000 + 0.5), "electorate_org_id": in.ElectorateOrgID,
				"electorate_role": in.ElectorateRole, "meeting_id": in.MeetingID, "agenda_item_id": in.AgendaItemID}})
	})
	if err != nil {
		return 0, fmt.Errorf("elections: create: %w", err)
	}
	return id, nil
}

const electionColumns = `e.id, e.org_id, o.name_kk, o.name_ru, o.name_en, COALESCE(e.meeting_id, 0), COALESCE(e.agenda_item_id, 0), e.title_kk, e.title_ru, e.title_en,
	e.seats, e.method, e.rule, e.quorum_bp, e.electorate_org_id, e.electorate_role, e.nominations_until, e.status,
	e.opened_at, e.closed_at, e.published_at,
	(SELECT COUNT(*) FROM election_electorate x WHERE x.election_id = e.id),
	(SELECT COUNT(*) FROM election_voters v WHERE v.election_id = e.id)`

type rowScanner interface{ Scan(...any) error }

func scanElection(r rowScanner, l i18n.Lang) (*Election, error) {
	var e Election
	var org i18n.Text
	var nom, op, cl, pub db.Time
	err := r.Scan(&e.ID, &e.OrgID, &org.KK, &org.RU, &org.EN, &e.MeetingID, &e.AgendaItemID, &e.Title.KK, &e.Title.RU, &e.Title.EN,
		&e.Seats, &e.Method, &e.Rule, &e.QuorumBP, &e.ElectorateOrgID, &e.ElectorateRole, &nom, &e.Status,
		&op, &cl, &pub, &e.Electorate, &e.Voters)
	if err != nil {
		return nil, err
	}
	e.OrgName = org.In(l)
	e.NominationsUntil, e.OpenedAt, e.ClosedAt, e.PublishedAt = nom.Ptr(), op.Ptr(), cl.Ptr(), pub.Ptr()
	return &e, nil
}

// Get returns an election. Elections are public: their existence, title,
// candidates and turnout are no secret.
func (s *Service) Get(ctx context.Context, id int64, l i18n.Lang) (*Election, error) {
	e, err := scanElection(s.db.QueryRow(ctx, "SELECT "+electionColumns+
		" FROM elections e JOIN organizations o ON o.id = e.org_id WHERE e.id = ?", id), l)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("elections: get %d: %w", id, err)
	}
	return e, nil
}

// Candidates lists an election's candidates (withdrawn and declined ones
// too; callers filter), by name.
func (s *Service) Candidates(ctx context.Context, electionID int64) ([]Candidate, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.person_id, u.name, c.status, COALESCE(c.nominated_by, 0)
		FROM election_candidates c JOIN users u ON u.id = c.person_id WHERE c.election_id = ? ORDER BY u.name, c.id`, electionID)
	if err != nil {
		return nil, fmt.Errorf("elections: candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Name, &c.Status, &c.NominatedBy); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IsOfficer reports whether u may run the election (moderators and
// admins of its organization form the commission).
func (s *Service) IsOfficer(ctx context.Context, u *auth.User, e *Election) (bool, error) {
	if u == nil {
		return false, nil
	}
	r, err := s.auth.RoleIn(ctx, u, e.OrgID)
	return r >= auth.Moderator, err
}

// Nominate puts person forward. Officers' nominations are accepted at
// once, and so is a member's nomination of themselves; a member's
// nomination of someone else waits for the nominee to accept.
func (s *Service) Nominate(ctx context.Context, u *auth.User, electionID, personID int64) (*Candidate, error) {
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, u, e.OrgID, auth.Member); err != nil {
		// Members of the electorate's organization may nominate too.
		if e.ElectorateOrgID == e.OrgID || s.auth.Require(ctx, u, e.ElectorateOrgID, auth.Member) != nil {
			return nil, err
		}
	}
	officer, err := s.IsOfficer(ctx, u, e)
	if err != nil {
		return nil, err
	}
	status := "nominated"
	if officer || personID == u.ID {
		status = "accepted"
	}
	var c Candidate
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := lockElection(ctx, tx, electionID, Draft, "elections.nominations_closed"); err != nil {
			return err
		}
		if !officer && e.NominationsUntil != nil && tx.Now.After(*e.NominationsUntil) {
			return errs.New(errs.Conflict, "elections.nominations_closed")
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT u.name FROM users u WHERE u.id = ? AND u.deleted_at IS NULL
			AND `+auth.NotLimitedSQL+`
			AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = ? AND (m.until IS NULL OR m.until >= ?))`,
			personID, auth.AdultCutoff(tx.Now), e.ElectorateOrgID, today(tx.Now)).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			var fs errs.Fields
			fs.Add("person_id", "elections.not_a_member")
			return fs.Err()
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO election_candidates (election_id, person_id, status, nominated_by, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (election_id, person_id) DO NOTHING RETURNING id`,
			electionID, personID, status, u.ID, tx.Now).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "elections.already_candidate")
		}
		if err != nil {
			return err
		}
		c.PersonID, c.Name, c.Status, c.NominatedBy = personID, name, status, u.ID
		if officer {
			return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "elections.candidate_add", TargetType: "election",
				TargetID: strconv.FormatInt(electionID, 10), OrgID: e.OrgID, After: map[string]any{"person_id": personID}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if status == "nominated" {
		// The nomination waits for the nominee: tell them where to answer.
		s.tellNominee(ctx, e, personID, u)
	}
	return &c, nil
}

// Respond lets a candidate act on their candidacy before voting opens:
// the nominee accepts or declines, the nominee or an officer withdraws.
func (s *Service) Respond(ctx context.Context, u *auth.User, electionID, candidateID int64, action string) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return err
	}
	var personID int64
	var status string
	err = s.db.QueryRow(ctx, "SELECT person_id, status FROM election_candidates WHERE id = ? AND election_id = ?", candidateID, electionID).Scan(&personID, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	if err != nil {
		return err
	}
	officer, err := s.IsOfficer(ctx, u, e)
	if err != nil {
		return err
	}
	var to string
	switch action {
	case "accept", "decline":
		if personID != u.ID {
			return errs.New(errs.Forbidden, "error.403.text")
		}
		if status != "nominated" {
			return errs.New(errs.Conflict, "elections.already_answered")
		}
		to = map[string]string{"accept": "accepted", "decline": "declined"}[action]
	case "withdraw":
		if personID != u.ID && !officer {
			return errs.New(errs.Forbidden, "error.403.text")
		}
		to = "withdrawn"
	default:
		return notFound()
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := lockElection(ctx, tx, electionID, Draft, "elections.candidates_fixed"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE election_candidates SET status = ? WHERE id = ?", to, candidateID); err != nil {
			return err
		}
		if action == "withdraw" && officer {
			return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "elections.candidate_withdraw", TargetType: "election",
				TargetID: strconv.FormatInt(electionID, 10), OrgID: e.OrgID, Before: map[string]any{"person_id": personID, "status": status}})
		}
		return nil
	})
}

// lockElection checks the election's status inside a write transaction and
// holds it: on PostgreSQL with a row lock (FOR SHARE lets ballots proceed
// side by side while a status change waits for them, and they for it); on
// SQLite the single writer already serializes.
func lockElection(ctx context.Context, tx *db.Tx, id int64, want, key string) error {
	q := "SELECT status FROM elections WHERE id = ?" + tx.ForShare()
	var status string
	err := tx.QueryRow(ctx, q, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	if err != nil {
		return err
	}
	if status != want {
		return errs.New(errs.Conflict, key)
	}
	return nil
}

// defaultTitle gives an election held under an agenda item, and given no
// title, the item's title.
func (s *Service) defaultTitle(ctx context.Context, in *NewElection) error {
	if in.AgendaItemID <= 0 || strings.TrimSpace(in.Title.KK+in.Title.RU+in.Title.EN) != "" {
		return nil
	}
	err := s.db.QueryRow(ctx, "SELECT title FROM meeting_agenda_items WHERE id = ?", in.AgendaItemID).Scan(&in.Title.KK)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // validate says the title is missing, Create that the item is unknown
	}
	return err
}

// Open fixes the electorate (the organization's current members, with the
// role if one is set; never minors without consent nor deleted people) and
// starts accepting ballots.
func (s *Service) Open(ctx context.Context, u *auth.User, id int64) error {
	e, err := s.Get(ctx, id, i18n.KK)
	if err != nil {
		return err
	}
	if err := s.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE elections SET status = 'open', opened_at = ?, updated_at = ? WHERE id = ? AND status = 'draft'", tx.Now, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "elections.not_draft")
		}
		var cands int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM election_candidates WHERE election_id = ? AND status = 'accepted'", id).Scan(&cands); err != nil {
			return err
		}
		if cands == 0 {
			return errs.New(errs.Conflict, "elections.no_candidates")
		}
		if cands < e.Seats {
			// More seats than candidates: some seats could not be filled.
			return errs.New(errs.Conflict, "elections.seats_over_candidates", "seats", e.Seats, "candidates", cands)
		}
		_, wrapped, err := newDataKey(s.wrapKey, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE elections SET ballot_key = ? WHERE id = ?", wrapped, id); err != nil {
			return err
		}
		res, err = tx.Exec(ctx, `INSERT INTO election_electorate (election_id, person_id)
			SELECT DISTINCT e.id, m.user_id FROM elections e JOIN memberships m ON m.org_id = e.electorate_org_id JOIN users u ON u.id = m.user_id
			WHERE e.id = ? AND (m.until IS NULL OR m.until >= ?) AND (? = '' OR m.role = ?)
			AND u.deleted_at IS NULL AND `+auth.NotLimitedSQL,
			id, today(tx.Now), e.ElectorateRole, e.ElectorateRole, auth.AdultCutoff(tx.Now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "elections.open", TargetType: "election",
			TargetID: strconv.FormatInt(id, 10), OrgID: e.OrgID, After: map[string]any{"electorate": n, "candidates": cands}})
	})
}

// Close stops voting. On PostgreSQL the status change waits for the
// ballots in flight (they hold the election row FOR SHARE) and every ballot
// that starts later sees the election closed: no ballot is counted after
// the close.
func (s *Service) Close(ctx context.Context, u *auth.User, id int64) error {
	return s.transition(ctx, u, id, Open, Closed, "closed_at", "elections.not_open", "elections.close")
}

// Publish makes the results and the bulletin public. A summary of the
// results (turnout, who was elected) is kept with the election for the
// meeting page; the ballots are closed, so it cannot change.
func (s *Service) Publish(ctx context.Context, u *auth.User, id int64) error {
	return s.transition(ctx, u, id, Closed, Published, "published_at", "elections.not_closed", "elections.publish")
}

// Summary is what the meeting page shows of a published election.
type Summary struct {
	Ballots       int      `json:"ballots"`
	Electorate    int      `json:"electorate"`
	QuorumReached bool     `json:"quorum_reached"`
	SecondRound   bool     `json:"second_round"`
	Elected       []string `json:"elected"`
}

func (s *Service) summary(ctx context.Context, e *Election) (string, error) {
	r, err := s.tally(ctx, e)
	if err != nil {
		return "", err
	}
	sum := Summary{Ballots: r.Ballots, Electorate: r.Electorate, QuorumReached: r.QuorumReached, SecondRound: r.SecondRound, Elected: []string{}}
	for _, c := range r.Candidates {
		if c.Elected {
			sum.Elected = append(sum.Elected, c.Name)
		}
	}
	b, err := json.Marshal(sum)
	return string(b), err
}

func (s *Service) transition(ctx context.Context, u *auth.User, id int64, from, to, col, key, action string) error {
	e, err := s.Get(ctx, id, i18n.KK)
	if err != nil {
		return err
	}
	if err := s.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
		return err
	}
	set := ""
	var extra []any
	if to == Published && e.Status == Closed {
		sum, err := s.summary(ctx, e)
		if err != nil {
			return fmt.Errorf("elections: %d: summary: %w", id, err)
		}
		set, extra = "results_summary = ?, ", []any{sum}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		args := append(append([]any{to}, extra...), tx.Now, tx.Now, id, from)
		res, err := tx.Exec(ctx, "UPDATE elections SET status = ?, "+set+col+" = ?, updated_at = ? WHERE id = ? AND status = ?", args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, key)
		}
		if to == Closed {
			// The UPDATE above waited for the ballots in flight; from here
			// on none can come. Open the sealed ballots.
			if err := unsealAll(ctx, tx, s.wrapKey, id); err != nil {
				return err
			}
		}
		var ballots, voters int
		if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM election_ballots WHERE election_id = ?),
			(SELECT COUNT(*) FROM election_voters WHERE election_id = ?)`, id, id).Scan(&ballots, &voters); err != nil {
			return err
		}
		if ballots != voters {
			return fmt.Errorf("elections: %d: %d ballots but %d voters", id, ballots, voters)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: action, TargetType: "election",
			TargetID: strconv.FormatInt(id, 10), OrgID: e.OrgID, Before: map[string]any{"status": from},
			After: map[string]any{"status": to, "ballots": ballots}})
	})
	if err != nil {
		return err
	}
	if to == Closed {
		s.ballotInfos.Forget(id)
		// What deleting the sealed rows left behind (SQLite's WAL frames,
		// PostgreSQL's dead tuples) is removed now rather than whenever.
		if err := s.db.Scrub(ctx, "election_sealed"); err != nil {
			s.log.Warn("elections: scrub after closing", "election", id, "err", err)
		}
	}
	return nil
}

// VoterStatus says where a person stands: in the electorate, voted.
func (s *Service) VoterStatus(ctx context.Context, electionID, personID int64) (inElectorate, voted bool, err error) {
	err = s.db.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM election_electorate WHERE election_id = ? AND person_id = ?),
		EXISTS (SELECT 1 FROM election_voters WHERE election_id = ? AND person_id = ?)`,
		electionID, personID, electionID, personID).Scan(&inElectorate, &voted)
	return inElectorate, voted, err
}

// LinksForMeeting lists the elections held at a meeting, for its page,
// with their agenda item and, once published, the summary of their
// results: one query, no recount.
func (s *Service) LinksForMeeting(ctx context.Context, meetingID int64, l i18n.Lang) ([]meetings.ElectionLink, error) {
	rows, err := s.db.Query(ctx, `SELECT id, COALESCE(agenda_item_id, 0), title_kk, title_ru, title_en, status, results_summary
		FROM elections WHERE meeting_id = ? ORDER BY id LIMIT 50`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("elections: for meeting: %w", err)
	}
	defer rows.Close()
	var out []meetings.ElectionLink
	for rows.Next() {
		var x meetings.ElectionLink
		var t i18n.Text
		var sum string
		if err := rows.Scan(&x.ID, &x.ItemID, &t.KK, &t.RU, &t.EN, &x.Status, &sum); err != nil {
			return nil, err
		}
		x.Title = t.In(l)
		if x.Status == Published && sum != "" {
			var r Summary
			if err := json.Unmarshal([]byte(sum), &r); err != nil {
				return nil, fmt.Errorf("elections: %d: summary: %w", x.ID, err)
			}
			x.Ballots, x.Electorate, x.QuorumReached, x.SecondRound, x.Elected = r.Ballots, r.Electorate, r.QuorumReached, r.SecondRound, r.Elected
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Item is an agenda item an election can be held under.
type Item struct {
	ID    int64
	Title string
}

// AgendaItems lists a meeting's agenda, for the new election form.
func (s *Service) AgendaItems(ctx context.Context, meetingID int64) ([]Item, error) {
	if meetingID <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, "SELECT id, title FROM meeting_agenda_items WHERE meeting_id = ? ORDER BY position, id", meetingID)
	if err != nil {
		return nil, fmt.Errorf("elections: agenda: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.Title); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
