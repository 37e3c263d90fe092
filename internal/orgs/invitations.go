package orgs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/notify"
)

// Invitations (docs/decisions/0012-member-invitations.md). An
// organization's administrator who adds an existing account by id or
// address sends an invitation: the person is told (inbox, and email or
// Telegram), sees it on /{lang}/invitations and accepts or declines; until
// they accept, the organization sees only what its administrator typed.
// The answer to the administrator is the same whether an account matched
// or not. An address without an account keeps its invitation until it
// expires: whoever signs up with it and confirms it finds it there.

// InvitationTTL is how long an invitation waits for an answer.
const InvitationTTL = 30 * 24 * time.Hour

// Notifier tells people things: the notify service (inbox, email,
// Telegram), stored in the transaction and sent after it commits.
type Notifier interface {
	Add(ctx context.Context, tx *db.Tx, b *notify.Batch, userIDs []int64, skip int64, kind string, args map[string]string, link string) error
	Send(b *notify.Batch)
}

func (s *Service) sendNotes(b *notify.Batch) {
	if s.notes != nil && len(b.Items()) > 0 {
		s.notes.Send(b)
	}
}

// Invitation is an invitation to become a member.
type Invitation struct {
	ID        int64
	OrgID     int64
	OrgName   i18n.Text // for the invited person's list
	Target    string    // what the administrator typed: an address, or '#' and an id (their list only)
	Role      string
	Since     string
	Until     string
	SourceID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// invite stores (or renews) the invitation an administrator's "add a
// member" makes, inside tx, and notes the notification for the person p
// names (p.id 0: no account matched).
func (s *Service) invite(ctx context.Context, tx *db.Tx, actor *auth.User, o *Org, in MemberInput, role string, p person, b *notify.Batch) (*Invitation, error) {
	inv := &Invitation{OrgID: o.ID, Target: in.Email, Role: role, Since: in.Since, Until: in.Until, SourceID: in.SourceID,
		CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(InvitationTTL)}
	var email any = in.Email
	if in.PersonID != 0 {
		inv.Target, email = "#"+strconv.FormatInt(in.PersonID, 10), nil
	}
	// Inviting again renews an open invitation; the person is told once.
	open, err := tx.Exists(ctx, `SELECT 1 FROM org_invitations WHERE org_id = ? AND target = ? AND role = ? AND status = 'pending'
		AND expires_at > ? AND user_id IS NOT DISTINCT FROM ?`, o.ID, inv.Target, role, tx.Now, db.NullID(p.id))
	if err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO org_invitations (org_id, target, email, user_id, role, since, until, source_org_id,
		invited_by, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
		ON CONFLICT (org_id, target, role) WHERE status = 'pending' DO UPDATE SET user_id = excluded.user_id,
		since = excluded.since, until = excluded.until, source_org_id = excluded.source_org_id,
		invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at
		RETURNING id`, o.ID, inv.Target, email, db.NullID(p.id), role, db.NullStr(in.Since), db.NullStr(in.Until), db.NullID(in.SourceID),
		actor.ID, tx.Now, inv.ExpiresAt).Scan(&inv.ID)
	if err != nil {
		return nil, fmt.Errorf("orgs: invite: %w", err)
	}
	// What was typed and asked for, not whom it reached: the organization's
	// record must not say what its answer does not.
	if err := audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.invitation.create", TargetType: "invitation",
		TargetID: strconv.FormatInt(inv.ID, 10), OrgID: o.ID,
		After: map[string]any{"target": inv.Target, "role": role, "since": in.Since, "until": in.Until, "member_organization_id": in.SourceID}}); err != nil {
		return nil, err
	}
	if p.id == 0 || s.notes == nil || open {
		return inv, nil
	}
	// Someone who declined this organization in the last month is not
	// told again (the invitation waits on their page): a refusal is not to
	// be worn down.
	declined, err := tx.Exists(ctx, `SELECT 1 FROM org_invitations WHERE org_id = ? AND user_id = ? AND status = 'declined'
		AND answered_at > ?`, o.ID, p.id, tx.Now.Add(-InvitationTTL))
	if err != nil || declined {
		return inv, err
	}
	args := map[string]string{"org": o.Name.KK}
	if slices.Contains(Roles, role) {
		args["role_key"] = "orgs.role." + role
	} else {
		args["role"] = role
	}
	return inv, s.notes.Add(ctx, tx, b, []int64{p.id}, actor.ID, "org_invitation", args, "/invitations")
}

// inviteRow is an invitation that an import makes for a row naming an
// account the organization did not make.
func (s *Service) inviteRow(ctx context.Context, tx *db.Tx, actor *auth.User, o *Org, r importRow, p person, b *notify.Batch) error {
	_, err := s.invite(ctx, tx, actor, o, MemberInput{Email: r.email, Role: r.role, Since: r.since, Until: r.until}, r.role, p, b)
	return err
}

// Invitations lists an organization's open invitations (its
// administrators): what was typed, the role and term, when they expire.
// Nothing tells whether an account matched; an invitation leaves the list
// when it is accepted, declined, revoked or expired.
func (s *Service) Invitations(ctx context.Context, actor *auth.User, orgID int64) ([]Invitation, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	return s.invitations(ctx, `i.org_id = ?`, orgID)
}

// MyInvitations lists the open invitations for u: sent to their account,
// or to their address (when confirmed) before they had one.
func (s *Service) MyInvitations(ctx context.Context, u *auth.User) ([]Invitation, error) {
	if u == nil || u.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	where, args := mine(u)
	return s.invitations(ctx, where+" AND o.archived_at IS NULL", args...)
}

// mine selects the invitations of u (alias i).
func mine(u *auth.User) (string, []any) {
	if u.EmailConfirmed && u.Email != "" {
		return "(i.user_id = ? OR (i.user_id IS NULL AND i.email = ?))", []any{u.ID, u.Email}
	}
	return "i.user_id = ?", []any{u.ID}
}

func (s *Service) invitations(ctx context.Context, where string, args ...any) ([]Invitation, error) {
	rows, err := s.db.Query(ctx, `SELECT i.id, i.org_id, o.name_kk, o.name_ru, o.name_en, i.target, i.role, COALESCE(i.since, ''),
		COALESCE(i.until, ''), COALESCE(i.source_org_id, 0), i.created_at, i.expires_at
		FROM org_invitations i JOIN organizations o ON o.id = i.org_id
		WHERE i.status = 'pending' AND i.expires_at > ? AND `+where+` ORDER BY i.id DESC LIMIT 200`,
		append([]any{s.db.Now()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("orgs: invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var v Invitation
		var created, expires db.Time
		if err := rows.Scan(&v.ID, &v.OrgID, &v.OrgName.KK, &v.OrgName.RU, &v.OrgName.EN, &v.Target, &v.Role, &v.Since, &v.Until,
			&v.SourceID, &created, &expires); err != nil {
			return nil, err
		}
		v.CreatedAt, v.ExpiresAt = created.Time, expires.Time
		out = append(out, v)
	}
	return out, rows.Err()
}

// myInvitation loads an open invitation of u inside tx (NotFound otherwise).
func myInvitation(ctx context.Context, tx *db.Tx, u *auth.User, id int64) (*Invitation, error) {
	where, args := mine(u)
	var v Invitation
	err := tx.QueryRow(ctx, `SELECT i.id, i.org_id, i.role, COALESCE(i.since, ''), COALESCE(i.until, ''), COALESCE(i.source_org_id, 0)
		FROM org_invitations i WHERE i.id = ? AND i.status = 'pending' AND i.expires_at > ? AND `+where,
		append([]any{id, tx.Now}, args...)...).Scan(&v.ID, &v.OrgID, &v.Role, &v.Since, &v.Until, &v.SourceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "orgs.invitation.gone")
	}
	return &v, err
}

// AcceptInvitation makes u a member as invited: by their own act, so the
// organization sees their contact data from now on. A minor whose
// guardian has not consented cannot accept yet. A membership u already has
// in that role (made before invitations, say) is marked as accepted
// instead of repeated.
func (s *Service) AcceptInvitation(ctx context.Context, u *auth.User, id int64) (*Member, error) {
	if u == nil || u.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return nil, errs.New(errs.ConsentRequired, "orgs.invitation.needs_consent")
	}
	var m *Member
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		inv, err := myInvitation(ctx, tx, u, id)
		if err != nil {
			return err
		}
		o, err := getOrg(ctx, tx, inv.OrgID)
		if err != nil {
			return err
		}
		if o.Archived() {
			return errs.New(errs.Conflict, "orgs.archived")
		}
		if inv.SourceID != 0 {
			// The member organization may have left the list since.
			ok, err := tx.Exists(ctx, "SELECT 1 FROM member_organizations WHERE org_id = ? AND source_org_id = ?", o.ID, inv.SourceID)
			if err != nil {
				return err
			}
			if !ok {
				inv.SourceID = 0
			}
		}
		res, err := tx.Exec(ctx, `UPDATE org_invitations SET status = 'accepted', user_id = ?, answered_at = ?
			WHERE id = ? AND status = 'pending'`, u.ID, tx.Now, inv.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.NotFound, "orgs.invitation.gone")
		}
		m = &Member{PersonID: u.ID, Name: u.Name, Email: u.Email, Role: inv.Role, Since: inv.Since, Until: inv.Until,
			SourceID: inv.SourceID, Source: "invitation", Contact: true}
		err = tx.QueryRow(ctx, `INSERT INTO memberships (org_id, user_id, role, since, until, source_org_id, name_key, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'invitation', ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
			o.ID, u.ID, inv.Role, db.NullStr(inv.Since), db.NullStr(inv.Until), db.NullID(inv.SourceID), nameKey(u.Name), tx.Now, tx.Now).Scan(&m.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// Already a member in this role (the open term, or one with this
			// start date): that membership is now theirs by their own act.
			err = tx.QueryRow(ctx, `UPDATE memberships SET source = 'invitation', updated_at = ?
				WHERE org_id = ? AND user_id = ? AND role = ? AND (until IS NULL OR COALESCE(since, '') = ?) RETURNING id`,
				tx.Now, o.ID, u.ID, inv.Role, inv.Since).Scan(&m.ID)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.Conflict, "orgs.member_exists")
			}
		}
		if err != nil {
			return fmt.Errorf("orgs: accept invitation: %w", err)
		}
		if err := recount(ctx, tx, o.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "orgs.invitation.accept", TargetType: "invitation",
			TargetID: strconv.FormatInt(inv.ID, 10), OrgID: o.ID,
			After: map[string]any{"membership_id": m.ID, "role": inv.Role, "since": inv.Since, "until": inv.Until}})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DeclineInvitation records u's refusal. It is theirs: the audit entry is
// not filed under the organization (whose members read its activity).
func (s *Service) DeclineInvitation(ctx context.Context, u *auth.User, id int64) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		inv, err := myInvitation(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE org_invitations SET status = 'declined', user_id = ?, answered_at = ?
			WHERE id = ? AND status = 'pending'`, u.ID, tx.Now, inv.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "orgs.invitation.decline", TargetType: "invitation",
			TargetID: strconv.FormatInt(inv.ID, 10), After: map[string]any{"org_id": inv.OrgID}})
	})
}

// RevokeInvitation withdraws an open invitation (the organization's
// administrators).
func (s *Service) RevokeInvitation(ctx context.Context, actor *auth.User, orgID, id int64) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var target, role string
		err := tx.QueryRow(ctx, `UPDATE org_invitations SET status = 'revoked', answered_at = ?
			WHERE id = ? AND org_id = ? AND status = 'pending' RETURNING target, role`, tx.Now, id, orgID).Scan(&target, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "orgs.invitation.gone")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.invitation.revoke", TargetType: "invitation",
			TargetID: strconv.FormatInt(id, 10), OrgID: orgID, Before: map[string]any{"target": target, "role": role}})
	})
}

// Waiting is an account an organization's import made for a minor whose
// guardian has not consented yet.
type Waiting struct {
	PersonID     int64
	Name         string
	GuardianName string // "" when no guardian is named yet
	RequestedAt  *time.Time
}

// WaitingForConsent lists the accounts orgID's imports made that still
// wait for a guardian's consent (its administrators), so that the
// organization can ask the guardian again or name one. Such people are in
// no member list until consent; the guardian's address is not shown (the
// account holder may have corrected it).
func (s *Service) WaitingForConsent(ctx context.Context, actor *auth.User, orgID int64) ([]Waiting, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name, COALESCE(u.guardian_name, ''), u.guardian_requested_at FROM users u
		WHERE u.created_by_org = ? AND u.consent_required = TRUE AND u.guardian_consent_at IS NULL AND u.deleted_at IS NULL
		AND (u.birth_date IS NULL OR u.birth_date > ?) ORDER BY u.name, u.id LIMIT 200`, orgID, auth.AdultCutoff(s.db.Now()))
	if err != nil {
		return nil, fmt.Errorf("orgs: waiting for consent: %w", err)
	}
	defer rows.Close()
	var out []Waiting
	for rows.Next() {
		var w Waiting
		var at db.Time
		if err := rows.Scan(&w.PersonID, &w.Name, &w.GuardianName, &at); err != nil {
			return nil, err
		}
		w.RequestedAt = at.Ptr()
		out = append(out, w)
	}
	return out, rows.Err()
}
