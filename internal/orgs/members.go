package orgs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/notify"
)

// A membership is current while it has no end date or its end date has not
// passed (Kazakhstan's calendar). Takes one argument: today.
const currentSQL = `(m.until IS NULL OR m.until >= ?)`

// People who count and are listed: not deleted, and not a minor whose
// guardian has not consented (docs/decisions/0003-minors.md); the limit
// ends on the 18th birthday. Takes one argument: auth.AdultCutoff(now).
const eligibleSQL = `u.deleted_at IS NULL AND ` + auth.NotLimitedSQL

// contactSQL tells whether the organization of membership m sees the
// contact data (email, birth date, region) of its person u: they are its
// member by their own act (they joined, or accepted an invitation), or
// its import made their account (docs/decisions/0012-member-invitations.md).
const contactSQL = `(COALESCE(u.created_by_org, 0) = m.org_id OR EXISTS (SELECT 1 FROM memberships c
	WHERE c.org_id = m.org_id AND c.user_id = m.user_id AND c.source IN ('self', 'invitation')))`

// recount makes orgID's member_count exact and passes the difference up to
// the subtree counts of the organization and all above it. The first
// statement locks the organization's row, so concurrent changes to the
// same organization count one after another: the count made last sees
// every committed membership. The organization's stale mark (see
// org_counts_stale, migration 0012) goes before the count, so a change
// committed after the count marks it again.
func recount(ctx context.Context, tx *db.Tx, orgID int64) error {
	var old int
	var path string
	err := tx.QueryRow(ctx, "UPDATE organizations SET member_count = member_count WHERE id = ? RETURNING member_count, path",
		orgID).Scan(&old, &path)
	if errors.Is(err, sql.ErrNoRows) {
		// Deleted since it was marked.
		_, err = tx.Exec(ctx, "DELETE FROM org_counts_stale WHERE org_id = ?", orgID)
		return err
	}
	if err != nil {
		return fmt.Errorf("orgs: recount %d: %w", orgID, err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM org_counts_stale WHERE org_id = ?", orgID); err != nil {
		return fmt.Errorf("orgs: recount %d: %w", orgID, err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND `+currentSQL+` AND `+eligibleSQL, orgID, today(tx.Now), auth.AdultCutoff(tx.Now)).Scan(&n); err != nil {
		return fmt.Errorf("orgs: recount %d: %w", orgID, err)
	}
	if n == old {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE organizations SET member_count = ? WHERE id = ?", n, orgID); err != nil {
		return err
	}
	return addSubtree(ctx, tx, pathIDs(path), n-old)
}

// addSubtree adds delta to the subtree counts of ids.
func addSubtree(ctx context.Context, tx *db.Tx, ids []int64, delta int) error {
	if delta == 0 || len(ids) == 0 {
		return nil
	}
	args := []any{delta}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := tx.Exec(ctx, "UPDATE organizations SET subtree_member_count = subtree_member_count + ? WHERE id IN ("+
		db.Placeholders(len(ids))+")", args...)
	return err
}

// RecountAll recomputes every count from the memberships. Counts are kept
// exact as memberships change (see EnsureCounts); this rebuilds them all
// where they were never made (an installation's first count).
func (s *Service) RecountAll(ctx context.Context) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		// Membership changes wait (they lock an organization's row) while
		// the counts are rebuilt from one view of the memberships.
		if err := tx.LockTable(ctx, "organizations"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM org_counts_stale"); err != nil {
			return fmt.Errorf("orgs: recount: %w", err)
		}
		d := today(tx.Now)
		direct := map[int64]int{}
		rows, err := tx.Query(ctx, `SELECT m.org_id, COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE `+currentSQL+` AND `+eligibleSQL+` GROUP BY m.org_id`, d, auth.AdultCutoff(tx.Now))
		if err != nil {
			return fmt.Errorf("orgs: recount: %w", err)
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return err
			}
			direct[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		type row struct {
			path          string
			direct, total int
		}
		all := map[int64]*row{}
		rows, err = tx.Query(ctx, "SELECT id, path, member_count, subtree_member_count FROM organizations")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var r row
			if err := rows.Scan(&id, &r.path, &r.direct, &r.total); err != nil {
				rows.Close()
				return err
			}
			all[id] = &r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		sub := map[int64]int{}
		for id, r := range all {
			n := direct[id]
			if n == 0 {
				continue
			}
			for _, a := range pathIDs(r.path) {
				sub[a] += n
			}
		}
		for id, r := range all {
			if r.direct != direct[id] || r.total != sub[id] {
				if _, err := tx.Exec(ctx, "UPDATE organizations SET member_count = ?, subtree_member_count = ? WHERE id = ?",
					direct[id], sub[id], id); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('orgs.counted_on', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, d)
		return err
	})
}

// EnsureCounts makes the stored counts exact before a page or answer
// shows them (docs/decisions/0011-member-counts.md). The service's own
// changes recount in their transaction; what changes elsewhere marks the
// organizations stale (triggers on memberships and on people's deletion and
// consent, migration 0012), and terms end with the calendar. So: once a
// day, the organizations whose terms ended since the last count are marked;
// then the marked ones are recounted. When nothing is marked this is one
// indexed read.
func (s *Service) EnsureCounts(ctx context.Context) error {
	d := today(s.db.Now())
	if v, _ := s.counted.Load().(string); v != d {
		if err := s.markEnded(ctx, d); err != nil {
			return err
		}
	}
	var stale []int64
	rows, err := s.db.Query(ctx, "SELECT org_id FROM org_counts_stale ORDER BY org_id LIMIT 1000")
	if err != nil {
		return fmt.Errorf("orgs: counts: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("orgs: counts: %w", err)
	}
	if len(stale) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		// In organization order, as the triggers mark them.
		for _, id := range stale {
			if err := recount(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// markEnded marks stale the organizations with terms that ended between
// the day counts were last made exact and today (d); the first time, it
// counts everything.
func (s *Service) markEnded(ctx context.Context, d string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, _ := s.counted.Load().(string); v == d {
		return nil
	}
	var v string
	err := s.db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'orgs.counted_on'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("orgs: counts: %w", err)
	}
	switch {
	case v == "":
		if err := s.RecountAll(ctx); err != nil {
			return err
		}
	case v < d:
		// A term counts through its end date (until >= today), so those
		// that ended on days in [v, d) stopped counting since.
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO org_counts_stale (org_id)
				SELECT DISTINCT org_id FROM memberships WHERE until >= ? AND until < ? ORDER BY org_id
				ON CONFLICT (org_id) DO NOTHING`, v, d); err != nil {
				return err
			}
			// Minors waiting for consent who turned 18 on days in (v, d]
			// count from their birthday on (auth.User.Limited).
			if _, err := tx.Exec(ctx, `INSERT INTO org_counts_stale (org_id)
				SELECT DISTINCT m.org_id FROM users u JOIN memberships m ON m.user_id = u.id
				WHERE u.consent_required = TRUE AND u.guardian_consent_at IS NULL AND u.birth_date > ? AND u.birth_date <= ?
				ORDER BY m.org_id ON CONFLICT (org_id) DO NOTHING`, adultCutoffOn(v), adultCutoffOn(d)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE settings SET value = ? WHERE key = 'orgs.counted_on' AND value < ?`, d, d)
			return err
		})
		if err != nil {
			return fmt.Errorf("orgs: counts: %w", err)
		}
	}
	s.counted.Store(d)
	return nil
}

// adultCutoffOn is auth.AdultCutoff for a calendar day (YYYY-MM-DD).
func adultCutoffOn(day string) string {
	y, err := strconv.Atoi(day[:4])
	if err != nil {
		return day
	}
	return fmt.Sprintf("%04d%s", y-auth.AdultAge, day[4:])
}

// Member is one membership as lists show it.
type Member struct {
	ID       int64
	PersonID int64
	Name     string
	Email    string // for administrators only
	Role     string
	Since    string
	Until    string
	Hidden   bool
	SourceID int64
	NameKey  string
	Source   string // how the membership came to be (memberships.source)
	Contact  bool   // the organization sees the person's contact data (contactSQL)
}

// MemberInput adds a membership: the person by id or by email.
type MemberInput struct {
	PersonID int64
	Email    string
	Role     string
	Since    string
	Until    string
	SourceID int64
}

func checkTerm(fs *errs.Fields, since, until string) {
	okS := checkDate(fs, "since", since)
	okU := checkDate(fs, "until", until)
	if okS && okU && since != "" && until != "" && until < since {
		fs.Add("until", "orgs.until_before_since")
	}
}

// checkMember validates a membership's input and returns its role.
func checkMember(in *MemberInput) (string, error) {
	var fs errs.Fields
	role, key := normalizeRole(in.Role)
	if key != "" {
		fs.Add("role", key, "max", MaxRole)
	}
	in.Since, in.Until = strings.TrimSpace(in.Since), strings.TrimSpace(in.Until)
	checkTerm(&fs, in.Since, in.Until)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if in.PersonID == 0 && in.Email == "" {
		fs.Add("email", "validation.required")
	}
	return role, fs.Err()
}

// person is an account a membership or an invitation names.
type person struct {
	id        int64
	name      string
	createdBy int64 // users.created_by_org
}

// findPerson looks up the account in names by id or address; found is
// false when there is none (or it is deleted).
func findPerson(ctx context.Context, tx *db.Tx, in MemberInput) (p person, found bool, err error) {
	q, arg := "SELECT id, name, COALESCE(created_by_org, 0) FROM users WHERE id = ? AND deleted_at IS NULL", any(in.PersonID)
	if in.PersonID == 0 {
		q, arg = "SELECT id, name, COALESCE(created_by_org, 0) FROM users WHERE email = ? AND deleted_at IS NULL", in.Email
	}
	err = tx.QueryRow(ctx, q, arg).Scan(&p.id, &p.name, &p.createdBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, err
}

// checkSource refuses a member organization not listed for orgID.
func checkSource(ctx context.Context, tx *db.Tx, orgID, sourceID int64) error {
	if sourceID == 0 {
		return nil
	}
	ok, err := tx.Exists(ctx, "SELECT 1 FROM member_organizations WHERE org_id = ? AND source_org_id = ?", orgID, sourceID)
	if err != nil || ok {
		return err
	}
	var fs errs.Fields
	fs.Add("member_organization_id", "orgs.not_a_source")
	return fs.Err()
}

// AddOrInvite is what an administrator's "add a member" does
// (docs/decisions/0012-member-invitations.md): a platform administrator
// adds the person at once, and so does an organization's administrator for
// an account the organization's import made; anyone else named by id or
// address is sent an invitation, and becomes a member only by accepting
// it. The answer then is the same whether or not an account matched, so
// it tells nothing about who has one. Exactly one of the results is set.
func (s *Service) AddOrInvite(ctx context.Context, actor *auth.User, orgID int64, in MemberInput) (*Member, *Invitation, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, nil, err
	}
	role, err := checkMember(&in)
	if err != nil {
		return nil, nil, err
	}
	var m *Member
	var inv *Invitation
	var batch notify.Batch
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		m, inv = nil, nil
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if o.Archived() {
			return errs.New(errs.Conflict, "orgs.archived")
		}
		if err := checkSource(ctx, tx, orgID, in.SourceID); err != nil {
			return err
		}
		p, found, err := findPerson(ctx, tx, in)
		if err != nil {
			return err
		}
		switch {
		case actor.IsAdmin:
			if !found {
				var fs errs.Fields
				fs.Add(personField(in), "orgs.no_such_person")
				return fs.Err()
			}
			m, err = addMember(ctx, tx, actor, orgID, in, role, p, "platform_admin")
		case found && p.createdBy == orgID:
			m, err = addMember(ctx, tx, actor, orgID, in, role, p, "created")
		default:
			if !found {
				p = person{}
			}
			inv, err = s.invite(ctx, tx, actor, o, in, role, p, &batch)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.sendNotes(&batch)
	return m, inv, nil
}

// AddMember records a membership at once, where that needs nobody's
// acceptance: a platform administrator adding anyone, or an organization's
// administrator adding an account the organization's import made. Anyone
// else gets Forbidden: they are invited (AddOrInvite).
func (s *Service) AddMember(ctx context.Context, actor *auth.User, orgID int64, in MemberInput) (*Member, error) {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	role, err := checkMember(&in)
	if err != nil {
		return nil, err
	}
	var m *Member
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if o.Archived() {
			return errs.New(errs.Conflict, "orgs.archived")
		}
		if err := checkSource(ctx, tx, orgID, in.SourceID); err != nil {
			return err
		}
		p, found, err := findPerson(ctx, tx, in)
		if err != nil {
			return err
		}
		source := "platform_admin"
		switch {
		case !found && actor.IsAdmin:
			var fs errs.Fields
			fs.Add(personField(in), "orgs.no_such_person")
			return fs.Err()
		case !actor.IsAdmin && (!found || p.createdBy != orgID):
			return errs.New(errs.Forbidden, "orgs.invitation.required")
		case !actor.IsAdmin:
			source = "created"
		}
		m, err = addMember(ctx, tx, actor, orgID, in, role, p, source)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func personField(in MemberInput) string {
	if in.PersonID != 0 {
		return "person_id"
	}
	return "email"
}

// addMember writes a membership of p in orgID, inside tx.
func addMember(ctx context.Context, tx *db.Tx, actor *auth.User, orgID int64, in MemberInput, role string, p person, source string) (*Member, error) {
	var fs errs.Fields
	m := &Member{PersonID: p.id, Name: p.name, Role: role, Since: in.Since, Until: in.Until, SourceID: in.SourceID, Source: source}
	err := tx.QueryRow(ctx, `INSERT INTO memberships (org_id, user_id, role, since, until, source_org_id, name_key, source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		orgID, m.PersonID, role, db.NullStr(in.Since), db.NullStr(in.Until), db.NullID(in.SourceID), nameKey(m.Name), source, tx.Now, tx.Now).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		fs.Add("role", "orgs.member_exists")
		return nil, fs.Err()
	}
	if in.SourceID != 0 && db.IsForeignKey(err) {
		// The member organization was taken off the list since the
		// check above (migration 0013 makes the two exclusive).
		fs.Add("member_organization_id", "orgs.not_a_source")
		return nil, fs.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("orgs: add member: %w", err)
	}
	if err := recount(ctx, tx, orgID); err != nil {
		return nil, err
	}
	return m, audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.member.add", TargetType: "user",
		TargetID: strconv.FormatInt(m.PersonID, 10), OrgID: orgID,
		After: map[string]any{"role": role, "since": in.Since, "until": in.Until, "member_organization_id": in.SourceID, "source": source}})
}

// EndMember closes a current membership on until (today when empty); the
// record stays as history.
func (s *Service) EndMember(ctx context.Context, actor *auth.User, orgID, membershipID int64, until string) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var userID int64
		var since, role string
		var oldUntil sql.NullString
		err := tx.QueryRow(ctx, "SELECT user_id, role, COALESCE(since, ''), until FROM memberships WHERE id = ? AND org_id = ?",
			membershipID, orgID).Scan(&userID, &role, &since, &oldUntil)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "error.404.text")
		}
		if err != nil {
			return err
		}
		if until == "" {
			until = today(tx.Now)
		}
		var fs errs.Fields
		checkTerm(&fs, since, until)
		if err := fs.Err(); err != nil {
			return err
		}
		if oldUntil.Valid && oldUntil.String < today(tx.Now) {
			return errs.New(errs.Conflict, "orgs.member_already_ended")
		}
		if _, err := tx.Exec(ctx, "UPDATE memberships SET until = ?, updated_at = ? WHERE id = ?", until, tx.Now, membershipID); err != nil {
			if db.IsUnique(err) {
				return errs.New(errs.Conflict, "orgs.member_exists")
			}
			return err
		}
		if err := recount(ctx, tx, orgID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.member.end", TargetType: "user",
			TargetID: strconv.FormatInt(userID, 10), OrgID: orgID,
			Before: map[string]any{"role": role, "until": oldUntil.String}, After: map[string]any{"role": role, "until": until}})
	})
}

// MemberFilter selects a page of a member list.
type MemberFilter struct {
	History bool // ended memberships instead of current ones
	Cursor  string
	Limit   int
}

// MemberView is what the asker may see of a member list.
type MemberView struct {
	Role       auth.Role
	ShowHidden bool // moderators and administrators see people who hid themselves
	ShowEmail  bool // administrators see addresses
}

// CanSeeMembers tells what actor may see of orgID's members: members of the
// organization itself and its moderators and administrators may see the
// list; others get the error to show.
// It asks the database once (the reader's role).
func (s *Service) CanSeeMembers(ctx context.Context, actor *auth.User, orgID int64) (MemberView, error) {
	if actor == nil || actor.Deleted {
		return MemberView{}, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	r, err := s.auth.RoleIn(ctx, actor, orgID)
	if err != nil {
		return MemberView{}, err
	}
	if r < auth.Member {
		return MemberView{Role: r}, errs.New(errs.Forbidden, "error.403.text")
	}
	return MemberView{Role: r, ShowHidden: r >= auth.Moderator, ShowEmail: r >= auth.OrgAdmin}, nil
}

// Members returns a page of an organization's members ordered by name.
// Minors without consent and deleted accounts are never listed; people who
// hid themselves only to moderators and administrators.
func (s *Service) Members(ctx context.Context, actor *auth.User, orgID int64, f MemberFilter) ([]Member, string, MemberView, error) {
	v, err := s.CanSeeMembers(ctx, actor, orgID)
	if err != nil {
		return nil, "", v, err
	}
	list, next, err := s.memberRows(ctx, orgID, v, f)
	return list, next, v, err
}

// memberRows is Members after the permission check: what v may see.
func (s *Service) memberRows(ctx context.Context, orgID int64, v MemberView, f MemberFilter) ([]Member, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	d := today(s.db.Now())
	where := []string{"m.org_id = ?", eligibleSQL}
	args := []any{orgID, auth.AdultCutoff(s.db.Now())}
	if f.History {
		where, args = append(where, "m.until IS NOT NULL AND m.until < ?"), append(args, d)
	} else {
		where, args = append(where, currentSQL), append(args, d)
	}
	if !v.ShowHidden {
		where = append(where, "u.hidden = FALSE")
	}
	if f.Cursor != "" {
		var ck string
		var cid int64
		if err := api.DecodeCursor(f.Cursor, &ck, &cid); err != nil {
			var fs errs.Fields
			fs.Add("cursor", api.KeyInvalidCursor)
			return nil, "", fs.Err()
		}
		where, args = append(where, "(m.name_key > ? OR (m.name_key = ? AND m.id > ?))"), append(args, ck, ck, cid)
	}
	rows, err := s.db.Query(ctx, `SELECT m.id, m.user_id, u.name, COALESCE(u.email, ''), m.role, COALESCE(m.since, ''),
		COALESCE(m.until, ''), u.hidden, COALESCE(m.source_org_id, 0), m.name_key, m.source, `+contactSQL+`
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY m.name_key, m.id LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("orgs: members: %w", err)
	}
	defer rows.Close()
	// Sized for a usual page at once: grown by appends, a page of 50 made
	// 7 copies (19 KB), the largest allocation of the member list. Rows
	// are scanned in place: a Member scanned through pointers outside the
	// slice is allocated once more for every row.
	out := make([]Member, 0, min(f.Limit+1, 101))
	for rows.Next() {
		out = append(out, Member{})
		m := &out[len(out)-1]
		if err := rows.Scan(&m.ID, &m.PersonID, &m.Name, &m.Email, &m.Role, &m.Since, &m.Until, &m.Hidden, &m.SourceID, &m.NameKey,
			&m.Source, &m.Contact); err != nil {
			return nil, "", err
		}
		if !v.ShowEmail || !m.Contact {
			// Addresses are for administrators, and only of people who are
			// members by their own act or whose account the organization
			// made: adding someone reveals nothing of them.
			m.Email = ""
		}
		if !v.ShowEmail {
			m.Source = ""
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = api.EncodeCursor(last.NameKey, last.ID)
	}
	return out, next, nil
}

// Backfill fills in the search and sort keys of organizations and
// memberships written by other code (the core's demo, tests) and makes
// the counts exact. It runs at start; it is cheap when nothing is missing.
// When the search keys were made by another version of internal/kazakh
// (kazakh.KeyVersion), every organization's key is recomputed first.
func (s *Service) Backfill(ctx context.Context) error {
	if err := s.rekey(ctx); err != nil {
		return fmt.Errorf("orgs: backfill: %w", err)
	}
	type named struct {
		id    int64
		name  i18n.Text
		short i18n.Text
	}
	var todo []named
	rows, err := s.db.Query(ctx, `SELECT id, name_kk, name_ru, name_en, short_kk, short_ru, short_en FROM organizations
		WHERE search_key IS NULL`)
	if err != nil {
		return fmt.Errorf("orgs: backfill: %w", err)
	}
	for rows.Next() {
		var n named
		if err := rows.Scan(&n.id, &n.name.KK, &n.name.RU, &n.name.EN, &n.short.KK, &n.short.RU, &n.short.EN); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.backfillSortEN(ctx); err != nil {
		return fmt.Errorf("orgs: backfill: %w", err)
	}
	if len(todo) == 0 {
		return s.backfillMembers(ctx)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		for _, n := range todo {
			if _, err := tx.Exec(ctx, "UPDATE organizations SET search_key = ?, sort_key = ? WHERE id = ? AND search_key IS NULL",
				searchKey(n.name, n.short), sortKey(n.name), n.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("orgs: backfill: %w", err)
	}
	return s.backfillMembers(ctx)
}

// rekey clears every organization's search key, for the backfill to
// recompute, when the keys were made by another kazakh.KeyVersion (or
// before versions were recorded).
func (s *Service) rekey(ctx context.Context) error {
	var v string
	err := s.db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'orgs.search_key_version'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if v == kazakh.KeyVersion {
		return nil
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE organizations SET search_key = NULL WHERE search_key IS NOT NULL"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('orgs.search_key_version', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kazakh.KeyVersion)
		return err
	})
}

func (s *Service) backfillMembers(ctx context.Context) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.name_key = '' AND u.name <> ''`)
		if err != nil {
			return err
		}
		type mk struct {
			id  int64
			key string
		}
		var todo []mk
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, mk{id, nameKey(name)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range todo {
			if _, err := tx.Exec(ctx, "UPDATE memberships SET name_key = ? WHERE id = ?", t.key, t.id); err != nil {
				return err
			}
		}
		return nil
	})
}
