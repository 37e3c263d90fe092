package orgs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// backfills runs the data updates of migrations 0006 and 0014 again, as
// they run on an installation that has members from before them.
func backfills(t *testing.T, d *db.DB) {
	t.Helper()
	ms, err := db.Migrations(d.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Write(ctx, func(tx *db.Tx) error {
		for _, m := range ms {
			if m.Version != 6 && m.Version != 14 {
				continue
			}
			for _, stmt := range strings.Split(m.SQL, ";\n") {
				var lines []string
				for _, l := range strings.Split(stmt, "\n") {
					if !strings.HasPrefix(strings.TrimSpace(l), "--") {
						lines = append(lines, l)
					}
				}
				if q := strings.TrimSpace(strings.Join(lines, "\n")); strings.HasPrefix(q, "UPDATE") {
					if _, err := tx.Exec(ctx, q); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Existing memberships: those of accounts an organization's import made
// (account and membership written in one transaction) become imports of
// that organization; every other one is legacy (no agreement recorded).
func TestMigrationClassifiesExistingMemberships(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Ескі ұйым", "")
		other := f.mustCreate(t, 0, "council", "Басқа кеңес", "")
		added := f.env.NewPerson()
		if _, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte("name,email,role\nЕскі Мүше,old@example.kz,member\n")); err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Advance(time.Minute)
		f.env.Grant(added, org.ID, "member")
		if _, err := f.svc.ImportMembers(ctx, f.admin.User, other.ID, []byte("name,email,role\nЕскі Мүше,old@example.kz,chair\n")); err != nil {
			t.Fatal(err)
		}
		// As before migrations 0006 and 0014.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE users SET created_by_org = NULL"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE memberships SET source = 'legacy'")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		backfills(t, d)
		var createdBy int64
		if err := d.QueryRow(ctx, "SELECT COALESCE(created_by_org, 0) FROM users WHERE email = 'old@example.kz'").Scan(&createdBy); err != nil || createdBy != org.ID {
			t.Fatalf("the imported account's maker: %d %v", createdBy, err)
		}
		if err := d.QueryRow(ctx, "SELECT COALESCE(created_by_org, 0) FROM users WHERE id = ?", added.User.ID).Scan(&createdBy); err != nil || createdBy != 0 {
			t.Fatalf("an account that signed up: maker %d %v", createdBy, err)
		}
		sources := map[string]string{}
		rows, err := d.Query(ctx, `SELECT o.name_kk || ':' || u.name, m.source FROM memberships m JOIN users u ON u.id = m.user_id
			JOIN organizations o ON o.id = m.org_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			sources[k] = v
		}
		want := map[string]string{"Ескі ұйым:Ескі Мүше": "import", "Ескі ұйым:" + added.User.Name: "legacy", "Басқа кеңес:Ескі Мүше": "legacy"}
		for k, v := range want {
			if sources[k] != v {
				t.Errorf("%s: source %q, want %q (all: %v)", k, sources[k], v, sources)
			}
		}
	})
}
