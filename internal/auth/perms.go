package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Role is what a person is with respect to an organization. Roles are
// ordered: each can do what the ones below it can.
type Role int

const (
	Guest         Role = iota // not signed in
	SignedIn                  // any account
	Member                    // an active member of the organization
	Moderator                 // moderator of the organization or an ancestor
	OrgAdmin                  // administrator of the organization or an ancestor
	PlatformAdmin             // administrator of the installation
)

func (r Role) String() string {
	return [...]string{"guest", "signed_in", "member", "moderator", "org_admin", "platform_admin"}[r]
}

// RoleIn returns u's role for organization orgID (0: the installation as a
// whole, where only guest, signed-in and platform admin exist). Grants
// reach down the tree: an admin of a city branch administers its primary
// organizations too. Memberships do not: a member of the city branch is
// not a member of each primary organization.
// ViewRole is RoleIn as this node found it at most Settings.CheckedTTL
// ago: for deciding what a page shows (a moderator's links), never for
// permitting a change — services check those with Require. Any change
// the accounts service commits, and any successful change made through
// this node's web server (ForgetViews), forgets what it remembered, so
// only changes made on other nodes show up to two seconds late.
func (s *Service) ViewRole(ctx context.Context, u *User, orgID int64) (Role, error) {
	if u == nil || u.Deleted || u.IsAdmin || orgID == 0 {
		return s.RoleIn(ctx, u, orgID) // no query
	}
	key := "r" + strconv.FormatInt(u.ID, 10) + ":" + strconv.FormatInt(orgID, 10)
	if r, ok := s.views.role(key); ok {
		return r, nil
	}
	r, err := s.RoleIn(ctx, u, orgID)
	if err == nil {
		s.views.putRole(key, r)
	}
	return r, err
}

// ForgetViews drops the roles ViewRole remembers (after a change on this
// node: a membership added or ended).
func (s *Service) ForgetViews() { s.views.forget() }

func (s *Service) RoleIn(ctx context.Context, u *User, orgID int64) (Role, error) {
	if u == nil || u.Deleted {
		return Guest, nil
	}
	if u.IsAdmin {
		return PlatformAdmin, nil
	}
	if orgID == 0 {
		return SignedIn, nil
	}
	cols, args := roleColumns("?", []any{orgID}, u.ID, s.db.Now())
	var grant sql.NullString
	var member bool
	if err := s.db.QueryRow(ctx, "SELECT "+cols, args...).Scan(&grant, &member); err != nil {
		return Guest, fmt.Errorf("auth: role: %w", err)
	}
	return RoleOf(u, grant, member), nil
}

// RoleColumns is RoleIn as two columns of a query that also reads what
// the role guards, so that the check costs no statement of its own (on
// PostgreSQL each statement is a round trip): org is the SQL expression
// of the organization in that query (e.g. "c.org_id"), args go where the
// columns stand, and RoleOf turns the two values scanned (a NULL string
// and a boolean) into the role. For a guest, a deleted account or a
// platform administrator the columns are computed but RoleOf ignores them.
func (s *Service) RoleColumns(u *User, org string) (cols string, args []any) {
	var uid int64
	if u != nil {
		uid = u.ID
	}
	return roleColumns(org, nil, uid, s.db.Now())
}

// roleColumns: the strongest grant over the organization (expression org,
// its own placeholders' values orgArgs) or an ancestor, and whether uid is
// a current member of it.
func roleColumns(org string, orgArgs []any, uid int64, now time.Time) (string, []any) {
	cols := `(SELECT MIN(g.role) FROM role_grants g
			JOIN organizations o ON o.id = g.org_id
			JOIN organizations t ON t.id = ` + org + `
			WHERE g.user_id = ? AND substr(t.path, 1, length(o.path)) = o.path),
		EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = ` + org + ` AND m.user_id = ?
			AND (m.until IS NULL OR m.until >= ?))`
	args := append(append(append(append([]any{}, orgArgs...), uid), orgArgs...), uid, now.In(i18n.Almaty).Format("2006-01-02"))
	return cols, args
}

// RoleOf is u's role from RoleColumns' two values.
func RoleOf(u *User, grant sql.NullString, member bool) Role {
	// MIN over 'admin' < 'moderator' picks the stronger grant.
	switch {
	case u == nil || u.Deleted:
		return Guest
	case u.IsAdmin:
		return PlatformAdmin
	case grant.String == "admin":
		return OrgAdmin
	case grant.String == "moderator":
		return Moderator
	case member && !u.Limited():
		return Member
	}
	return SignedIn
}

// Require returns nil when u holds at least role at orgID; otherwise
// Unauthorized for guests (so they are sent to sign in) or Forbidden.
// Services call it before every change they make on someone's behalf.
func (s *Service) Require(ctx context.Context, u *User, orgID int64, need Role) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	r, err := s.RoleIn(ctx, u, orgID)
	if err != nil {
		return err
	}
	if r < need {
		return errs.New(errs.Forbidden, "error.403.text")
	}
	return nil
}

// Grant is an administrator or moderator role held for an organization.
type Grant struct {
	ID      int64  `json:"id"`
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Role    string `json:"role"`
}

// GrantRole makes person userID an admin or moderator of orgID. Platform
// admins may grant anything; an organization admin may grant roles within
// the subtree they administer.
func (s *Service) GrantRole(ctx context.Context, actor *User, userID, orgID int64, role string) error {
	var fs errs.Fields
	if role != "admin" && role != "moderator" {
		fs.Add("role", "validation.invalid_choice")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	if err := s.Require(ctx, actor, orgID, OrgAdmin); err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		target, err := loadUserTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if target.Deleted || target.Limited() {
			fs.Add("user_id", "auth.cannot_grant")
			return fs.Err()
		}
		ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ? AND archived_at IS NULL", orgID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.404.text")
		}
		// ON CONFLICT rather than catching the violation: on PostgreSQL a
		// failed statement spoils the whole transaction.
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO role_grants (user_id, org_id, role, granted_by, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, org_id, role) DO NOTHING RETURNING id`, userID, orgID, role, actor.ID, tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already granted: the same state, nothing to log
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "role.grant", TargetType: "user",
			TargetID: strconv.FormatInt(userID, 10), OrgID: orgID, After: map[string]any{"org_id": orgID, "role": role}})
	})
}

// RevokeRole removes a grant; the same people who may grant may revoke.
func (s *Service) RevokeRole(ctx context.Context, actor *User, grantID int64) error {
	var g Grant
	err := s.db.QueryRow(ctx, "SELECT id, user_id, org_id, role FROM role_grants WHERE id = ?", grantID).Scan(&g.ID, &g.UserID, &g.OrgID, &g.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return err
	}
	if err := s.Require(ctx, actor, g.OrgID, OrgAdmin); err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM role_grants WHERE id = ?", grantID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.404.text")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "role.revoke", TargetType: "user",
			TargetID: strconv.FormatInt(g.UserID, 10), OrgID: g.OrgID, Before: map[string]any{"org_id": g.OrgID, "role": g.Role}})
	})
}

// Grants lists the grants in organizations actor administers (all for a
// platform admin).
func (s *Service) Grants(ctx context.Context, actor *User) ([]Grant, error) {
	q := `SELECT g.id, g.user_id, u.name, g.org_id, o.name_kk, g.role FROM role_grants g
		JOIN users u ON u.id = g.user_id JOIN organizations o ON o.id = g.org_id`
	var args []any
	if !actor.IsAdmin {
		q += ` WHERE EXISTS (SELECT 1 FROM role_grants mine JOIN organizations mo ON mo.id = mine.org_id
			WHERE mine.user_id = ? AND mine.role = 'admin' AND substr(o.path, 1, length(mo.path)) = mo.path)`
		args = append(args, actor.ID)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY o.name_kk, u.name LIMIT 500", args...)
	if err != nil {
		return nil, fmt.Errorf("auth: grants: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.UserID, &g.Name, &g.OrgID, &g.OrgName, &g.Role); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
