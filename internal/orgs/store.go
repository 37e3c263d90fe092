package orgs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/search"
)

const orgCols = `o.id, COALESCE(o.parent_id, 0), o.path, o.kind, o.name_kk, o.name_ru, o.name_en,
	o.short_kk, o.short_ru, o.short_en, o.description_kk, o.description_ru, o.description_en,
	o.purpose_kk, o.purpose_ru, o.purpose_en, COALESCE(o.region, ''), COALESCE(o.district, ''),
	o.phone, o.email, o.website, o.address, o.member_count, o.subtree_member_count,
	COALESCE(o.reg_status, ''), o.created_at, o.updated_at, o.archived_at, o.sort_key`

type scanner interface{ Scan(...any) error }

func scanOrg(sc scanner) (*Org, error) {
	var o Org
	var created, updated, archived db.Time
	err := sc.Scan(&o.ID, &o.ParentID, &o.Path, &o.Kind, &o.Name.KK, &o.Name.RU, &o.Name.EN,
		&o.Short.KK, &o.Short.RU, &o.Short.EN, &o.Description.KK, &o.Description.RU, &o.Description.EN,
		&o.Purpose.KK, &o.Purpose.RU, &o.Purpose.EN, &o.Region, &o.District,
		&o.Phone, &o.Email, &o.Website, &o.Address, &o.MemberCount, &o.SubtreeCount,
		&o.RegStatus, &created, &updated, &archived, &o.SortKey)
	if err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt, o.ArchivedAt = created.Time, updated.Time, archived.Ptr()
	return &o, nil
}

func getOrg(ctx context.Context, tx *db.Tx, id int64) (*Org, error) {
	return gotOrg(scanOrg(tx.QueryRow(ctx, "SELECT "+orgCols+" FROM organizations o WHERE o.id = ?", id)))
}

// gotOrg maps a missing row to the not-found error.
func gotOrg(o *Org, err error) (*Org, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, fmt.Errorf("orgs: get: %w", err)
	}
	return o, nil
}

// Get returns an organization (archived ones too). One statement needs no
// transaction: on PostgreSQL its BEGIN and COMMIT would be two more round
// trips on every page that shows an organization.
func (s *Service) Get(ctx context.Context, id int64) (*Org, error) {
	return gotOrg(scanOrg(s.db.QueryRow(ctx, "SELECT "+orgCols+" FROM organizations o WHERE o.id = ?", id)))
}

// Patch changes an organization; nil fields are left as they are.
type Patch struct {
	Kind                              *string
	Name, Short, Description, Purpose *i18n.Text
	Region, District                  *string
	Phone, Email, Website, Address    *string
	Registration                      *RegInput
}

// RegInput is a registration record as entered.
type RegInput struct {
	Number, Date, Authority, Status string
}

func (p Patch) apply(o *Org) {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	txt := func(dst *i18n.Text, v *i18n.Text) {
		if v != nil {
			*dst = v.Trim()
		}
	}
	str(&o.Kind, p.Kind)
	txt(&o.Name, p.Name)
	txt(&o.Short, p.Short)
	txt(&o.Description, p.Description)
	txt(&o.Purpose, p.Purpose)
	str(&o.Region, p.Region)
	str(&o.District, p.District)
	str(&o.Phone, p.Phone)
	str(&o.Email, p.Email)
	str(&o.Website, p.Website)
	str(&o.Address, p.Address)
	o.Email = strings.ToLower(o.Email)
}

// validate checks an organization's fields; error names are API paths
// ("name.kk", "registration.number").
func (s *Service) validate(o *Org, reg *RegInput, now string) error {
	var fs errs.Fields
	if !has(Kinds, o.Kind) {
		fs.Add("kind", "validation.invalid_choice")
	}
	checkText(&fs, "name.kk", o.Name.KK, true, MaxName, false)
	checkText(&fs, "name.ru", o.Name.RU, false, MaxName, false)
	checkText(&fs, "name.en", o.Name.EN, false, MaxName, false)
	checkText(&fs, "short_name.kk", o.Short.KK, false, MaxShort, false)
	checkText(&fs, "short_name.ru", o.Short.RU, false, MaxShort, false)
	checkText(&fs, "short_name.en", o.Short.EN, false, MaxShort, false)
	for _, f := range []struct {
		name string
		v    string
	}{{"description.kk", o.Description.KK}, {"description.ru", o.Description.RU}, {"description.en", o.Description.EN},
		{"purpose.kk", o.Purpose.KK}, {"purpose.ru", o.Purpose.RU}, {"purpose.en", o.Purpose.EN}} {
		checkText(&fs, f.name, f.v, false, MaxText, true)
	}
	s.checkRegion(&fs, o.Region, o.District)
	checkText(&fs, "contacts.address", o.Address, false, MaxContact, false)
	if o.Phone != "" && !phoneRe.MatchString(o.Phone) {
		fs.Add("contacts.phone", "orgs.invalid_phone")
	}
	if o.Email != "" && (len(o.Email) > 254 || !validEmail(o.Email)) {
		fs.Add("contacts.email", "validation.invalid_email")
	}
	checkWebsite(&fs, "contacts.website", o.Website)
	if reg != nil {
		checkRegInput(&fs, reg, now)
	}
	return fs.Err()
}

func checkRegInput(fs *errs.Fields, r *RegInput, now string) {
	r.Number = normalizeNumber(r.Number)
	r.Authority = strings.TrimSpace(r.Authority)
	r.Date = strings.TrimSpace(r.Date)
	checkText(fs, "registration.number", r.Number, true, 60, false)
	if r.Date == "" {
		fs.Add("registration.date", "validation.required")
	} else if checkDate(fs, "registration.date", r.Date) && r.Date > now {
		fs.Add("registration.date", "validation.date_in_future")
	}
	checkText(fs, "registration.authority", r.Authority, false, MaxName, false)
	if r.Status == "" {
		r.Status = "registered"
	}
	if !has(Statuses, r.Status) {
		fs.Add("registration.status", "validation.invalid_choice")
	}
}

// snapshot is what the audit log keeps of an organization.
func snapshot(o *Org) map[string]any {
	return map[string]any{"parent_id": o.ParentID, "kind": o.Kind, "name": o.Name, "short_name": o.Short,
		"region": o.Region, "district": o.District, "phone": o.Phone, "email": o.Email, "website": o.Website,
		"address": o.Address, "path": o.Path}
}

// Create adds an organization under parentID (0: a top-level one, which
// only platform administrators may add; below, the parent's
// administrators).
func (s *Service) Create(ctx context.Context, actor *auth.User, parentID int64, p Patch) (*Org, error) {
	if err := s.auth.Require(ctx, actor, parentID, orgAdminOr(parentID)); err != nil {
		return nil, err
	}
	o := &Org{ParentID: parentID}
	p.apply(o)
	var out *Org
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := s.validate(o, p.Registration, today(tx.Now)); err != nil {
			return err
		}
		parentPath := "/"
		if parentID != 0 {
			parent, err := getOrg(ctx, tx, parentID)
			if err != nil {
				return err
			}
			if parent.Archived() {
				return errs.New(errs.Conflict, "orgs.parent_archived")
			}
			parentPath = parent.Path
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, name_ru, name_en,
			short_kk, short_ru, short_en, description_kk, description_ru, description_en, purpose_kk, purpose_ru, purpose_en,
			region, district, phone, email, website, address, search_key, sort_key, created_at, updated_at)
			VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			db.NullID(parentID), o.Kind, o.Name.KK, o.Name.RU, o.Name.EN, o.Short.KK, o.Short.RU, o.Short.EN,
			o.Description.KK, o.Description.RU, o.Description.EN, o.Purpose.KK, o.Purpose.RU, o.Purpose.EN,
			db.NullStr(o.Region), db.NullStr(o.District), o.Phone, o.Email, o.Website, o.Address,
			searchKey(o.Name, o.Short), sortKey(o.Name), tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return fmt.Errorf("orgs: create: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET path = ?, sort_en = ? WHERE id = ?", parentPath+strconv.FormatInt(id, 10)+"/",
			sortKeyEN(o.Name), id); err != nil {
			return err
		}
		if p.Registration != nil {
			if err := s.addRegistration(ctx, tx, actor, id, *p.Registration); err != nil {
				return err
			}
		}
		if out, err = getOrg(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.create", TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: id, After: snapshot(out)})
	})
	return out, err
}

// orgAdminOr: top-level changes need a platform administrator.
func orgAdminOr(orgID int64) auth.Role {
	if orgID == 0 {
		return auth.PlatformAdmin
	}
	return auth.OrgAdmin
}

// Update changes an organization's fields (administrators of it or above).
// A registration in the patch adds a record (or changes the record with
// the same number).
func (s *Service) Update(ctx context.Context, actor *auth.User, id int64, p Patch) (*Org, error) {
	if err := s.auth.Require(ctx, actor, id, auth.OrgAdmin); err != nil {
		return nil, err
	}
	var out *Org
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		before := snapshot(o)
		p.apply(o)
		if err := s.validate(o, p.Registration, today(tx.Now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organizations SET kind = ?, name_kk = ?, name_ru = ?, name_en = ?,
			short_kk = ?, short_ru = ?, short_en = ?, description_kk = ?, description_ru = ?, description_en = ?,
			purpose_kk = ?, purpose_ru = ?, purpose_en = ?, region = ?, district = ?, phone = ?, email = ?,
			website = ?, address = ?, search_key = ?, sort_key = ?, updated_at = ? WHERE id = ?`,
			o.Kind, o.Name.KK, o.Name.RU, o.Name.EN, o.Short.KK, o.Short.RU, o.Short.EN,
			o.Description.KK, o.Description.RU, o.Description.EN, o.Purpose.KK, o.Purpose.RU, o.Purpose.EN,
			db.NullStr(o.Region), db.NullStr(o.District), o.Phone, o.Email, o.Website, o.Address,
			searchKey(o.Name, o.Short), sortKey(o.Name), tx.Now, id); err != nil {
			return fmt.Errorf("orgs: update: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET sort_en = ? WHERE id = ?", sortKeyEN(o.Name), id); err != nil {
			return fmt.Errorf("orgs: update: %w", err)
		}
		if p.Registration != nil {
			if err := s.addRegistration(ctx, tx, actor, id, *p.Registration); err != nil {
				return err
			}
		}
		if out, err = getOrg(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.update", TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: id, Before: before, After: snapshot(out)})
	})
	return out, err
}

// AddRegistration records a state registration: a new number adds a
// record (a re-registration keeps the earlier one); the number of an
// existing record of this organization changes that record (its status,
// say, to suspended). A number registered to another organization is
// refused.
func (s *Service) AddRegistration(ctx context.Context, actor *auth.User, orgID int64, r RegInput) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var fs errs.Fields
		checkRegInput(&fs, &r, today(tx.Now))
		if err := fs.Err(); err != nil {
			return err
		}
		if _, err := getOrg(ctx, tx, orgID); err != nil {
			return err
		}
		return s.addRegistration(ctx, tx, actor, orgID, r)
	})
}

func (s *Service) addRegistration(ctx context.Context, tx *db.Tx, actor *auth.User, orgID int64, r RegInput) error {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO org_registrations (org_id, number, date, authority, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO NOTHING RETURNING id`,
		orgID, r.Number, r.Date, r.Authority, r.Status, tx.Now, tx.Now).Scan(&id)
	action := "orgs.registration.add"
	var before any
	if errors.Is(err, sql.ErrNoRows) {
		var owner int64
		var old Registration
		if err := tx.QueryRow(ctx, "SELECT id, org_id, date, authority, status FROM org_registrations WHERE number = ?", r.Number).
			Scan(&id, &owner, &old.Date, &old.Authority, &old.Status); err != nil {
			return fmt.Errorf("orgs: registration: %w", err)
		}
		if owner != orgID {
			var fs errs.Fields
			fs.Add("registration.number", "orgs.reg_number_taken")
			return fs.Err()
		}
		if old.Date == r.Date && old.Authority == r.Authority && old.Status == r.Status {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE org_registrations SET date = ?, authority = ?, status = ?, updated_at = ? WHERE id = ?",
			r.Date, r.Authority, r.Status, tx.Now, id); err != nil {
			return err
		}
		action, before = "orgs.registration.change", map[string]any{"number": r.Number, "date": old.Date, "authority": old.Authority, "status": old.Status}
	} else if err != nil {
		return fmt.Errorf("orgs: registration: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE organizations SET reg_status = (SELECT status FROM org_registrations
		WHERE org_id = ? ORDER BY date DESC, id DESC LIMIT 1), updated_at = ? WHERE id = ?`, orgID, tx.Now, orgID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: action, TargetType: "organization",
		TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID, Before: before,
		After: map[string]any{"number": r.Number, "date": r.Date, "authority": r.Authority, "status": r.Status}})
}

// Registrations lists an organization's registration records, latest first.
func (s *Service) Registrations(ctx context.Context, orgID int64) ([]Registration, error) {
	rows, err := s.db.Query(ctx, `SELECT id, number, date, authority, status, created_at FROM org_registrations
		WHERE org_id = ? ORDER BY date DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("orgs: registrations: %w", err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		var r Registration
		var created db.Time
		if err := rows.Scan(&r.ID, &r.Number, &r.Date, &r.Authority, &r.Status, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = created.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// Move puts an organization (with everything below it) under newParent
// (0: top level, platform administrators only). The mover must administer
// both the organization and the new parent. Moving under itself or its
// own descendant is refused.
func (s *Service) Move(ctx context.Context, actor *auth.User, id, newParent int64) error {
	if err := s.auth.Require(ctx, actor, id, auth.OrgAdmin); err != nil {
		return err
	}
	if err := s.auth.Require(ctx, actor, newParent, orgAdminOr(newParent)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.ParentID == newParent {
			return nil
		}
		newPath := "/"
		if newParent != 0 {
			p, err := getOrg(ctx, tx, newParent)
			if errs.CodeOf(err) == errs.NotFound {
				var fs errs.Fields
				fs.Add("parent_id", "validation.invalid_choice")
				return fs.Err()
			}
			if err != nil {
				return err
			}
			if strings.HasPrefix(p.Path, o.Path) {
				var fs errs.Fields
				fs.Add("parent_id", "orgs.move_cycle")
				return fs.Err()
			}
			if p.Archived() {
				return errs.New(errs.Conflict, "orgs.parent_archived")
			}
			newPath = p.Path
		}
		newPath += strconv.FormatInt(id, 10) + "/"
		// The subtree's members leave the old ancestors' counts and join the
		// new ones'.
		oldAnc := pathIDs(o.Path)
		if err := addSubtree(ctx, tx, oldAnc[:len(oldAnc)-1], -o.SubtreeCount); err != nil {
			return err
		}
		newAnc := pathIDs(newPath)
		if err := addSubtree(ctx, tx, newAnc[:len(newAnc)-1], o.SubtreeCount); err != nil {
			return err
		}
		lo, hi := subtreeRange(o.Path)
		pc := pathCol(tx.Dialect(), "path")
		if _, err := tx.Exec(ctx, `UPDATE organizations SET path = ? || substr(path, ?), updated_at = ?
			WHERE `+pc+` >= ? AND `+pc+` < ?`, newPath, len(o.Path)+1, tx.Now, lo, hi); err != nil {
			return fmt.Errorf("orgs: move: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET parent_id = ? WHERE id = ?", db.NullID(newParent), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.move", TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: id,
			Before: map[string]any{"parent_id": o.ParentID, "path": o.Path}, After: map[string]any{"parent_id": newParent, "path": newPath}})
	})
}

// Archive hides an organization from the directory and closes it to
// changes of membership; its records stay. Organizations with active
// organizations below must have those archived (or moved) first.
func (s *Service) Archive(ctx context.Context, actor *auth.User, id int64, archived bool) error {
	if err := s.auth.Require(ctx, actor, id, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.Archived() == archived {
			return nil
		}
		if archived {
			busy, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE parent_id = ? AND archived_at IS NULL", id)
			if err != nil {
				return err
			}
			if busy {
				return errs.New(errs.Conflict, "orgs.archive_children")
			}
			_, err = tx.Exec(ctx, "UPDATE organizations SET archived_at = ?, updated_at = ? WHERE id = ?", tx.Now, tx.Now, id)
			if err != nil {
				return err
			}
		} else {
			if o.ParentID != 0 {
				p, err := getOrg(ctx, tx, o.ParentID)
				if err != nil {
					return err
				}
				if p.Archived() {
					return errs.New(errs.Conflict, "orgs.parent_archived")
				}
			}
			if _, err := tx.Exec(ctx, "UPDATE organizations SET archived_at = NULL, updated_at = ? WHERE id = ?", tx.Now, id); err != nil {
				return err
			}
		}
		action := "orgs.archive"
		if !archived {
			action = "orgs.restore"
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: action, TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: id, Before: snapshot(o)})
	})
}

// Delete removes an organization entered by mistake. One with members
// (past or present), organizations below it, or records of other
// components is refused: archive it instead.
func (s *Service) Delete(ctx context.Context, actor *auth.User, id int64) error {
	if err := s.auth.Require(ctx, actor, id, auth.OrgAdmin); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		busy, err := tx.Exists(ctx, `SELECT 1 FROM organizations WHERE parent_id = ?
			UNION ALL SELECT 1 FROM memberships WHERE org_id = ? OR source_org_id = ?`, id, id, id)
		if err != nil {
			return err
		}
		if busy {
			return errs.New(errs.Conflict, "orgs.delete_busy")
		}
		for _, q := range []string{
			"DELETE FROM org_registrations WHERE org_id = ?",
			"DELETE FROM org_invitations WHERE org_id = ? OR source_org_id = ?",
			"DELETE FROM org_join_requests WHERE org_id = ?",
			"DELETE FROM member_organizations WHERE org_id = ? OR source_org_id = ?",
			"DELETE FROM role_grants WHERE org_id = ?",
			"DELETE FROM organizations WHERE id = ?",
		} {
			args := []any{id}
			if strings.Count(q, "?") == 2 {
				args = append(args, id)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.delete", TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: o.ParentID, Before: snapshot(o)})
	})
	if db.IsForeignKey(err) {
		return errs.New(errs.Conflict, "orgs.delete_busy")
	}
	return err
}

// ---- the directory ----

// Filter selects organizations for the directory.
type Filter struct {
	Q        string // name search, any script or spelling
	Kind     string
	Region   string // a region or a district code
	Parent   int64
	Roots    bool // only top-level organizations
	Archived bool // the archived ones instead of the active ones
	Cursor   string
	Limit    int
	// Lang orders the list in that language's alphabet: English readers
	// get English order (sort_en); everyone else the Kazakh order of the
	// folded names (sort_key), in which Cyrillic and Latin names meet.
	Lang i18n.Lang
}

// sortCol is the column the directory is ordered by for l.
func sortCol(l i18n.Lang) string {
	if l == i18n.EN {
		return "sort_en"
	}
	return "sort_key"
}

// List returns one page of the directory, ordered by name, and the cursor
// of the next page ("" on the last).
func (s *Service) List(ctx context.Context, f Filter) ([]*Org, string, error) {
	var fs errs.Fields
	if f.Kind != "" && !has(Kinds, f.Kind) {
		fs.Add("kind", "validation.invalid_choice")
	}
	var district bool
	if f.Region != "" {
		r, ok := s.regions.Get(f.Region)
		if !ok {
			fs.Add("region", "validation.invalid_choice")
		}
		district = ok && r.Parent != "KZ"
	}
	var ck string
	var cid int64
	if f.Cursor != "" {
		if err := api.DecodeCursor(f.Cursor, &ck, &cid); err != nil {
			fs.Add("cursor", api.KeyInvalidCursor)
		}
	}
	if err := fs.Err(); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var where []string
	var args []any
	if f.Archived {
		where = append(where, "o.archived_at IS NOT NULL")
	} else {
		where = append(where, "o.archived_at IS NULL")
	}
	if f.Kind != "" {
		where, args = append(where, "o.kind = ?"), append(args, f.Kind)
	}
	if f.Region != "" {
		if district {
			where, args = append(where, "o.district = ?"), append(args, f.Region)
		} else {
			where, args = append(where, "o.region = ?"), append(args, f.Region)
		}
	}
	if f.Parent != 0 {
		where, args = append(where, "o.parent_id = ?"), append(args, f.Parent)
	} else if f.Roots {
		where = append(where, "o.parent_id IS NULL")
	}
	if strings.TrimSpace(f.Q) != "" {
		// The search component's matches (names, descriptions, purposes;
		// any script, spelling or inflection); the directory's own rules,
		// filters and order apply to them.
		if s.search == nil {
			return nil, "", errors.New("orgs: list: a text filter without the search component")
		}
		ids, ok, err := s.search.Match(ctx, "organization", f.Q)
		if err != nil {
			return nil, "", err
		}
		if ok {
			if len(ids) >= denseLimit {
				// Many matches: most likely a page of them is found by
				// walking the directory in order, a few windows at most.
				in := make(map[int64]bool, len(ids))
				for _, id := range ids {
					in[id] = true
				}
				out, done, err := s.walk(ctx, sortCol(f.Lang), where, args, f.Cursor != "", ck, cid, in, f.Limit+1)
				if err != nil {
					return nil, "", err
				}
				if done {
					return page(out, f.Limit)
				}
				// They lie further on: let the database sort the matches.
			}
			c, a := search.IDsIn(s.db.Dialect, "o.id", ids)
			where, args = append(where, c), append(args, a...)
		}
	}
	col := sortCol(f.Lang)
	if f.Cursor != "" {
		where, args = append(where, "(o."+col+" > ? OR (o."+col+" = ? AND o.id > ?))"), append(args, ck, ck, cid)
	}
	out, err := s.listPage(ctx, col, where, args, f.Limit+1, nil)
	if err != nil {
		return nil, "", err
	}
	return page(out, f.Limit)
}

// page cuts a list read with one row more than limit to limit, and gives
// the cursor of the next page ("" on the last).
func page(out []*Org, limit int) ([]*Org, string, error) {
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = api.EncodeCursor(last.SortKey, last.ID)
	}
	return out, next, nil
}

// listPage reads up to limit organizations matching where, in directory
// order; with keys set, it also reads each one's search key into it.
func (s *Service) listPage(ctx context.Context, col string, where []string, args []any, limit int, keys *[]string) ([]*Org, error) {
	cols := orgCols
	if col != "sort_key" {
		// The order's key is the one the page's cursor carries.
		cols = strings.TrimSuffix(cols, "o.sort_key") + "COALESCE(o." + col + ", '')"
	}
	if keys != nil {
		cols += ", COALESCE(o.search_key, '')"
	}
	rows, err := s.db.Query(ctx, "SELECT "+cols+" FROM organizations o WHERE "+strings.Join(where, " AND ")+
		" ORDER BY o."+col+", o.id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("orgs: list: %w", err)
	}
	defer rows.Close()
	var out []*Org
	for rows.Next() {
		var sc scanner = rows
		var key string
		if keys != nil {
			sc = withExtra{rows, &key}
		}
		o, err := scanOrg(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
		if keys != nil {
			*keys = append(*keys, key)
		}
	}
	return out, rows.Err()
}

// withExtra scans one more column after the ones asked for.
type withExtra struct {
	sc    scanner
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra)...) }

// walkWindow is how many organizations walk reads at a time, and
// walkWindows how many times at most (variables for tests).
var walkWindow, walkWindows = 250, 2

// walk looks for limit organizations matching where that are among in
// (the text filter's matches), by walking the directory in order (the
// (…, sort_key, id) indexes) a window at a time, for a few windows at
// most. done is false when it gave up before finding them all. It serves
// filters so common (denseLimit matches or more) that sorting every match
// costs more than reading a few hundred names in order.
func (s *Service) walk(ctx context.Context, col string, where []string, args []any, after bool, ck string, cid int64, in map[int64]bool, limit int) (out []*Org, done bool, err error) {
	for range walkWindows {
		w, a := where, args
		if after {
			w = append(w[:len(w):len(w)], "(o."+col+" > ? OR (o."+col+" = ? AND o.id > ?))")
			a = append(a[:len(a):len(a)], ck, ck, cid)
		}
		page, err := s.listPage(ctx, col, w, a, walkWindow, nil)
		if err != nil {
			return nil, false, err
		}
		for _, o := range page {
			if in[o.ID] {
				out = append(out, o)
				if len(out) == limit {
					return out, true, nil
				}
			}
		}
		if len(page) < walkWindow {
			return out, true, nil
		}
		last := page[len(page)-1]
		after, ck, cid = true, last.SortKey, last.ID
	}
	return nil, false, nil
}

// denseLimit is how many matches make a text filter "dense": the
// directory is then walked in order first (walk); a variable for tests.
var denseLimit = 500

// Named is an organization's id and names (for links and breadcrumbs).
type Named struct {
	ID    int64
	Kind  string
	Name  i18n.Text
	Count int
	Below bool // has active organizations below it (set by TreeBelow)
}

// Ancestors returns the organizations above o, top first.
func (s *Service) Ancestors(ctx context.Context, o *Org) ([]Named, error) {
	ids := pathIDs(o.Path)
	if len(ids) <= 1 {
		return nil, nil
	}
	ids = ids[:len(ids)-1]
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, "SELECT id, kind, name_kk, name_ru, name_en FROM organizations WHERE id IN ("+db.Placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("orgs: ancestors: %w", err)
	}
	defer rows.Close()
	by := map[int64]Named{}
	for rows.Next() {
		var n Named
		if err := rows.Scan(&n.ID, &n.Kind, &n.Name.KK, &n.Name.RU, &n.Name.EN); err != nil {
			return nil, err
		}
		by[n.ID] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Named, 0, len(ids))
	for _, id := range ids {
		if n, ok := by[id]; ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// Children returns the active organizations directly below id, councils
// and working groups apart, each at most limit.
func (s *Service) Children(ctx context.Context, id int64, limit int) (children, groups []Named, more bool, err error) {
	return s.ChildrenIn(ctx, id, limit, i18n.KK)
}

// ChildrenIn is Children in the alphabetical order of language l.
func (s *Service) ChildrenIn(ctx context.Context, id int64, limit int, l i18n.Lang) (children, groups []Named, more bool, err error) {
	rows, err := s.db.Query(ctx, `SELECT id, kind, name_kk, name_ru, name_en, subtree_member_count FROM organizations
		WHERE parent_id = ? AND archived_at IS NULL ORDER BY `+sortCol(l)+`, id LIMIT ?`, id, 2*limit+1)
	if err != nil {
		return nil, nil, false, fmt.Errorf("orgs: children: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var c Named
		if err := rows.Scan(&c.ID, &c.Kind, &c.Name.KK, &c.Name.RU, &c.Name.EN, &c.Count); err != nil {
			return nil, nil, false, err
		}
		n++
		if has(GroupKinds, c.Kind) {
			if len(groups) < limit {
				groups = append(groups, c)
			}
		} else if len(children) < limit {
			children = append(children, c)
		} else {
			more = true
		}
	}
	return children, groups, more || n > 2*limit, rows.Err()
}

// TreeBelow returns, for each of parents, its first limit active
// organizations by name, whether it has more, and, on each of those, whether
// it has active organizations below it. Two queries whatever the number of
// parents: one per-parent LIMIT subquery each (every one a short walk of
// the (parent_id, sort_key, id) index) joined by UNION ALL, and one EXISTS
// probe per child.
func (s *Service) TreeBelow(ctx context.Context, parents []int64, limit int) (map[int64][]Named, map[int64]bool, error) {
	return s.TreeBelowIn(ctx, parents, limit, i18n.KK)
}

// TreeBelowIn is TreeBelow in the alphabetical order of language l.
func (s *Service) TreeBelowIn(ctx context.Context, parents []int64, limit int, l i18n.Lang) (map[int64][]Named, map[int64]bool, error) {
	col := sortCol(l)
	below, more := map[int64][]Named{}, map[int64]bool{}
	if len(parents) == 0 {
		return below, more, nil
	}
	if len(parents) > 200 {
		parents = parents[:200]
	}
	parts := make([]string, len(parents))
	args := make([]any, 0, 2*len(parents))
	for i, p := range parents {
		parts[i] = fmt.Sprintf(`SELECT * FROM (SELECT id, parent_id, kind, name_kk, name_ru, name_en, subtree_member_count, COALESCE(%[2]s, '')
			FROM organizations WHERE parent_id = ? AND archived_at IS NULL ORDER BY %[2]s, id LIMIT ?) t%[1]d`, i, col)
		args = append(args, p, limit+1)
	}
	rows, err := s.db.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("orgs: tree: %w", err)
	}
	type keyed struct {
		n   Named
		key string
	}
	got := map[int64][]keyed{}
	for rows.Next() {
		var k keyed
		var parent int64
		if err := rows.Scan(&k.n.ID, &parent, &k.n.Kind, &k.n.Name.KK, &k.n.Name.RU, &k.n.Name.EN, &k.n.Count, &k.key); err != nil {
			rows.Close()
			return nil, nil, err
		}
		got[parent] = append(got[parent], k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var childIDs []any
	for p, list := range got {
		// UNION ALL keeps no order: sort each parent's children again.
		slices.SortFunc(list, func(a, b keyed) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			return cmp.Compare(a.n.ID, b.n.ID)
		})
		if len(list) > limit {
			list, more[p] = list[:limit], true
		}
		out := make([]Named, len(list))
		for i, k := range list {
			out[i] = k.n
			childIDs = append(childIDs, k.n.ID)
		}
		below[p] = out
	}
	if len(childIDs) == 0 {
		return below, more, nil
	}
	has := map[int64]bool{}
	rows, err = s.db.Query(ctx, `SELECT o.id FROM organizations o WHERE o.id IN (`+db.Placeholders(len(childIDs))+`)
		AND EXISTS (SELECT 1 FROM organizations c WHERE c.parent_id = o.id AND c.archived_at IS NULL)`, childIDs...)
	if err != nil {
		return nil, nil, fmt.Errorf("orgs: tree: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, nil, err
		}
		has[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for p, list := range below {
		for i := range list {
			list[i].Below = has[list[i].ID]
		}
		below[p] = list
	}
	return below, more, nil
}

// RegReport counts the active organizations below one (not itself) by the
// status of their latest registration; associations without any record
// count as "none".
type RegReport struct {
	Registered, ReRegistered, Suspended, Liquidated, None, Total int
}

// Registered is how many hold a valid registration (first or renewed).
func (r RegReport) Valid() int { return r.Registered + r.ReRegistered }

// RegistrationReport makes the report for the subtree of o.
func (s *Service) RegistrationReport(ctx context.Context, o *Org) (RegReport, error) {
	var r RegReport
	lo, hi := subtreeRange(o.Path)
	pc := pathCol(s.db.Dialect, "path")
	rows, err := s.db.Query(ctx, `SELECT COALESCE(reg_status, ''), COUNT(*) FROM organizations
		WHERE `+pc+` > ? AND `+pc+` < ? AND archived_at IS NULL
		AND (reg_status IS NOT NULL OR kind = 'ethnocultural_association') GROUP BY reg_status`, lo, hi)
	if err != nil {
		return r, fmt.Errorf("orgs: report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return r, err
		}
		switch st {
		case "registered":
			r.Registered = n
		case "re_registered":
			r.ReRegistered = n
		case "suspended":
			r.Suspended = n
		case "liquidated":
			r.Liquidated = n
		default:
			r.None = n
		}
		r.Total += n
	}
	return r, rows.Err()
}

// Activity is one recent administrative action about an organization.
type Activity struct {
	At     db.Time
	Action string
	Actor  string
}

// Recent returns the latest actions recorded for the organization.
func (s *Service) Recent(ctx context.Context, orgID int64, limit int) ([]Activity, error) {
	rows, err := s.db.Query(ctx, `SELECT a.at, a.action, COALESCE(u.name, a.actor_label) FROM audit_log a
		LEFT JOIN users u ON u.id = a.actor_id WHERE a.org_id = ? ORDER BY a.id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("orgs: activity: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		if err := rows.Scan(&a.At, &a.Action, &a.Actor); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- member organizations ----

// Source is an organization members come from, with how many current
// members it gives.
type Source struct {
	Named
}

// AddSource lists sourceID among the organizations orgID's members come
// from (a university, a palace of culture, a company).
func (s *Service) AddSource(ctx context.Context, actor *auth.User, orgID, sourceID int64) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getOrg(ctx, tx, orgID); err != nil {
			return err
		}
		var fs errs.Fields
		if sourceID == orgID {
			fs.Add("source_id", "orgs.source_self")
			return fs.Err()
		}
		if ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ?", sourceID); err != nil {
			return err
		} else if !ok {
			fs.Add("source_id", "validation.invalid_choice")
			return fs.Err()
		}
		res, err := tx.Exec(ctx, `INSERT INTO member_organizations (org_id, source_org_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (org_id, source_org_id) DO NOTHING`, orgID, sourceID, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.source.add", TargetType: "organization",
			TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID, After: map[string]any{"source_org_id": sourceID}})
	})
}

// RemoveSource takes sourceID off the list of organizations orgID's
// members come from. Memberships that name it (current or past) keep the
// record of where the member came from, so removing is refused while there
// are any, unless detach is set: then those memberships no longer name it
// (the memberships themselves, and the counts, do not change).
func (s *Service) RemoveSource(ctx context.Context, actor *auth.User, orgID, sourceID int64, detach bool) error {
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getOrg(ctx, tx, orgID); err != nil {
			return err
		}
		listed, err := tx.Exists(ctx, "SELECT 1 FROM member_organizations WHERE org_id = ? AND source_org_id = ?", orgID, sourceID)
		if err != nil {
			return err
		}
		if !listed {
			return errs.New(errs.NotFound, "error.404.text")
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND source_org_id = ?", orgID, sourceID).Scan(&n); err != nil {
			return fmt.Errorf("orgs: remove source: %w", err)
		}
		var fs errs.Fields
		if n > 0 && !detach {
			fs.Add("member_organization", "orgs.sources.in_use", "count", n)
			return fs.Err()
		}
		if n > 0 {
			if _, err := tx.Exec(ctx, "UPDATE memberships SET source_org_id = NULL, updated_at = ? WHERE org_id = ? AND source_org_id = ?",
				tx.Now, orgID, sourceID); err != nil {
				return fmt.Errorf("orgs: remove source: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM member_organizations WHERE org_id = ? AND source_org_id = ?", orgID, sourceID); err != nil {
			if db.IsForeignKey(err) {
				// A member was added from it since the count above
				// (migration 0013 makes the two exclusive).
				fs.Add("member_organization", "orgs.sources.in_use", "count", n+1)
				return fs.Err()
			}
			return fmt.Errorf("orgs: remove source: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.source.remove", TargetType: "organization",
			TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID,
			Before: map[string]any{"source_org_id": sourceID}, After: map[string]any{"memberships_detached": n}})
	})
}

// Sources lists the organizations orgID's members come from, with counts.
func (s *Service) Sources(ctx context.Context, orgID int64) ([]Named, error) {
	rows, err := s.db.Query(ctx, `SELECT o.id, o.kind, o.name_kk, o.name_ru, o.name_en,
		(SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = mo.org_id AND m.source_org_id = mo.source_org_id AND `+currentSQL+` AND `+eligibleSQL+`)
		FROM member_organizations mo JOIN organizations o ON o.id = mo.source_org_id
		WHERE mo.org_id = ? ORDER BY o.sort_key, o.id`, today(s.db.Now()), auth.AdultCutoff(s.db.Now()), orgID)
	if err != nil {
		return nil, fmt.Errorf("orgs: sources: %w", err)
	}
	defer rows.Close()
	var out []Named
	for rows.Next() {
		var n Named
		if err := rows.Scan(&n.ID, &n.Kind, &n.Name.KK, &n.Name.RU, &n.Name.EN, &n.Count); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
