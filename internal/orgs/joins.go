package orgs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/notify"
)

// Joining (issue 15, item 5; migration 0016). An organization's
// administrators may open it to requests ("takes members"); a signed-in
// person asks to join, with a short note; its administrators accept (a
// membership with source 'self': the person's own act, so their contact
// data is visible to the organization, docs/decisions/0012) or decline,
// and the person is told through the notification service (inbox, and
// email or Telegram via the outbox). One open request per person and
// organization (a unique index). A minor whose guardian has not consented
// cannot ask, and cannot be accepted while still limited.

// MaxJoinMessage caps the note that goes with a request.
const MaxJoinMessage = 1000

// JoinRequest is a person's request to join an organization.
type JoinRequest struct {
	ID        int64
	OrgID     int64
	PersonID  int64
	Name      string // the person's name (their administrators' list)
	Message   string
	Status    string // pending, accepted, declined, withdrawn
	CreatedAt time.Time
}

// JoinState is what an organization's page says to a reader about
// joining.
type JoinState struct {
	TakesMembers bool
	Member       bool         // already a current member
	Pending      *JoinRequest // the reader's open request
	Limited      bool         // a minor waiting for a guardian's consent
	Waiting      int          // open requests (its administrators only)
}

// TakesMembers reports whether orgID takes requests to join.
func (s *Service) TakesMembers(ctx context.Context, orgID int64) (bool, error) {
	var v bool
	err := s.db.QueryRow(ctx, "SELECT takes_members FROM organizations WHERE id = ?", orgID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errs.New(errs.NotFound, "error.404.text")
	}
	return v, err
}

// JoinSummary is whether orgID takes requests to join and how many are
// open: the same for every reader, so its page keeps it with the parts
// shared by all (web.Server.Fragment) and asks about the reader only when
// there is something to ask (JoinStateFor).
func (s *Service) JoinSummary(ctx context.Context, orgID int64) (takes bool, open int, err error) {
	err = s.db.QueryRow(ctx, `SELECT o.takes_members,
		(SELECT COUNT(*) FROM org_join_requests r WHERE r.org_id = o.id AND r.status = 'pending')
		FROM organizations o WHERE o.id = ?`, orgID).Scan(&takes, &open)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return false, 0, fmt.Errorf("orgs: join summary: %w", err)
	}
	return takes, open, nil
}

// SetTakesMembers opens or closes orgID to requests to join (its
// administrators). Closing it leaves open requests waiting for an answer.
func (s *Service) SetTakesMembers(ctx context.Context, actor *auth.User, orgID int64, open bool) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if o.Archived() {
			return errs.New(errs.Conflict, "orgs.archived")
		}
		var before bool
		if err := tx.QueryRow(ctx, "SELECT takes_members FROM organizations WHERE id = ?", orgID).Scan(&before); err != nil {
			return err
		}
		if before == open {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET takes_members = ?, updated_at = ? WHERE id = ?", open, tx.Now, orgID); err != nil {
			return fmt.Errorf("orgs: takes members: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.joining.set", TargetType: "organization",
			TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID,
			Before: map[string]any{"takes_members": before}, After: map[string]any{"takes_members": open}})
	})
}

// JoinStateFor is what orgID's page tells u about joining (u nil: a
// guest, who is told only whether it takes members). One query, for its
// administrators too (the count of open requests is a column of the same
// statement). The organization's page counts its statements: on
// PostgreSQL each is a round trip to a server on the same cores.
func (s *Service) JoinStateFor(ctx context.Context, u *auth.User, orgID int64, admin bool) (JoinState, error) {
	var st JoinState
	if u == nil {
		var err error
		st.TakesMembers, err = s.TakesMembers(ctx, orgID)
		return st, err
	}
	st.Limited = u.Limited()
	var rid sql.NullInt64
	var msg sql.NullString
	var at db.Time
	waiting := "0"
	if admin {
		waiting = "(SELECT COUNT(*) FROM org_join_requests w WHERE w.org_id = o.id AND w.status = 'pending')"
	}
	err := s.db.QueryRow(ctx, `SELECT o.takes_members,
		EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = o.id AND m.user_id = ? AND m.role = 'member' AND `+currentSQL+`),
		r.id, r.message, r.created_at, `+waiting+`
		FROM organizations o LEFT JOIN org_join_requests r ON r.org_id = o.id AND r.user_id = ? AND r.status = 'pending'
		WHERE o.id = ?`, u.ID, today(s.db.Now()), u.ID, orgID).Scan(&st.TakesMembers, &st.Member, &rid, &msg, &at, &st.Waiting)
	if errors.Is(err, sql.ErrNoRows) {
		return st, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return st, fmt.Errorf("orgs: join state: %w", err)
	}
	if rid.Valid {
		st.Pending = &JoinRequest{ID: rid.Int64, OrgID: orgID, PersonID: u.ID, Message: msg.String, Status: "pending", CreatedAt: at.Time}
	}
	return st, nil
}

// isMember reports whether userID holds a current membership of orgID
// in the role member.
func (s *Service) isMember(ctx context.Context, qr func(context.Context, string, ...any) *sql.Row, orgID, userID int64, now time.Time) (bool, error) {
	var n int
	err := qr(ctx, `SELECT COUNT(*) FROM memberships m WHERE m.org_id = ? AND m.user_id = ? AND m.role = 'member' AND `+currentSQL,
		orgID, userID, today(now)).Scan(&n)
	return n > 0, err
}

// RequestJoin records u's request to join orgID. Refused: a minor without
// a guardian's consent (403 consent_required, with the reason), an
// organization that does not take members, a current member, and a
// second open request (409, said plainly).
func (s *Service) RequestJoin(ctx context.Context, u *auth.User, orgID int64, message string) (*JoinRequest, error) {
	if u == nil || u.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return nil, errs.New(errs.ConsentRequired, "orgs.join.needs_consent")
	}
	message = strings.TrimSpace(message)
	var fs errs.Fields
	checkText(&fs, "message", message, false, MaxJoinMessage, true)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var out *JoinRequest
	var b notify.Batch
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		var takes bool
		if err := tx.QueryRow(ctx, "SELECT takes_members FROM organizations WHERE id = ?", orgID).Scan(&takes); err != nil {
			return err
		}
		if o.Archived() || !takes {
			return errs.New(errs.Conflict, "orgs.join.closed")
		}
		member, err := s.isMember(ctx, func(ctx context.Context, q string, args ...any) *sql.Row { return tx.QueryRow(ctx, q, args...) },
			orgID, u.ID, tx.Now)
		if err != nil {
			return err
		}
		if member {
			return errs.New(errs.Conflict, "orgs.join.already_member")
		}
		r := &JoinRequest{OrgID: orgID, PersonID: u.ID, Name: u.Name, Message: message, Status: "pending", CreatedAt: tx.Now}
		// The unique index holds one open request; a second answers the same
		// conflict whether it raced this one or came a day later.
		err = tx.QueryRow(ctx, `INSERT INTO org_join_requests (org_id, user_id, message, status, created_at)
			VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING RETURNING id`, orgID, u.ID, message, tx.Now).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "orgs.join.already_requested")
		}
		if err != nil {
			return fmt.Errorf("orgs: request join: %w", err)
		}
		out = r
		// Its administrators are told (not the person asking).
		if s.notes == nil {
			return nil
		}
		admins, err := s.admins(ctx, tx, o)
		if err != nil || len(admins) == 0 {
			return err
		}
		return s.notes.Add(ctx, tx, &b, admins, u.ID, "org_join_request", map[string]string{"org": o.Name.KK},
			"/organizations/"+strconv.FormatInt(orgID, 10)+"/members#join-requests")
	})
	if err != nil {
		return nil, err
	}
	s.sendNotes(&b)
	return out, nil
}

// admins are the people holding an administrator's grant at o (not the
// ones above it: a republic's administrators are not told of every
// district's requests; they find them on the page).
func (s *Service) admins(ctx context.Context, tx *db.Tx, o *Org) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id
		WHERE g.org_id = ? AND g.role = 'admin' AND u.deleted_at IS NULL ORDER BY g.user_id LIMIT 50`, o.ID)
	if err != nil {
		return nil, fmt.Errorf("orgs: admins: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// WithdrawJoin withdraws u's open request to join orgID.
func (s *Service) WithdrawJoin(ctx context.Context, u *auth.User, orgID int64) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE org_join_requests SET status = 'withdrawn', answered_at = ?
			WHERE org_id = ? AND user_id = ? AND status = 'pending'`, tx.Now, orgID, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.NotFound, "orgs.join.gone")
		}
		return nil
	})
}

// JoinRequests lists orgID's open requests, oldest first (its
// administrators). Names only: the person's contact data is the
// organization's once it accepts.
func (s *Service) JoinRequests(ctx context.Context, actor *auth.User, orgID int64) ([]JoinRequest, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, r.user_id, u.name, r.message, r.created_at FROM org_join_requests r
		JOIN users u ON u.id = r.user_id
		WHERE r.org_id = ? AND r.status = 'pending' AND u.deleted_at IS NULL ORDER BY r.id LIMIT 200`, orgID)
	if err != nil {
		return nil, fmt.Errorf("orgs: join requests: %w", err)
	}
	defer rows.Close()
	var out []JoinRequest
	for rows.Next() {
		r := JoinRequest{OrgID: orgID, Status: "pending"}
		var at db.Time
		if err := rows.Scan(&r.ID, &r.PersonID, &r.Name, &r.Message, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// AnswerJoin accepts or declines an open request to join orgID (its
// administrators). Accepting makes the person a member (role member, from
// today; source self); a person still waiting for a guardian's consent
// cannot be accepted yet. Audited; the person is told either way.
func (s *Service) AnswerJoin(ctx context.Context, actor *auth.User, orgID, id int64, accept bool) (*JoinRequest, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	var out *JoinRequest
	var b notify.Batch
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		r := &JoinRequest{ID: id, OrgID: orgID}
		var limited bool
		err = tx.QueryRow(ctx, `SELECT r.user_id, u.name, r.message, NOT `+auth.NotLimitedSQL+`
			FROM org_join_requests r JOIN users u ON u.id = r.user_id
			WHERE r.id = ? AND r.org_id = ? AND r.status = 'pending' AND u.deleted_at IS NULL`,
			auth.AdultCutoff(tx.Now), id, orgID).Scan(&r.PersonID, &r.Name, &r.Message, &limited)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "orgs.join.gone")
		}
		if err != nil {
			return fmt.Errorf("orgs: answer join: %w", err)
		}
		status, action, kind := "declined", "orgs.join.decline", "org_join_declined"
		if accept {
			if o.Archived() {
				return errs.New(errs.Conflict, "orgs.archived")
			}
			if limited {
				return errs.New(errs.ConsentRequired, "orgs.join.person_needs_consent")
			}
			status, action, kind = "accepted", "orgs.join.accept", "org_join_accepted"
		}
		res, err := tx.Exec(ctx, `UPDATE org_join_requests SET status = ?, answered_at = ?, answered_by = ?
			WHERE id = ? AND status = 'pending'`, status, tx.Now, actor.ID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.NotFound, "orgs.join.gone")
		}
		r.Status = status
		after := map[string]any{"person_id": r.PersonID, "status": status}
		if accept {
			var mid int64
			err = tx.QueryRow(ctx, `INSERT INTO memberships (org_id, user_id, role, since, until, name_key, source, created_at, updated_at)
				VALUES (?, ?, 'member', ?, NULL, ?, 'self', ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
				orgID, r.PersonID, today(tx.Now), nameKey(r.Name), tx.Now, tx.Now).Scan(&mid)
			if errors.Is(err, sql.ErrNoRows) {
				// Already a member (added another way meanwhile): that
				// membership is now by their own act too.
				err = tx.QueryRow(ctx, `UPDATE memberships SET source = 'self', updated_at = ?
					WHERE org_id = ? AND user_id = ? AND role = 'member' AND until IS NULL RETURNING id`,
					tx.Now, orgID, r.PersonID).Scan(&mid)
			}
			if err != nil {
				return fmt.Errorf("orgs: answer join: %w", err)
			}
			after["membership_id"] = mid
			if err := recount(ctx, tx, orgID); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: action, TargetType: "join_request",
			TargetID: strconv.FormatInt(id, 10), OrgID: orgID, After: after}); err != nil {
			return err
		}
		out = r
		if s.notes == nil {
			return nil
		}
		return s.notes.Add(ctx, tx, &b, []int64{r.PersonID}, actor.ID, kind, map[string]string{"org": o.Name.KK},
			"/organizations/"+strconv.FormatInt(orgID, 10))
	})
	if err != nil {
		return nil, err
	}
	s.sendNotes(&b)
	return out, nil
}

// backfillSortEN computes the English order's key (migration 0016) of
// organizations that have none: all of them once after the migration,
// and those other code wrote directly.
func (s *Service) backfillSortEN(ctx context.Context) error {
	for {
		rows, err := s.db.Query(ctx, `SELECT id, name_kk, name_ru, name_en FROM organizations WHERE sort_en IS NULL ORDER BY id LIMIT 1000`)
		if err != nil {
			return err
		}
		type named struct {
			id   int64
			name i18n.Text
		}
		var todo []named
		for rows.Next() {
			var n named
			if err := rows.Scan(&n.id, &n.name.KK, &n.name.RU, &n.name.EN); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(todo) == 0 {
			return err
		}
		if err := s.db.Write(ctx, func(tx *db.Tx) error {
			for _, n := range todo {
				if _, err := tx.Exec(ctx, "UPDATE organizations SET sort_en = ? WHERE id = ?", sortKeyEN(n.name), n.id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
}

// exportJoins is a person's requests to join, for their data export.
func (s *Service) exportJoins(ctx context.Context, userID int64) (any, error) {
	rows, err := s.db.Query(ctx, `SELECT r.org_id, o.name_kk, r.message, r.status, r.created_at, r.answered_at
		FROM org_join_requests r JOIN organizations o ON o.id = r.org_id WHERE r.user_id = ? ORDER BY r.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("orgs: export joins: %w", err)
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var orgID int64
		var name, msg, status string
		var at, answered db.Time
		if err := rows.Scan(&orgID, &name, &msg, &status, &at, &answered); err != nil {
			return nil, err
		}
		item := map[string]any{"organization_id": strconv.FormatInt(orgID, 10), "organization": name, "message": msg,
			"status": status, "created_at": at.Time.UTC()}
		if p := answered.Ptr(); p != nil {
			item["answered_at"] = p.UTC()
		}
		out = append(out, item)
	}
	return out, rows.Err()
}
