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

// The demo: certificates for every participant of the caravan festival,
// diplomas with places 1-3 for its winners, and a letter of thanks that
// the demo member sees on their page.
func TestDemo(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		var certs, byAccount, diplomas, places int
		if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(recipient_id) FROM awards WHERE kind = 'certificate'`).Scan(&certs, &byAccount); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(place), 0) FROM awards WHERE kind = 'diploma'`).Scan(&diplomas, &places); err != nil {
			t.Fatal(err)
		}
		if certs < 13 || byAccount < 1 || diplomas != 3 || places != 6 {
			t.Errorf("demo: %d certificates (%d to accounts), %d diplomas, places sum %d", certs, byAccount, diplomas, places)
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
