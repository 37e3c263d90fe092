package elections

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Marks.
const (
	For     = "for"
	Against = "against"
	Abstain = "abstain"
)

// BallotInput is what a voter sends: Choices (method choose: candidate ids)
// or Marks (method for_against_abstain: candidate id → mark), and a voting
// Code when they vote without an account.
type BallotInput struct {
	Choices []string
	Marks   map[string]string
	Code    string
}

// Ballot is a ballot as the bulletin shows it.
type Ballot struct {
	Tracker string            `json:"tracker"`
	Choices []string          `json:"choices,omitempty"`
	Marks   map[string]string `json:"marks,omitempty"`
}

// The alphabet of trackers and codes: Crockford's base32, without the
// letters that look like digits.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

func group(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// newTracker returns a random ballot tracker (80 bits), e.g. "7K3Q-M2XD-9FHA-T0BC".
func newTracker() string { return strings.ToLower(group(randomString(16))) }

// newCode returns a random voting code (60 bits), e.g. "7K3Q-M2XD-9FHA".
func newCode() string { return group(randomString(12)) }

// normalizeCode makes a typed code comparable: case, spaces and dashes do
// not matter, and O, I, L are read as 0, 1, 1.
func normalizeCode(c string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(c) {
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		case r < 128 && strings.IndexByte(alphabet, byte(r)) >= 0:
			b.WriteRune(r)
		case r == '-' || r == ' ':
		default:
			return ""
		}
	}
	return b.String()
}

// codeHash is what the database keeps of a code: bound to its election.
func codeHash(electionID int64, code string) string {
	sum := sha256.Sum256([]byte("ortaq-voting-code:" + strconv.FormatInt(electionID, 10) + ":" + normalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// canonical checks a ballot against the election and returns its stored
// form: choices sorted by candidate id, or marks as a JSON object (whose
// keys encoding/json sorts). accepted are the accepted candidates' ids.
func canonical(e *Election, accepted map[string]bool, in BallotInput) (string, error) {
	var fs errs.Fields
	switch e.Method {
	case MethodChoose:
		if in.Marks != nil {
			fs.Add("marks", "elections.marks_not_allowed")
			return "", fs.Err()
		}
		seen := map[string]bool{}
		ids := make([]string, 0, len(in.Choices))
		for _, c := range in.Choices {
			if !accepted[c] {
				fs.Add("choices", "elections.unknown_candidate", "id", c)
				return "", fs.Err()
			}
			if seen[c] {
				fs.Add("choices", "elections.duplicate_choice")
				return "", fs.Err()
			}
			seen[c] = true
			ids = append(ids, c)
		}
		if len(ids) > e.Seats {
			fs.Add("choices", "elections.too_many_choices", "max", e.Seats)
			return "", fs.Err()
		}
		slices.SortFunc(ids, func(a, b string) int {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			return int(x - y)
		})
		b, _ := json.Marshal(ids)
		return string(b), nil
	default:
		if in.Choices != nil {
			fs.Add("choices", "elections.choices_not_allowed")
			return "", fs.Err()
		}
		marks := map[string]string{}
		for id, m := range in.Marks {
			if !accepted[id] {
				fs.Add("marks", "elections.unknown_candidate", "id", id)
				return "", fs.Err()
			}
			if m != For && m != Against && m != Abstain {
				fs.Add("marks", "elections.invalid_mark")
				return "", fs.Err()
			}
			marks[id] = m
		}
		b, _ := json.Marshal(marks)
		return string(b), nil
	}
}

// ballotInfo is what checking a ballot needs: the method, the seats, the
// accepted candidates. It is cached while the election is open, when none
// of it can change any more (the status itself is checked in the ballot's
// transaction), for ballotInfoTTL at most.
// ballotInfoTTL is how long a node keeps an open election's ballotInfo:
// a ballot costs three reads fewer while it is kept, and a key left by an
// election closed on another node (or deleted) is gone within it.
const ballotInfoTTL = time.Minute

type ballotInfo struct {
	e        Election
	accepted map[string]bool
	key      []byte // the open election's data key (seal.go)
	size     int    // the length sealed ballots are padded to
}

func (s *Service) ballotInfo(ctx context.Context, id int64) (*ballotInfo, error) {
	if v, ok := s.ballotInfos.Get(id); ok {
		return v, nil
	}
	var info ballotInfo
	err := s.db.QueryRow(ctx, "SELECT id, org_id, seats, method, status FROM elections WHERE id = ?", id).
		Scan(&info.e.ID, &info.e.OrgID, &info.e.Seats, &info.e.Method, &info.e.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("elections: %d: %w", id, err)
	}
	if info.e.Status == Draft {
		return &info, nil
	}
	if info.accepted, err = s.acceptedIDs(ctx, id); err != nil {
		return nil, fmt.Errorf("elections: candidates: %w", err)
	}
	if info.e.Status == Open {
		if info.key, err = s.ballotKey(ctx, id); err != nil {
			if _, coded := errs.As(err); coded {
				return nil, err
			}
			return nil, fmt.Errorf("elections: %d: ballot key: %w", id, err)
		}
		info.size = sealSize(info.e.Method, info.accepted)
		s.ballotInfos.Put(id, &info)
	}
	return &info, nil
}

func (s *Service) acceptedIDs(ctx context.Context, electionID int64) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, "SELECT id FROM election_candidates WHERE election_id = ? AND status = 'accepted'", electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[strconv.FormatInt(id, 10)] = true
	}
	return m, rows.Err()
}

// Cast records one ballot and returns its tracker. The voter is the
// signed-in person u, or the holder of in.Code (then u is ignored).
//
// In one transaction: the election must be open (its row held FOR SHARE
// on PostgreSQL, so that closing waits for this ballot or this ballot sees
// the close), the voter's row is inserted (its primary key refuses a second
// ballot, its foreign key a voter outside the electorate), then the sealed
// ballot, which carries nothing of the voter and nothing readable without
// the installation's secret (seal.go). One transaction means a crash keeps
// both rows or neither: no counted voter without a ballot, no ballot
// without its voter.
func (s *Service) Cast(ctx context.Context, u *auth.User, electionID int64, in BallotInput) (string, error) {
	info, err := s.ballotInfo(ctx, electionID)
	if err != nil {
		return "", err
	}
	e := &info.e
	var personID int64
	switch {
	case in.Code != "":
		err := s.db.QueryRow(ctx, "SELECT person_id FROM election_codes WHERE code_hash = ? AND election_id = ?",
			codeHash(electionID, in.Code), electionID).Scan(&personID)
		if errors.Is(err, sql.ErrNoRows) {
			var fs errs.Fields
			fs.Add("code", "elections.invalid_code")
			return "", fs.Err()
		}
		if err != nil {
			return "", fmt.Errorf("elections: code: %w", err)
		}
	case u == nil || u.Deleted:
		return "", errs.New(errs.Unauthorized, "auth.signin_required")
	case u.Limited():
		return "", errs.New(errs.ConsentRequired, "auth.consent_required")
	default:
		personID = u.ID
	}
	switch e.Status {
	case Draft:
		return "", errs.New(errs.Conflict, "elections.not_open_yet")
	case Closed, Published:
		return "", errs.New(errs.Conflict, "elections.closed")
	}
	choices, err := canonical(e, info.accepted, in)
	if err != nil {
		return "", err
	}
	tracker := newTracker()
	nonce, box, err := seal(info.key, electionID, info.size, tracker, choices)
	if err != nil {
		return "", err
	}
	_, err = s.ballots.Do(ctx, castReq{electionID: electionID, personID: personID, nonce: nonce, sealed: box})
	if err != nil {
		if e, ok := errs.As(err); ok {
			if e.Key == "elections.closed" {
				// Closed on another node: forget what was kept for voting,
				// the ballot key included.
				s.ballotInfos.Forget(electionID)
			}
			return "", err
		}
		// Never the voter and the tracker in one log line: the error says neither.
		return "", fmt.Errorf("elections: cast in %d: %w", electionID, err)
	}
	return tracker, nil
}

// castReq is one sealed ballot waiting to be written.
type castReq struct {
	electionID, personID int64
	nonce, sealed        []byte
}

// newBallotWriter is the group-commit writer of ballots (db.Group): the
// ballots that arrive while one transaction commits are written together
// in the next; each is all or nothing (its voter row and its sealed
// ballot), and its caller is answered after the commit. One durable
// commit per ballot would cap a vote at a few hundred ballots a second on
// SQLite. Batching mixes ballots further; it never links them.
func (s *Service) newBallotWriter() *db.Group[castReq, struct{}] {
	return db.NewGroup(s.db, db.GroupSpec[castReq, struct{}]{
		Write: func(ctx context.Context, tx *db.Tx, batch []castReq) ([]db.Answer[struct{}], func(), error) {
			out, err := castBatch(ctx, tx, batch)
			return out, nil, err
		},
		// One try per voter per batch: a repeat sees its predecessor.
		Key: func(r castReq) any { return [2]int64{r.electionID, r.personID} },
	})
}

// castBatch writes a batch of ballots in one transaction:
//   - each election's status is read under a lock (FOR SHARE on
//     PostgreSQL, so that closing — an UPDATE of that row — waits for the
//     ballots in flight, and ballots that come later see it closed; on
//     SQLite the single writer serializes);
//   - the voter rows of the open elections in one statement, only for
//     voters of the electorate, ON CONFLICT DO NOTHING: the primary key
//     (election, person) lets each person vote once, whatever the races;
//   - the sealed ballots of the voters whose row was written, in one
//     statement. A ballot refused (closed, already voted, not in the
//     electorate) is its caller's answer and writes nothing.
func castBatch(ctx context.Context, tx *db.Tx, batch []castReq) ([]db.Answer[struct{}], error) {
	out := make([]db.Answer[struct{}], len(batch))
	ids := make([]int64, 0, 1)
	for _, r := range batch {
		if !slices.Contains(ids, r.electionID) {
			ids = append(ids, r.electionID)
		}
	}
	slices.Sort(ids)
	status := make(map[int64]error, len(ids))
	for _, id := range ids {
		err := lockElection(ctx, tx, id, Open, "elections.closed")
		if _, coded := errs.As(err); err != nil && !coded {
			return nil, err
		}
		status[id] = err
	}
	var live []int
	for i, r := range batch {
		if err := status[r.electionID]; err != nil {
			out[i].Err = err
			continue
		}
		live = append(live, i)
	}
	if len(live) == 0 {
		return out, nil
	}
	var q strings.Builder
	args := make([]any, 0, 2*len(live)+1)
	q.WriteString("WITH v (e, p) AS (VALUES ")
	for k, i := range live {
		if k > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT))")
		args = append(args, batch[i].electionID, batch[i].personID)
	}
	q.WriteString(`) INSERT INTO election_voters (election_id, person_id, voted_at)
		SELECT v.e, v.p, ? FROM v JOIN election_electorate x ON x.election_id = v.e AND x.person_id = v.p WHERE TRUE
		ON CONFLICT (election_id, person_id) DO NOTHING RETURNING election_id, person_id`)
	args = append(args, tx.Now)
	rows, err := tx.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	written := map[[2]int64]bool{}
	for rows.Next() {
		var k [2]int64
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			rows.Close()
			return nil, err
		}
		written[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q.Reset()
	args = args[:0]
	q.WriteString("INSERT INTO election_sealed (nonce, election_id, sealed) VALUES ")
	n := 0
	for _, i := range live {
		r := batch[i]
		if !written[[2]int64{r.electionID, r.personID}] {
			// Refused: say why (rare, so a query of its own).
			in, err := tx.Exists(ctx, "SELECT 1 FROM election_electorate WHERE election_id = ? AND person_id = ?", r.electionID, r.personID)
			if err != nil {
				return nil, err
			}
			if in {
				out[i].Err = errs.New(errs.Conflict, "elections.already_voted")
			} else {
				out[i].Err = errs.New(errs.Forbidden, "elections.not_in_electorate")
			}
			continue
		}
		if n > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, r.nonce, r.electionID, r.sealed)
		n++
	}
	if n > 0 {
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IssuedCode is a new voting code for a voter.
type IssuedCode struct {
	PersonID int64
	Name     string
	Code     string
	Email    string    // for codes sent by email
	Lang     i18n.Lang // the voter's language
}

// CodeFilter says who gets a new code; the zero value: every voter of the
// electorate who has not voted.
type CodeFilter struct {
	PersonIDs   []int64 // only these voters (each must be eligible)
	WithoutCode bool    // only voters who hold no code yet (e.g. sent by email)
	WithEmail   bool    // only voters with an email address
	// voters with an email address, and those without one who hold no
	// code yet (codes sent through a messenger)
	WithEmailOrNoCode bool
}

// IssueCodes gives each voter of the electorate who has not voted (or each
// of personIDs, when given) a new one-time code, replacing any earlier
// code. Only the codes' hashes are stored; the codes are returned once.
func (s *Service) IssueCodes(ctx context.Context, u *auth.User, electionID int64, personIDs []int64) ([]IssuedCode, error) {
	out, _, err := s.issueCodes(ctx, u, electionID, CodeFilter{PersonIDs: personIDs}, "elections.codes")
	return out, err
}

// IssueCodesFor is IssueCodes with a filter.
func (s *Service) IssueCodesFor(ctx context.Context, u *auth.User, electionID int64, f CodeFilter) ([]IssuedCode, error) {
	out, _, err := s.issueCodes(ctx, u, electionID, f, "elections.codes")
	return out, err
}

// issueCodes issues the codes and records action in the audit log with
// their number (never the codes). skipped counts the voters left out for
// want of an email address (f.WithEmail).
func (s *Service) issueCodes(ctx context.Context, u *auth.User, electionID int64, f CodeFilter, action string) (out []IssuedCode, skipped int, err error) {
	personIDs := f.PersonIDs
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return nil, 0, err
	}
	if err := s.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
		return nil, 0, err
	}
	if e.Status != Open {
		return nil, 0, errs.New(errs.Conflict, "elections.codes_when_open")
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		out, skipped = nil, 0
		if err := lockElection(ctx, tx, electionID, Open, "elections.codes_when_open"); err != nil {
			return err
		}
		q := `SELECT x.person_id, u.name, COALESCE(u.email, ''), u.lang, u.deleted_at IS NULL,
			EXISTS (SELECT 1 FROM election_codes k WHERE k.election_id = x.election_id AND k.person_id = x.person_id)
			FROM election_electorate x JOIN users u ON u.id = x.person_id
			WHERE x.election_id = ? AND NOT EXISTS (SELECT 1 FROM election_voters v WHERE v.election_id = x.election_id AND v.person_id = x.person_id)`
		if f.WithoutCode {
			q += " AND NOT EXISTS (SELECT 1 FROM election_codes k WHERE k.election_id = x.election_id AND k.person_id = x.person_id)"
		}
		rows, err := tx.Query(ctx, q+" ORDER BY u.name, x.person_id", electionID)
		if err != nil {
			return err
		}
		all := len(personIDs) == 0
		want := map[int64]bool{}
		for _, id := range personIDs {
			want[id] = true
		}
		for rows.Next() {
			var c IssuedCode
			var lang string
			var alive, hasCode bool
			if err := rows.Scan(&c.PersonID, &c.Name, &c.Email, &lang, &alive, &hasCode); err != nil {
				rows.Close()
				return err
			}
			c.Lang, _ = i18n.Parse(lang)
			if !alive {
				c.Email = ""
			}
			if all || want[c.PersonID] {
				delete(want, c.PersonID)
				if (f.WithEmail || (f.WithEmailOrNoCode && hasCode)) && c.Email == "" {
					skipped++
					continue
				}
				c.Code = newCode()
				out = append(out, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(want) > 0 {
			var fs errs.Fields
			fs.Add("person_ids", "elections.codes_not_eligible")
			return fs.Err()
		}
		const chunk = 200
		for i := 0; i < len(out); i += chunk {
			part := out[i:min(i+chunk, len(out))]
			var q strings.Builder
			args := make([]any, 0, 3*len(part))
			del := make([]any, 0, len(part)+1)
			del = append(del, electionID)
			q.WriteString("INSERT INTO election_codes (code_hash, election_id, person_id) VALUES ")
			for j, c := range part {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?)")
				args = append(args, codeHash(electionID, c.Code), electionID, c.PersonID)
				del = append(del, c.PersonID)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM election_codes WHERE election_id = ? AND person_id IN (?"+strings.Repeat(", ?", len(part)-1)+")", del...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: action, TargetType: "election",
			TargetID: strconv.FormatInt(electionID, 10), OrgID: e.OrgID, After: map[string]any{"codes": len(out)}})
	})
	if err != nil {
		return nil, 0, err
	}
	return out, skipped, nil
}

// canSeeResults: officers once voting has closed, everyone once published.
func (s *Service) canSeeResults(ctx context.Context, u *auth.User, e *Election) error {
	switch e.Status {
	case Published:
		return nil
	case Closed:
		ok, err := s.IsOfficer(ctx, u, e)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if u == nil {
			return errs.New(errs.Unauthorized, "auth.signin_required")
		}
		return errs.New(errs.Forbidden, "elections.not_published")
	}
	return errs.New(errs.Conflict, "elections.results_after_close")
}

// Bulletin returns a page of ballots ordered by tracker, after tracker.
func (s *Service) Bulletin(ctx context.Context, u *auth.User, electionID int64, after string, limit int) ([]Ballot, error) {
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return nil, err
	}
	if err := s.canSeeResults(ctx, u, e); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT tracker, choices FROM election_ballots WHERE election_id = ? AND tracker > ? ORDER BY tracker LIMIT ?",
		electionID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("elections: bulletin: %w", err)
	}
	defer rows.Close()
	out := []Ballot{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		b, err := decodeBallot(e.Method, t, c)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func decodeBallot(method, tracker, choices string) (Ballot, error) {
	b := Ballot{Tracker: tracker}
	var err error
	if method == MethodChoose {
		b.Choices = []string{}
		err = json.Unmarshal([]byte(choices), &b.Choices)
	} else {
		b.Marks = map[string]string{}
		err = json.Unmarshal([]byte(choices), &b.Marks)
	}
	if err != nil {
		return b, fmt.Errorf("elections: ballot %s: %w", tracker, err)
	}
	return b, nil
}

// Results counts the ballots.
func (s *Service) Results(ctx context.Context, u *auth.User, electionID int64, l i18n.Lang) (*Election, *Result, error) {
	e, err := s.Get(ctx, electionID, l)
	if err != nil {
		return nil, nil, err
	}
	if err := s.canSeeResults(ctx, u, e); err != nil {
		return nil, nil, err
	}
	r, err := s.tally(ctx, e)
	return e, r, err
}

func (s *Service) tally(ctx context.Context, e *Election) (*Result, error) {
	cands, err := s.Candidates(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	var ballots []Ballot
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT tracker, choices FROM election_ballots WHERE election_id = ?", e.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t, c string
			if err := rows.Scan(&t, &c); err != nil {
				return err
			}
			b, err := decodeBallot(e.Method, t, c)
			if err != nil {
				return err
			}
			ballots = append(ballots, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("elections: tally: %w", err)
	}
	var accepted []Candidate
	for _, c := range cands {
		if c.Status == "accepted" {
			accepted = append(accepted, c)
		}
	}
	r := Tally(e, accepted, ballots)
	return &r, nil
}
