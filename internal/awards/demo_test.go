package awards_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// The demo: certificates for every participant of the calls demo's caravan
// festival, diplomas with places for its winners, and a letter of thanks that
// the demo member sees on their page.
func TestDemo(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		var call int64
		if err := d.QueryRow(ctx, "SELECT id FROM calls WHERE title_en = 'Friendship Caravan festival'").Scan(&call); err != nil {
			t.Fatal(err)
		}
		var applicants, certs, diplomas, placed int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM call_applications WHERE call_id = ?),
			(SELECT COUNT(*) FROM awards WHERE call_id = ? AND kind = 'certificate' AND recipient_id IS NOT NULL),
			(SELECT COUNT(*) FROM awards WHERE call_id = ? AND kind = 'diploma'),
			(SELECT COUNT(*) FROM awards WHERE call_id = ? AND kind = 'diploma' AND place >= 1)`, call, call, call, call).Scan(&applicants, &certs, &diplomas, &placed); err != nil {
			t.Fatal(err)
		}
		if applicants < 4 || certs != applicants || diplomas < 2 || placed != diplomas {
			t.Errorf("caravan: %d applicants, %d certificates, %d diplomas (%d with a place)", applicants, certs, diplomas, placed)
		}
		c := env.Client()
		r := c.PostForm("/kk/signin", map[string][]string{"email": {"member@demo.ortaq.kz"}, "password": {"demo-member-2026"}})
		if r.StatusCode != 303 {
			t.Fatalf("sign in: %d", r.StatusCode)
		}
		if page := c.Get("/kk/awards"); page.StatusCode != 200 || !strings.Contains(page.Body, "Керуен кездесулерін ұйымдастыруға") {
			t.Errorf("the demo member's awards:\n%.2000s", page.Body)
		}
	})
}
