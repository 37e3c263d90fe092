// Package awards is the awards component (issue 16): certificates,
// diplomas with a place and letters of thanks that an organization issues,
// one by one or in batches, each with a short unguessable code. Anyone can
// check an award on its verification page (/{lang}/awards/{code}), print it
// as a PDF with a QR code to that page, and verify it without trusting the
// page through its signed Open Badges 3.0 credential. The printing, codes
// and signing are internal/certificate's (decision 0101); this package
// stores awards and serves them (decision 0110).
package awards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Limits of what one request may ask for.
const (
	MaxBatch     = 5000 // recipients in one batch
	MaxTitle     = 300  // characters of a title in one language
	MaxName      = 200  // characters of a recipient's name
	MaxReason    = 500  // characters of a revocation's reason
	MaxPlace     = 1000
	MaxPrintable = 5000 // awards printed into one PDF
)

// Calls is what awards needs from the calls component to issue awards to
// the people of a call; internal/calls satisfies it. Nil until calls is
// wired: then call_id is only recorded, and recipients must be named.
type Calls interface {
	// CallOrganization returns the organization that runs call id, or an
	// errs NotFound error.
	CallOrganization(ctx context.Context, callID int64) (int64, error)
	// CallRecipients returns the people of a call: "participants" (all who
	// took part) or "winners" (with their places).
	CallRecipients(ctx context.Context, callID int64, which string) ([]Recipient, error)
	// OrgCalls lists the calls organization orgID runs, newest first, for
	// the organizer page's choice of a call.
	OrgCalls(ctx context.Context, orgID int64) ([]CallRef, error)
}

// CallRef names a call for a choice.
type CallRef struct {
	ID    int64
	Title i18n.Text
}

// Deps are what the service is built from.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Signer  *certificate.Signer // the installation's credential signer
	BaseURL string              // public address, for verification links
	Log     *slog.Logger
	Calls   Calls // optional
}

// Service issues, revokes and finds awards.
type Service struct {
	d       *db.DB
	auth    *auth.Service
	signer  *certificate.Signer
	base    string
	log     *slog.Logger
	calls   Calls
	sources []RecipientSource
}

// New builds the service.
func New(deps Deps) *Service {
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: deps.DB, auth: deps.Auth, signer: deps.Signer, base: strings.TrimRight(deps.BaseURL, "/"), log: deps.Log, calls: deps.Calls}
}

// SetCalls connects the calls component (wiring order: calls may be built
// after awards).
func (s *Service) SetCalls(c Calls) { s.calls = c }

// RecipientSource lets another component (courses) vouch that a person is
// related to its event, so that the organizer may name them by id.
type RecipientSource func(ctx context.Context, orgID, personID int64) (bool, error)

// AddRecipientSource adds a source of people an organization may award
// besides its members.
func (s *Service) AddRecipientSource(src RecipientSource) { s.sources = append(s.sources, src) }

// Signer is the installation's credential signer.
func (s *Service) Signer() *certificate.Signer { return s.signer }

// Recipient is one person to award: by account (PersonID) or by name as
// printed (Name); Place for diplomas.
type Recipient struct {
	PersonID int64  `json:"person_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Place    int    `json:"place,omitempty"`

	fromCall bool // filled in from the call: skipped, not refused, when it cannot be awarded (a minor without consent)
}

// Batch is one issuing: the same award to many recipients.
type Batch struct {
	OrgID    int64
	Kind     certificate.Kind
	Title    certificate.Text
	CallID   int64 // optional: the call it is for
	CourseID int64 // optional: the course it is for
	// To takes the recipients from the call (CallID): "participants" or
	// "winners"; Recipients are added to them.
	To         string
	Recipients []Recipient
}

// Issued is one new award.
type Issued struct {
	ID        int64  `json:"id,string"`
	Code      string `json:"code"`
	VerifyURL string `json:"verify_url"`
	Recipient string `json:"recipient"`
}

// Award is a stored award.
type Award struct {
	ID           int64
	Code         string
	BatchID      int64
	OrgID        int64
	Org          certificate.Text
	Kind         certificate.Kind
	Title        certificate.Text
	Place        int
	RecipientID  int64
	Recipient    string
	Withheld     bool // the recipient's account was deleted: public views show WithheldName (decision 0110)
	CallID       int64
	CourseID     int64
	IssuedAt     time.Time
	Revoked      bool
	RevokedAt    time.Time
	RevokeReason string
}

// Certificate is what internal/certificate prints and signs.
func (a *Award) Certificate(base string) certificate.Award {
	return certificate.Award{Code: a.Code, Kind: a.Kind, Title: a.Title, Place: a.Place, Recipient: a.Recipient,
		IssuedAt: a.IssuedAt, Organization: a.Org, OrganizationURL: fmt.Sprintf("%s/kk/organizations/%d", base, a.OrgID)}
}

// VerifyURL is the award's public verification page in language lang.
func (s *Service) VerifyURL(lang, code string) string {
	return certificate.VerifyURL(s.base, lang, code)
}

func trim(s string) string { return strings.TrimSpace(s) }

func checkText(fs *errs.Fields, field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		fs.Add(field, "validation.invalid_utf8")
	case utf8.RuneCountInString(s) > max:
		fs.Add(field, "validation.too_long", "max", max)
	case strings.ContainsAny(s, "\r\n\x00"):
		fs.Add(field, "validation.invalid_chars")
	}
}

// validate checks a batch's own fields; recipients are checked against
// the database in Issue.
func (b *Batch) validate() error {
	var fs errs.Fields
	b.Title = certificate.Text{KK: trim(b.Title.KK), RU: trim(b.Title.RU), EN: trim(b.Title.EN)}
	if !b.Kind.Valid() {
		fs.Add("kind", "validation.invalid_choice")
	}
	if b.Title.KK == "" && b.Title.RU == "" && b.Title.EN == "" {
		fs.Add("title", "validation.required")
	}
	checkText(&fs, "title.kk", b.Title.KK, MaxTitle)
	checkText(&fs, "title.ru", b.Title.RU, MaxTitle)
	checkText(&fs, "title.en", b.Title.EN, MaxTitle)
	if b.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if b.CallID < 0 || b.CourseID < 0 {
		fs.Add("call_id", "validation.invalid_value")
	}
	switch b.To {
	case "", "participants", "winners":
	default:
		fs.Add("to", "validation.invalid_choice")
	}
	if b.To != "" && b.CallID == 0 {
		fs.Add("call_id", "validation.required")
	}
	if len(b.Recipients) == 0 && b.To == "" {
		fs.Add("recipients", "awards.error.no_recipients")
	}
	if len(b.Recipients) > MaxBatch {
		fs.Add("recipients", "awards.error.too_many", "max", MaxBatch)
	}
	for i := range b.Recipients {
		r := &b.Recipients[i]
		r.Name = trim(r.Name)
		field := fmt.Sprintf("recipients[%d]", i)
		switch {
		case r.PersonID == 0 && r.Name == "":
			fs.Add(field, "awards.error.recipient_required")
		case r.PersonID != 0 && r.Name != "":
			fs.Add(field, "awards.error.recipient_both")
		case r.PersonID < 0:
			fs.Add(field+".person_id", "validation.invalid_value")
		}
		if r.Name != "" {
			checkText(&fs, field+".name", r.Name, MaxName)
		}
		switch {
		case r.Place < 0 || r.Place > MaxPlace:
			fs.Add(field+".place", "awards.error.place_range", "max", MaxPlace)
		case r.Place > 0 && b.Kind != certificate.Diploma:
			fs.Add(field+".place", "awards.error.place_diploma_only")
		}
		if len(fs) > 20 { // enough to correct a file with
			break
		}
	}
	return fs.Err()
}

// Issue issues b to its recipients in one transaction: all or none. The
// actor must be a moderator (an organizer) of the organization. People
// named by id must be its members (or of its subtree), or people of the
// call (through Calls) or of another source (AddRecipientSource): an
// organization awards only people related to it, since the award page
// shows their name to anyone. A minor without a guardian's consent is not
// awarded by id (a name typed by the organizer is the organizer's act).
func (s *Service) Issue(ctx context.Context, actor *auth.User, b Batch) ([]Issued, error) {
	if err := s.auth.Require(ctx, actor, b.OrgID, auth.Moderator); err != nil {
		if b.OrgID <= 0 {
			return nil, (&Batch{}).validate()
		}
		return nil, err
	}
	return s.issue(ctx, actor.ID, b)
}

// IssueTrusted issues b on behalf of another component that has checked
// its own permission (a course issuing certificates to those who reached
// its attendance threshold). actorLabel names it in the audit log.
func (s *Service) IssueTrusted(ctx context.Context, b Batch) ([]Issued, error) {
	return s.issue(ctx, 0, b)
}

func (s *Service) issue(ctx context.Context, actorID int64, b Batch) ([]Issued, error) {
	if err := b.validate(); err != nil {
		return nil, err
	}
	if b.CallID != 0 && s.calls != nil {
		org, err := s.calls.CallOrganization(ctx, b.CallID)
		if err != nil {
			return nil, err
		}
		if org != b.OrgID {
			var fs errs.Fields
			fs.Add("call_id", "awards.error.call_org")
			return nil, fs.Err()
		}
		if b.To != "" {
			more, err := s.calls.CallRecipients(ctx, b.CallID, b.To)
			if err != nil {
				return nil, err
			}
			for i := range more {
				more[i].fromCall = true
				if b.Kind != certificate.Diploma { // places only on diplomas
					more[i].Place = 0
				}
			}
			b.Recipients = append(b.Recipients, more...) // after the typed ones: their indexes name them in errors
		}
	} else if b.To != "" {
		var fs errs.Fields
		fs.Add("to", "awards.error.calls_unavailable")
		return nil, fs.Err()
	}
	if len(b.Recipients) == 0 {
		var fs errs.Fields
		fs.Add("recipients", "awards.error.no_recipients")
		return nil, fs.Err()
	}
	names, err := s.people(ctx, b)
	if err != nil {
		return nil, err
	}
	kept := b.Recipients[:0:0]
	for _, r := range b.Recipients {
		if _, ok := names[r.PersonID]; r.PersonID == 0 || ok {
			kept = append(kept, r)
		}
	}
	if b.Recipients = kept; len(kept) == 0 {
		var fs errs.Fields
		fs.Add("recipients", "awards.error.no_recipients")
		return nil, fs.Err()
	}
	var out []Issued
	err = s.d.Write(ctx, func(tx *db.Tx) error {
		out = out[:0]
		var batch int64
		if err := tx.QueryRow(ctx, "INSERT INTO award_batches (org_id, created_by, size, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			b.OrgID, db.NullID(actorID), len(b.Recipients), tx.Now).Scan(&batch); err != nil {
			return err
		}
		for _, r := range b.Recipients {
			name := r.Name
			if r.PersonID != 0 {
				name = names[r.PersonID]
			}
			var place any
			if r.Place > 0 {
				place = r.Place
			}
			for try := 0; ; try++ {
				code := certificate.NewCode()
				var id int64
				err := tx.QueryRow(ctx, `INSERT INTO awards (code, batch_id, org_id, kind, title_kk, title_ru, title_en, place, recipient_id,
					recipient_name, call_id, course_id, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (code) DO NOTHING RETURNING id`,
					code, batch, b.OrgID, string(b.Kind), b.Title.KK, b.Title.RU, b.Title.EN, place, db.NullID(r.PersonID),
					name, db.NullID(b.CallID), db.NullID(b.CourseID), db.NullID(actorID), tx.Now).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) && try < 3 { // 2^-60: a code already taken
					continue
				}
				if err != nil {
					return err
				}
				out = append(out, Issued{ID: id, Code: code, VerifyURL: s.VerifyURL("kk", code), Recipient: name})
				break
			}
		}
		label := ""
		if actorID == 0 {
			label = "component"
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorLabel: label, Action: "awards.issue", TargetType: "award_batch",
			TargetID: fmt.Sprint(batch), OrgID: b.OrgID, After: map[string]any{"kind": b.Kind, "title": b.Title, "count": len(out),
				"call_id": b.CallID, "course_id": b.CourseID, "first_code": out[0].Code}})
	})
	if err != nil {
		if db.IsForeignKey(err) {
			var fs errs.Fields
			fs.Add("organization_id", "validation.invalid_value")
			return nil, fs.Err()
		}
		return nil, fmt.Errorf("awards: issue: %w", err)
	}
	return out, nil
}

// people returns the printed names of the recipients named by id, after
// checking that each may be awarded by the organization.
func (s *Service) people(ctx context.Context, b Batch) (map[int64]string, error) {
	ids := map[int64]bool{}
	var list []int64
	for _, r := range b.Recipients {
		if r.PersonID != 0 && !ids[r.PersonID] {
			ids[r.PersonID] = true
			list = append(list, r.PersonID)
		}
	}
	names := map[int64]string{}
	if len(list) == 0 {
		return names, nil
	}
	var fromCall map[int64]bool
	if b.CallID != 0 && s.calls != nil {
		ps, err := s.calls.CallRecipients(ctx, b.CallID, "participants")
		if err != nil {
			return nil, err
		}
		fromCall = map[int64]bool{}
		for _, p := range ps {
			fromCall[p.PersonID] = true
		}
	}
	now := s.d.Now()
	related := map[int64]bool{}
	for start := 0; start < len(list); start += 500 {
		chunk := list[start:min(len(list), start+500)]
		args := append([]any{auth.AdultCutoff(now), b.OrgID, now.Format("2006-01-02")}, db.Args(chunk)...)
		rows, err := s.d.Query(ctx, `SELECT u.id, u.name, `+auth.NotLimitedSQL+`, EXISTS (SELECT 1 FROM memberships m
				JOIN organizations mo ON mo.id = m.org_id JOIN organizations o ON o.id = ?
				WHERE m.user_id = u.id AND substr(mo.path, 1, length(o.path)) = o.path AND (m.until IS NULL OR m.until >= ?))
			FROM users u WHERE u.deleted_at IS NULL AND u.id IN (`+db.Placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("awards: recipients: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			var adult, member bool
			if err := rows.Scan(&id, &name, &adult, &member); err != nil {
				rows.Close()
				return nil, fmt.Errorf("awards: recipients: %w", err)
			}
			if adult && strings.TrimSpace(name) != "" {
				names[id] = name
				related[id] = member || fromCall[id]
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("awards: recipients: %w", err)
		}
	}
	var fs errs.Fields
	for i, r := range b.Recipients {
		if r.PersonID == 0 {
			continue
		}
		if _, ok := names[r.PersonID]; !ok && r.fromCall {
			continue // dropped by issue
		}
		field := fmt.Sprintf("recipients[%d].person_id", i)
		if _, ok := names[r.PersonID]; !ok {
			fs.Add(field, "awards.error.no_person")
			continue
		}
		if !related[r.PersonID] {
			ok := false
			for _, src := range s.sources {
				yes, err := src(ctx, b.OrgID, r.PersonID)
				if err != nil {
					return nil, err
				}
				if ok = yes; ok {
					break
				}
			}
			if !ok {
				fs.Add(field, "awards.error.not_related")
			}
		}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	return names, nil
}

const selectAward = `SELECT a.id, a.code, a.batch_id, a.org_id, o.name_kk, COALESCE(o.name_ru, ''), COALESCE(o.name_en, ''), a.kind,
	a.title_kk, a.title_ru, a.title_en, COALESCE(a.place, 0), COALESCE(a.recipient_id, 0), a.recipient_name,
	COALESCE(a.call_id, 0), COALESCE(a.course_id, 0), a.issued_at, a.revoked_at, a.revoke_reason, ru.deleted_at IS NOT NULL
	FROM awards a JOIN organizations o ON o.id = a.org_id LEFT JOIN users ru ON ru.id = a.recipient_id `

// WithheldName stands for the name of a recipient whose account has been
// deleted wherever the award is shown publicly (the verification page and
// API, the credential, the award's PDF): in the three languages, as
// printed documents carry it.
const WithheldName = "Есімі жасырылған · Имя скрыто · Name withheld"

type scanner interface{ Scan(...any) error }

func scanAward(sc scanner) (*Award, error) {
	var a Award
	var kind string
	var issued, revoked db.Time
	if err := sc.Scan(&a.ID, &a.Code, &a.BatchID, &a.OrgID, &a.Org.KK, &a.Org.RU, &a.Org.EN, &kind, &a.Title.KK, &a.Title.RU, &a.Title.EN,
		&a.Place, &a.RecipientID, &a.Recipient, &a.CallID, &a.CourseID, &issued, &revoked, &a.RevokeReason, &a.Withheld); err != nil {
		return nil, err
	}
	a.Kind = certificate.Kind(kind)
	a.IssuedAt = issued.Time
	a.Revoked, a.RevokedAt = revoked.Valid, revoked.Time
	return &a, nil
}

func notFound() error { return errs.New(errs.NotFound, "awards.error.not_found") }

// ByCode finds an award by its code as typed (any case, dashes): what the
// public verification page and API show. An unknown code is NotFound. The
// name of a recipient whose account was deleted is WithheldName: the
// award stays valid, the person's name is no longer published.
func (s *Service) ByCode(ctx context.Context, typed string) (*Award, error) {
	code, err := certificate.NormalizeCode(typed)
	if err != nil {
		return nil, notFound()
	}
	a, err := scanAward(s.d.QueryRow(ctx, selectAward+"WHERE a.code = ?", code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("awards: %w", err)
	}
	if a.Withheld {
		a.Recipient = WithheldName
	}
	return a, nil
}

// Get finds an award by id.
func (s *Service) Get(ctx context.Context, id int64) (*Award, error) {
	a, err := scanAward(s.d.QueryRow(ctx, selectAward+"WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("awards: %w", err)
	}
	return a, nil
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]*Award, error) {
	rows, err := s.d.Query(ctx, selectAward+where, args...)
	if err != nil {
		return nil, fmt.Errorf("awards: %w", err)
	}
	defer rows.Close()
	var out []*Award
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, fmt.Errorf("awards: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ForPerson lists the awards issued to a person's account, newest first:
// their home page and their data export.
func (s *Service) ForPerson(ctx context.Context, userID int64) ([]*Award, error) {
	return s.list(ctx, "WHERE a.recipient_id = ? ORDER BY a.issued_at DESC, a.id DESC", userID)
}

// ForOrg lists an organization's awards, newest first, for its organizers
// (moderators): before is a cursor (an id; 0 for the newest).
func (s *Service) ForOrg(ctx context.Context, actor *auth.User, orgID, before int64, limit int) ([]*Award, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.Moderator); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1 << 62
	}
	return s.list(ctx, "WHERE a.org_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?", orgID, before, limit)
}

// Batch returns the awards of one batch in issuing order, for printing,
// to the organizers of its organization.
func (s *Service) Batch(ctx context.Context, actor *auth.User, orgID, batchID int64) ([]*Award, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.Moderator); err != nil {
		return nil, err
	}
	out, err := s.list(ctx, "WHERE a.batch_id = ? AND a.org_id = ? ORDER BY a.id LIMIT ?", batchID, orgID, MaxPrintable)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound()
	}
	return out, nil
}

// Revoke revokes an award with a reason. The organizers of the issuing
// organization (moderators and above) may; revoking twice is a Conflict
// and changes nothing.
func (s *Service) Revoke(ctx context.Context, actor *auth.User, id int64, reason string) (*Award, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, actor, a.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	reason = trim(reason)
	var fs errs.Fields
	if reason == "" {
		fs.Add("reason", "awards.error.reason_required")
	} else {
		checkText(&fs, "reason", reason, MaxReason)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	err = s.d.Write(ctx, func(tx *db.Tx) error {
		var at db.Time
		err := tx.QueryRow(ctx, "UPDATE awards SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL RETURNING revoked_at",
			tx.Now, actor.ID, reason, id).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "awards.error.already_revoked")
		}
		if err != nil {
			return err
		}
		a.Revoked, a.RevokedAt, a.RevokeReason = true, at.Time, reason
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "awards.revoke", TargetType: "award", TargetID: fmt.Sprint(id),
			OrgID: a.OrgID, Before: map[string]any{"code": a.Code, "recipient": a.Recipient}, After: map[string]any{"reason": reason}})
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("awards: revoke: %w", err)
	}
	return a, nil
}

// Credential returns the award's signed Open Badges 3.0 credential
// (VC-JWT). A revoked award still has its credential: the holder may have
// stored it; its credentialStatus points at the verification API, which
// says it is revoked.
func (s *Service) Credential(ctx context.Context, typed string) (string, *Award, error) {
	a, err := s.ByCode(ctx, typed)
	if err != nil {
		return "", nil, err
	}
	tok, err := s.signer.Issue(a.Certificate(s.base))
	if err != nil {
		return "", nil, fmt.Errorf("awards: credential: %w", err)
	}
	return tok, a, nil
}

// PDF prints awards (one or a batch) into one document; lang is the
// verification link's language.
func (s *Service) PDF(lang string, list []*Award) ([]byte, error) {
	certs := make([]certificate.Award, len(list))
	for i, a := range list {
		certs[i] = a.Certificate(s.base)
	}
	second := "ru"
	if lang == "en" {
		second = "en"
	}
	if len(certs) == 1 {
		return certificate.Render(certs[0], certificate.Options{Base: s.base, Lang: lang, Second: second})
	}
	return certificate.RenderBatch(certs, certificate.Options{Base: s.base, Lang: lang, Second: second})
}
