package orgs_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/orgs"
)

// Counts are right without any write in orgs: when a term's end date
// passes, when an account is deleted, when a minor's guardian consents or
// the consent is found missing (docs/decisions/0011-member-counts.md).
func TestCountsFollowCalendarAndAccounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		parent := f.mustCreate(t, 0, "assembly", "Облыстық ассамблея", "")
		org := f.mustCreate(t, parent.ID, "council", "Жастар кеңесі", "")
		ending, leaving, minor, staying := f.env.NewPerson(), f.env.NewPerson(), f.env.NewPerson(), f.env.NewPerson()
		today := f.env.Clock.Now().In(time.FixedZone("UTC+5", 5*3600)).Format("2006-01-02")
		for _, p := range []apptest.Person{ending, leaving, minor, staying} {
			in := orgs.MemberInput{PersonID: p.User.ID, Role: "member"}
			if p == ending {
				in.Until = today // counts through today
			}
			if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		// What a reader sees: the API's member_count, served by the app's
		// own registry (not the test's).
		c := f.env.Client()
		count := func(id int64) int {
			t.Helper()
			r := c.Get(fmt.Sprintf("/api/v1/organizations/%d", id))
			var o struct {
				MemberCount int `json:"member_count"`
			}
			if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &o) != nil {
				t.Fatalf("organization %d: %d %s", id, r.StatusCode, r.Body)
			}
			return o.MemberCount
		}
		check := func(when string, want int) {
			t.Helper()
			if got := count(org.ID); got != want {
				t.Errorf("%s: count %d, want %d", when, got, want)
			}
			p, err := f.svc.Get(ctx, parent.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.SubtreeCount != want {
				t.Errorf("%s: the parent's subtree count %d, want %d", when, p.SubtreeCount, want)
			}
		}
		check("at first", 4)
		f.env.Clock.Advance(24 * time.Hour)
		check("the day after a term ended", 3)
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// Changes other components make to people, not to memberships.
		exec("UPDATE users SET deleted_at = ? WHERE id = ?", f.env.Clock.Now(), leaving.User.ID)
		check("after an account's deletion", 2)
		// (A minor: the limit ends on the 18th birthday.)
		exec("UPDATE users SET consent_required = TRUE, guardian_consent_at = NULL, birth_date = ? WHERE id = ?",
			f.env.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02"), minor.User.ID)
		check("a minor without consent", 1)
		exec("UPDATE users SET guardian_consent_at = ? WHERE id = ?", f.env.Clock.Now(), minor.User.ID)
		check("after the guardian's consent", 2)
		// A membership written by other code.
		other := f.env.NewPerson()
		f.env.Grant(other, org.ID, "member")
		check("a membership written elsewhere", 3)
	})
}

// A member organization cannot be taken off the list while a membership
// names it, nor a membership name one that is not listed: the schema says
// so (migration 0013), so a member added from it at the moment it is
// removed cannot leave a membership naming an unlisted organization.
func TestMemberOrganizationRemovedWhileMemberAdded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Университет бастауыш ұйымы", "")
		src := f.mustCreate(t, 0, "university", "Әл-Фараби атындағы университет", "")
		other := f.mustCreate(t, 0, "company", "Серіктестік", "")
		p := f.env.NewPerson()
		exec := func(q string, args ...any) error {
			return d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err })
		}
		// The rule itself, below the service's checks.
		if err := exec(`INSERT INTO memberships (org_id, user_id, role, source_org_id, created_at) VALUES (?, ?, 'member', ?, ?)`,
			org.ID, p.User.ID, other.ID, f.env.Clock.Now()); err == nil {
			t.Fatal("a membership named an organization that is not listed")
		}
		if err := f.svc.AddSource(ctx, f.admin.User, org.ID, src.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: p.User.ID, Role: "member", SourceID: src.ID}); err != nil {
			t.Fatal(err)
		}
		if err := exec("DELETE FROM member_organizations WHERE org_id = ? AND source_org_id = ?", org.ID, src.ID); err == nil {
			t.Fatal("a member organization named by a membership was taken off")
		}
		if err := f.svc.RemoveSource(ctx, f.admin.User, org.ID, src.ID, true); err != nil {
			t.Fatal(err)
		}
		// Both at once, many times: one may win, or both fail politely;
		// never a membership that names an unlisted organization.
		for i := 0; i < 15; i++ {
			if err := f.svc.AddSource(ctx, f.admin.User, org.ID, src.ID); err != nil {
				t.Fatal(err)
			}
			q := f.env.NewPerson()
			var wg sync.WaitGroup
			var addErr, removeErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, addErr = f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: q.User.ID, Role: "member", SourceID: src.ID})
			}()
			go func() {
				defer wg.Done()
				removeErr = f.svc.RemoveSource(ctx, f.admin.User, org.ID, src.ID, false)
			}()
			wg.Wait()
			for _, err := range []error{addErr, removeErr} {
				if err != nil && errs.CodeOf(err) != errs.Invalid {
					t.Fatalf("round %d: %v", i, err)
				}
			}
			var orphans int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM memberships m WHERE m.source_org_id IS NOT NULL AND NOT EXISTS
				(SELECT 1 FROM member_organizations mo WHERE mo.org_id = m.org_id AND mo.source_org_id = m.source_org_id)`).Scan(&orphans); err != nil {
				t.Fatal(err)
			}
			if orphans != 0 {
				t.Fatalf("round %d: %d memberships name an unlisted organization", i, orphans)
			}
			if removeErr != nil || addErr == nil {
				// Tidy up for the next round.
				if err := f.svc.RemoveSource(ctx, f.admin.User, org.ID, src.ID, true); err != nil && errs.CodeOf(err) != errs.NotFound {
					t.Fatal(err)
				}
			}
		}
	})
}
