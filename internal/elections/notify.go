package elections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/mail"
)

// Messenger sends a text to a person through another channel than email
// (the Telegram bot). sent is false when the person has linked no chat.
type Messenger interface {
	SendText(ctx context.Context, userID int64, text string) (sent bool, err error)
}

// Emailed says what sending codes by email did.
type Emailed struct {
	Sent     int // codes delivered to the mail server or the messenger
	Telegram int // of which through the messenger
	Failed   int // codes issued but not sent: these voters need a slip
	NoEmail  int // voters reached no way: they need a slip
}

// canEmail reports whether email really leaves the server: the log sender
// (no SMTP configured) would write the codes into the server log, where
// whoever reads it could vote in the voters' names.
func (s *Service) canEmail() bool {
	if s.mail == nil || s.catalog == nil {
		return false
	}
	_, logOnly := s.mail.(*mail.Log)
	return !logOnly
}

// canSendCodes: codes can go out by email or through the messenger.
func (s *Service) canSendCodes() bool {
	return s.canEmail() || (s.messenger != nil && s.catalog != nil)
}

// EmailCodes issues a new code to every voter of the electorate who has not
// voted and can be reached, and sends it to them in their language with the
// link to the ballot (officers): through the messenger (Telegram) when one
// is set and the voter linked a chat, else by email. Earlier codes of these
// voters stop working. With a messenger, voters without an email address
// are tried too when they hold no code yet (a printed slip stays valid);
// one reached no way keeps no new code, so that a slip can be printed for
// them. The audit log gets the number of codes, never a code; a message
// that cannot be sent is logged without its text.
func (s *Service) EmailCodes(ctx context.Context, u *auth.User, electionID int64) (*Emailed, error) {
	email := s.canEmail()
	if !s.canSendCodes() {
		// Checked after the permission, so that nobody learns more than
		// "forbidden" without it.
		e, err := s.Get(ctx, electionID, i18n.KK)
		if err != nil {
			return nil, err
		}
		if err := s.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
			return nil, err
		}
		return nil, errs.New(errs.Conflict, "elections.codes_email_unavailable")
	}
	f := CodeFilter{WithEmail: true}
	if s.messenger != nil {
		f = CodeFilter{WithEmailOrNoCode: true}
	}
	codes, noEmail, err := s.issueCodes(ctx, u, electionID, f, "elections.codes_email")
	if err != nil {
		return nil, err
	}
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return nil, err
	}
	res := &Emailed{NoEmail: noEmail}
	var sent, telegram, failed atomic.Int64
	var mu sync.Mutex
	var unreached []IssuedCode
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, c := range codes {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			msg := s.codeMessage(e, c)
			if s.messenger != nil {
				ok, err := s.messenger.SendText(ctx, c.PersonID, msg.Text)
				if err != nil {
					s.log.Warn("elections: voting code message not sent", "election", electionID, "err", err)
				}
				if ok && err == nil {
					sent.Add(1)
					telegram.Add(1)
					return
				}
			}
			if c.Email == "" || !email {
				mu.Lock()
				unreached = append(unreached, c)
				mu.Unlock()
				return
			}
			if err := s.mail.Send(ctx, msg); err != nil {
				failed.Add(1)
				s.log.Warn("elections: voting code email not sent", "election", electionID, "err", err)
				return
			}
			sent.Add(1)
		})
	}
	wg.Wait()
	if err := s.revokeCodes(ctx, electionID, unreached); err != nil {
		return nil, err
	}
	res.Sent, res.Telegram, res.Failed = int(sent.Load()), int(telegram.Load()), int(failed.Load())
	res.NoEmail += len(unreached)
	return res, nil
}

// revokeCodes withdraws codes that reached nobody, each only while it is
// still the voter's code.
func (s *Service) revokeCodes(ctx context.Context, electionID int64, codes []IssuedCode) error {
	if len(codes) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		for _, c := range codes {
			if _, err := tx.Exec(ctx, "DELETE FROM election_codes WHERE election_id = ? AND person_id = ? AND code_hash = ?",
				electionID, c.PersonID, codeHash(electionID, c.Code)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) codeMessage(e *Election, c IssuedCode) mail.Message {
	l := c.Lang
	p := s.catalog.Printer(l)
	title := e.Title.In(l)
	if l == i18n.KKLatn {
		title = kazakh.ToLatin(title)
	}
	page := fmt.Sprintf("%s/%s/elections/%d", s.baseURL, l, e.ID)
	text := p.T("elections.code_email_text", "name", c.Name, "title", title, "code", c.Code,
		"link", page+"?code="+strings.ReplaceAll(c.Code, "-", ""), "page", page)
	return mail.Message{To: c.Email, Subject: p.T("elections.code_email_subject", "title", title), Text: text + "\n"}
}

// tellNominee emails a member nominated by someone else: the nomination
// waits for them to accept or decline on the election page.
func (s *Service) tellNominee(ctx context.Context, e *Election, personID int64, by *auth.User) {
	if s.mail == nil || s.catalog == nil {
		return
	}
	p, err := s.auth.UserByID(ctx, personID)
	if err != nil || p.Email == "" || p.Deleted {
		return
	}
	pr := s.catalog.Printer(p.Lang)
	title := e.Title.In(p.Lang)
	if p.Lang == i18n.KKLatn {
		title = kazakh.ToLatin(title)
	}
	msg := mail.Message{To: p.Email, Subject: pr.T("elections.nominated_subject", "title", title),
		Text: pr.T("elections.nominated_text", "name", p.Name, "by", by.Name, "title", title,
			"link", fmt.Sprintf("%s/%s/elections/%d", s.baseURL, p.Lang, e.ID)) + "\n"}
	if err := s.mail.Send(context.WithoutCancel(ctx), msg); err != nil {
		s.log.Warn("elections: nomination email", "election", e.ID, "err", err)
	}
}

// maxList is the longest list the chair may propose at once.
const maxList = 200

// ProposeList puts the chair's list forward (officers): each entry is a
// member of the electorate's organization, by email address or by full
// name (compared in any case, script or spelling). Officers' candidates
// are accepted at once. All or nothing: an entry that matches nobody,
// matches several people, or is already a candidate refuses the list with
// a message naming it.
func (s *Service) ProposeList(ctx context.Context, u *auth.User, electionID int64, entries []string) ([]Candidate, error) {
	var list []string
	for _, x := range entries {
		if x = strings.TrimSpace(x); x != "" {
			list = append(list, x)
		}
	}
	return s.propose(ctx, u, electionID, "list", len(list), func(ms *eligible) ([]member, error) {
		var fs errs.Fields
		var chosen []member
		seen := map[int64]bool{}
		for i, x := range list {
			var found []member
			if strings.Contains(x, "@") {
				if m, ok := ms.byEmail[strings.ToLower(x)]; ok {
					found = []member{m}
				}
			} else {
				found = ms.byName[kazakh.Fold(x)]
			}
			switch {
			case len(found) == 0:
				fs.Add("list", "elections.list_unknown", "line", i+1, "entry", x)
			case len(found) > 1:
				fs.Add("list", "elections.list_ambiguous", "line", i+1, "entry", x)
			case !seen[found[0].id]:
				seen[found[0].id] = true
				chosen = append(chosen, found[0])
			}
			if len(fs) > 0 {
				return nil, fs.Err()
			}
		}
		return chosen, nil
	})
}

// ProposePeople is ProposeList by person ids (the API's
// {"person_ids":[…]}): all or nothing, accepted at once.
func (s *Service) ProposePeople(ctx context.Context, u *auth.User, electionID int64, personIDs []int64) ([]Candidate, error) {
	return s.propose(ctx, u, electionID, "person_ids", len(personIDs), func(ms *eligible) ([]member, error) {
		var chosen []member
		seen := map[int64]bool{}
		for _, id := range personIDs {
			m, ok := ms.byID[id]
			if !ok {
				var fs errs.Fields
				fs.Add("person_ids", "elections.not_a_member")
				return nil, fs.Err()
			}
			if !seen[id] {
				seen[id] = true
				chosen = append(chosen, m)
			}
		}
		return chosen, nil
	})
}

// member is a person who may stand.
type member struct {
	id   int64
	name string
}

// eligible are the members who may stand, found by id, email and folded
// name.
type eligible struct {
	byID    map[int64]member
	byEmail map[string]member
	byName  map[string][]member
}

// propose checks the officer and the list's length (n entries, errors on
// field), resolves the list with pick among the eligible members, and adds
// them all as accepted candidates in one transaction.
func (s *Service) propose(ctx context.Context, u *auth.User, electionID int64, field string, n int, pick func(*eligible) ([]member, error)) ([]Candidate, error) {
	var fs errs.Fields
	switch {
	case n == 0:
		fs.Add(field, "validation.required")
	case n > maxList:
		fs.Add(field, "elections.list_too_long", "max", maxList)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	e, err := s.Get(ctx, electionID, i18n.KK)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	if e.Status != Draft {
		return nil, errs.New(errs.Conflict, "elections.nominations_closed")
	}
	// The members who may stand: current members of the electorate's
	// organization, never minors without consent, never deleted people.
	ms := &eligible{byID: map[int64]member{}, byEmail: map[string]member{}, byName: map[string][]member{}}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT u.id, u.name, COALESCE(u.email, '') FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND (m.until IS NULL OR m.until >= ?) AND u.deleted_at IS NULL
		AND `+auth.NotLimitedSQL, e.ElectorateOrgID, today(s.db.Now()), auth.AdultCutoff(s.db.Now()))
	if err != nil {
		return nil, fmt.Errorf("elections: list: %w", err)
	}
	for rows.Next() {
		var m member
		var email string
		if err := rows.Scan(&m.id, &m.name, &email); err != nil {
			rows.Close()
			return nil, err
		}
		ms.byID[m.id] = m
		if email != "" {
			ms.byEmail[strings.ToLower(email)] = m
		}
		k := kazakh.Fold(m.name)
		ms.byName[k] = append(ms.byName[k], m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	chosen, err := pick(ms)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		out = nil
		if err := lockElection(ctx, tx, electionID, Draft, "elections.nominations_closed"); err != nil {
			return err
		}
		ids := make([]int64, 0, len(chosen))
		for _, m := range chosen {
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO election_candidates (election_id, person_id, status, nominated_by, created_at)
				VALUES (?, ?, 'accepted', ?, ?) ON CONFLICT (election_id, person_id) DO NOTHING RETURNING id`,
				electionID, m.id, u.ID, tx.Now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				var fs errs.Fields
				fs.Add(field, "elections.list_already", "entry", m.name)
				return fs.Err()
			}
			if err != nil {
				return err
			}
			out = append(out, Candidate{ID: id, PersonID: m.id, Name: m.name, Status: "accepted", NominatedBy: u.ID})
			ids = append(ids, m.id)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "elections.candidates_list", TargetType: "election",
			TargetID: strconv.FormatInt(electionID, 10), OrgID: e.OrgID, After: map[string]any{"person_ids": ids}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
