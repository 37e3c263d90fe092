package demo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// The hottest pages send a fixed number of statements to the database,
// whatever the number of items they show: a page that queries once per
// comment, member, question or proposal (N+1) is slow on a real database
// long before anyone notices the time. For each kind of page: its count
// for the demo's largest instance, then again after that instance got more
// items, must be the same, and within the page's budget. Page copies are
// off here: the count is that of the work a copy saves.
func TestHotPagesQueryOncePerKind(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
			c.PageCacheTTL, c.AuthCacheTTL = 0, 0
		}})
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		pw := map[string]string{}
		for _, a := range demo.Accounts {
			pw[a.Email] = a.Password
		}
		member := env.Client()
		member.SignIn(apptest.Person{Email: "palace@demo.ortaq.kz", Password: pw["palace@demo.ortaq.kz"]})
		readers := []struct {
			who string
			c   *apptest.Client
		}{{"guest", env.Client()}, {"member", member}}

		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// copies inserts n copies of table's row id (all columns but id).
		copies := func(table string, id int64, n int) {
			t.Helper()
			rows, err := d.Query(ctx, "SELECT * FROM "+table+" WHERE id = ?", id)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := rows.Columns()
			rows.Close()
			if err != nil {
				t.Fatal(err)
			}
			cols = slices.DeleteFunc(cols, func(c string) bool { return c == "id" })
			list := strings.Join(cols, ", ")
			for range n {
				exec("INSERT INTO "+table+" ("+list+") SELECT "+list+" FROM "+table+" WHERE id = ?", id)
			}
		}
		first := func(q string, args ...any) int64 {
			t.Helper()
			var id int64
			if err := d.QueryRow(ctx, q, args...).Scan(&id); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return id
		}

		// Each kind: its largest demo instance, the path, how to give it
		// more items, and the budget.
		kinds := []struct {
			name, largest, path string
			grow                func(id int64)
			budget              int
		}{
			{"organization", `SELECT o.id FROM organizations o JOIN memberships m ON m.org_id = o.id
				GROUP BY o.id ORDER BY COUNT(*) DESC, o.id LIMIT 1`, "/kk/organizations/%d",
				func(id int64) {
					exec(`INSERT INTO memberships (org_id, user_id, role, created_at)
						SELECT ?, u.id, 'member', u.created_at FROM users u
						WHERE u.id NOT IN (SELECT user_id FROM memberships WHERE org_id = ?) ORDER BY u.id LIMIT 5`, id, id)
				}, 16},
			{"programme", `SELECT programme_id FROM proposals WHERE NOT hidden
				GROUP BY programme_id ORDER BY COUNT(*) DESC, programme_id LIMIT 1`, "/kk/programmes/%d",
				func(id int64) {
					copies("proposals", first("SELECT MIN(id) FROM proposals WHERE programme_id = ? AND NOT hidden", id), 5)
				}, 16},
			{"proposals list", `SELECT programme_id FROM proposals WHERE NOT hidden
				GROUP BY programme_id ORDER BY COUNT(*) DESC, programme_id LIMIT 1`, "/kk/programmes/%d/proposals",
				func(id int64) {
					copies("proposals", first("SELECT MIN(id) FROM proposals WHERE programme_id = ? AND NOT hidden", id), 5)
				}, 16},
			{"proposal", `SELECT x.id FROM proposals x JOIN proposal_comments c ON c.proposal_id = x.id
				WHERE NOT x.hidden AND NOT c.hidden GROUP BY x.id ORDER BY COUNT(*) DESC, x.id LIMIT 1`, "/kk/proposals/%d",
				func(id int64) {
					copies("proposal_comments", first("SELECT MIN(id) FROM proposal_comments WHERE proposal_id = ? AND NOT hidden AND parent_id IS NULL", id), 5)
				}, 16},
			{"meeting", `SELECT meeting_id FROM meeting_questions WHERE status = 'open'
				GROUP BY meeting_id ORDER BY COUNT(*) DESC, meeting_id LIMIT 1`, "/kk/meetings/%d",
				func(id int64) {
					copies("meeting_questions", first("SELECT MIN(id) FROM meeting_questions WHERE meeting_id = ? AND status = 'open'", id), 5)
				}, 16},
		}
		for _, k := range kinds {
			id := first(k.largest)
			p := fmt.Sprintf(k.path, id)
			count := func() map[string]int {
				t.Helper()
				n := map[string]int{}
				for _, r := range readers {
					r.c.Get(p) // the first reading after a change may fill a copy or a count once
					resp := r.c.Get(p)
					if resp.StatusCode != 200 {
						t.Fatalf("%s %s: status %d", r.who, p, resp.StatusCode)
					}
					if n[r.who] = resp.Statements(); n[r.who] < 0 {
						t.Fatalf("%s %s: no statement count in Server-Timing %q", r.who, p, resp.Header.Get("Server-Timing"))
					}
				}
				return n
			}
			before := count()
			k.grow(id)
			// Changes made behind the web server's back: tell it, as
			// another node would, so that no copy answers for the page.
			if err := d.Announce(ctx, "pages"); err != nil {
				t.Fatal(err)
			}
			after := count()
			for _, r := range readers {
				if before[r.who] != after[r.who] {
					t.Errorf("%s (%s), %s: %d statements, %d after five more items: a query per item?", k.name, p, r.who, before[r.who], after[r.who])
				}
				if after[r.who] > k.budget {
					t.Errorf("%s, %s: %d statements, budget %d", k.name, r.who, after[r.who], k.budget)
				}
				t.Logf("%s, %s: %d statements", k.name, r.who, after[r.who])
			}
		}
	})
}
