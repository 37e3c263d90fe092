// Package demo loads demonstration data: accounts for each role and a
// small organization tree, all invented. It is idempotent: a second load
// changes nothing. Later components add their demo data here.
package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
)

// Account is a demo sign-in; the passwords are public (README).
type Account struct {
	Email, Password, Name, Role, BirthDate, Region string
}

// Accounts are the demo accounts: the core's, one per role, then the
// components' (Load creates them all before the loaders run).
var Accounts = slices.Concat(coreAccounts, orgsAccounts)

var coreAccounts = []Account{
	{"admin@demo.ortaq.kz", "demo-admin-2026", "Айгерім Сәрсенова", "platform admin", "1988-04-12", "KZ-71"},
	{"orgadmin@demo.ortaq.kz", "demo-orgadmin-2026", "Данияр Жұмабеков", "organization admin (Jastar Rukhy and below)", "1992-09-03", "KZ-27"},
	{"moderator@demo.ortaq.kz", "demo-moder-2026", "Ольга Ким", "moderator (West Kazakhstan branch)", "1995-01-20", "KZ-27"},
	{"member@demo.ortaq.kz", "demo-member-2026", "Ерлан Тоқтаров", "member (Oral primary organization)", "2001-06-30", "KZ-27"},
	{"young@demo.ortaq.kz", "demo-young-2026", "Әлия Нұрланқызы", "16 years old, waiting for guardian consent", "", "KZ-79"},
}

// loader adds one component's demo data (demo_COMPONENT.go in this
// package). people maps each demo account's email to its user id.
type loader struct {
	name string
	load func(ctx context.Context, a *app.App, people map[string]int64) error
}

// loaders add the components' demo data after the core's, in this order: a
// loader may look up what an earlier one made (orgNamed), and a lookup that
// misses fails the load. A new component adds its loader here. They are
// idempotent only through the single demo_loaded flag: all run once, in one
// Load.
var loaders = []loader{
	{"orgs", loadOrgs},
	{"programmes", loadProgrammes},
	{"meetings", loadMeetings},
	{"calls", loadCalls},
	{"awards", loadAwards},
	{"courses", loadCourses},
	{"competitions", loadCompetitions},
	{"reports", loadReports},
	{"mentorship", loadMentorship},
}

// orgNamed is the id of the one organization with this English name, under
// the one named parentEN when that is not empty. It fails when there is
// none or more than one: a renamed organization stops the load instead of
// the data landing on another one.
func orgNamed(ctx context.Context, d *db.DB, nameEN, parentEN string) (int64, error) {
	q, args := "SELECT id FROM organizations WHERE name_en = ?", []any{nameEN}
	if parentEN != "" {
		q = `SELECT o.id FROM organizations o JOIN organizations p ON p.id = o.parent_id
			WHERE o.name_en = ? AND p.name_en = ?`
		args = append(args, parentEN)
	}
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, fmt.Errorf("organization %q (under %q): %d found, want exactly one", nameEN, parentEN, len(ids))
	}
	return ids[0], nil
}

// Load loads the demo data unless it is there already; it reports whether
// it loaded anything.
func Load(ctx context.Context, a *app.App) (bool, error) {
	var done bool
	if err := a.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'demo_loaded')").Scan(&done); err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if done {
		return false, nil
	}
	ids := map[string]int64{}
	now := a.DB.Now()
	for _, acc := range Accounts {
		birth := acc.BirthDate
		if birth == "" { // a 16-year-old whenever the demo is loaded
			birth = now.AddDate(-16, -2, 0).Format("2006-01-02")
		}
		u, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: acc.Name, Email: acc.Email, Password: acc.Password,
			BirthDate: birth, Region: acc.Region, Admin: acc.Role == "platform admin"})
		if err != nil {
			return false, fmt.Errorf("demo: account %s: %w", acc.Email, err)
		}
		ids[acc.Email] = u.ID
	}
	err := a.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET guardian_name = ?, guardian_email = ? WHERE id = ?",
			"Нұрлан Әбдірахманов", "guardian@demo.ortaq.kz", ids["young@demo.ortaq.kz"]); err != nil {
			return err
		}
		org := func(parent int64, parentPath, kind, kk, ru, en, region string) (int64, string, error) {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, name_ru, name_en, region, created_at, updated_at)
				VALUES (?, '', ?, ?, ?, ?, ?, ?, ?) RETURNING id`, db.NullID(parent), kind, kk, ru, en, region, tx.Now, tx.Now).Scan(&id); err != nil {
				return 0, "", err
			}
			path := fmt.Sprintf("%s%d/", parentPath, id)
			_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", path, id)
			return id, path, err
		}
		root, rootPath, err := org(0, "/", "youth_wing", "«Жастар Рухы» жастар қанаты", "Молодёжное крыло «Жастар Рухы»", "Jastar Rukhy youth wing", "KZ-71")
		if err != nil {
			return err
		}
		branch, branchPath, err := org(root, rootPath, "party_branch", "Батыс Қазақстан облыстық филиалы", "Западно-Казахстанский областной филиал", "West Kazakhstan regional branch", "KZ-27")
		if err != nil {
			return err
		}
		primary, _, err := org(branch, branchPath, "primary_organization", "Орал қаласының бастауыш ұйымы", "Первичная организация города Уральска", "Oral city primary organization", "KZ-27")
		if err != nil {
			return err
		}
		for _, g := range []struct {
			email string
			org   int64
			role  string
		}{{"orgadmin@demo.ortaq.kz", root, "admin"}, {"moderator@demo.ortaq.kz", branch, "moderator"}} {
			if _, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, granted_by, created_at) VALUES (?, ?, ?, ?, ?)",
				ids[g.email], g.org, g.role, ids["admin@demo.ortaq.kz"], tx.Now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2023-02-01', ?)",
			primary, ids["member@demo.ortaq.kz"], tx.Now); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	for _, l := range loaders {
		if err := l.load(ctx, a, ids); err != nil {
			return false, fmt.Errorf("demo: %s: %w", l.name, err)
		}
	}
	// Marked loaded only when every part is in: an interrupted load is
	// noticed (the accounts exist) rather than silently half-done.
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('demo_loaded', ?)", tx.Now.Format("2006-01-02T15:04:05Z"))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return true, nil
}
