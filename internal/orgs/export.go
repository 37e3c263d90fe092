package orgs

import (
	"context"
	"fmt"
	"io"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/tabular"
)

// Export formats.
const (
	CSV  = tabular.CSV
	XLSX = tabular.XLSX
)

// ContentType returns the MIME type of an export format.
func ContentType(format string) string { return tabular.ContentType(format) }

// CheckFormat validates an export format before anything is written.
func CheckFormat(format string) error { return tabular.CheckFormat(format) }

// table writes an export: CSV with a byte-order mark or a streamed XLSX
// sheet, formulas neutralized (a name may start with "="), numbers as
// numbers.
type table struct{ *tabular.Writer }

func (t table) row(cells ...any) error { return t.Row(cells...) }
func (t table) close() error           { return t.Close() }

func newTable(w io.Writer, format, sheet string) (table, error) {
	tw, err := tabular.NewWriter(w, format, sheet)
	return table{tw}, err
}

// CanExportMembers reports whether actor may export orgID's members (its
// administrators: the file has addresses and birth dates).
func (s *Service) CanExportMembers(ctx context.Context, actor *auth.User, orgID int64) error {
	return s.auth.Require(ctx, actor, orgID, auth.OrgAdmin)
}

// ExportMembers writes orgID's memberships, current and past, in the
// columns of the import file, so that an export can be edited and imported
// again. Minors without consent and deleted accounts are left out.
func (s *Service) ExportMembers(ctx context.Context, actor *auth.User, orgID int64, w io.Writer, format string) error {
	if err := s.CanExportMembers(ctx, actor, orgID); err != nil {
		return err
	}
	t, err := newTable(w, format, "members")
	if err != nil {
		return err
	}
	defer t.Discard()
	if err := t.row("name", "email", "role", "since", "until", "birth_date", "region"); err != nil {
		return err
	}
	// Contact data (email, birth date, region) only of people who are
	// members by their own act or whose account the organization made
	// (contactSQL); the others' rows keep name, role and term.
	rows, err := s.db.Query(ctx, `SELECT u.name, m.role, COALESCE(m.since, ''), COALESCE(m.until, ''),
		CASE WHEN `+contactSQL+` THEN COALESCE(u.email, '') ELSE '' END,
		CASE WHEN `+contactSQL+` THEN COALESCE(u.birth_date, '') ELSE '' END,
		CASE WHEN `+contactSQL+` THEN COALESCE(u.region, '') ELSE '' END
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND `+eligibleSQL+` ORDER BY m.name_key, m.id`, orgID, auth.AdultCutoff(s.db.Now()))
	if err != nil {
		return fmt.Errorf("orgs: export members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c [7]string
		if err := rows.Scan(&c[0], &c[2], &c[3], &c[4], &c[1], &c[5], &c[6]); err != nil {
			return err
		}
		if err := t.row(c[0], c[1], c[2], c[3], c[4], c[5], c[6]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return t.close()
}

// ExportOrgs writes the organizations the filter selects (all pages).
func (s *Service) ExportOrgs(ctx context.Context, actor *auth.User, f Filter, w io.Writer, format string) error {
	if err := s.auth.Require(ctx, actor, 0, auth.SignedIn); err != nil {
		return err
	}
	if err := CheckFormat(format); err != nil {
		return err
	}
	if err := s.EnsureCounts(ctx); err != nil {
		return err
	}
	// Validate the filter before the first byte goes out.
	f.Limit, f.Cursor = 1000, ""
	page, next, err := s.List(ctx, f)
	if err != nil {
		return err
	}
	t, err := newTable(w, format, "organizations")
	if err != nil {
		return err
	}
	defer t.Discard()
	if err := t.row("id", "parent_id", "kind", "name_kk", "name_ru", "name_en", "short_name_kk", "region", "district",
		"registration_status", "member_count", "subtree_member_count"); err != nil {
		return err
	}
	for {
		for _, o := range page {
			var parent any
			if o.ParentID != 0 {
				parent = o.ParentID
			}
			if err := t.row(o.ID, parent, o.Kind, o.Name.KK, o.Name.RU, o.Name.EN, o.Short.KK,
				o.Region, o.District, o.RegStatus, o.MemberCount, o.SubtreeCount); err != nil {
				return err
			}
		}
		if next == "" {
			break
		}
		f.Cursor = next
		if page, next, err = s.List(ctx, f); err != nil {
			return err
		}
	}
	return t.close()
}
