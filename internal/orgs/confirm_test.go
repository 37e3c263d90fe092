package orgs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Archiving and deleting an organization go through a page that says what
// will happen; only the organization's administrators reach it, and
// nothing changes until it is confirmed.
func TestArchiveAndDeleteAreConfirmed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		o := f.mustCreate(t, 0, "council", "Ақсақалдар кеңесі", "Совет аксакалов")
		other := f.env.NewPerson()
		oc := f.env.Client()
		oc.SignIn(other)
		c := f.env.Client()
		c.SignIn(f.admin)
		path := fmt.Sprintf("/ru/organizations/%d", o.ID)
		archived := func() bool {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM organizations WHERE id = ? AND archived_at IS NOT NULL", o.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 1
		}
		if r := oc.PostForm(path+"/archive", nil); r.StatusCode != 403 {
			t.Fatalf("a stranger reached the archive page: %d", r.StatusCode)
		}
		r := c.PostForm(path+"/archive", nil)
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Перенести организацию «Совет аксакалов» в архив?") ||
			!strings.Contains(r.Body, "можно восстановить") || archived() {
			t.Fatalf("archive page: %d, archived %v", r.StatusCode, archived())
		}
		if r := c.PostForm(path+"/archive", url.Values{"confirmed": {"1"}}); r.StatusCode != 303 || !archived() {
			t.Fatalf("confirmed archive: %d, archived %v", r.StatusCode, archived())
		}
		// Restoring is not irreversible: no confirmation.
		if r := c.PostForm(path+"/restore", nil); r.StatusCode != 303 || archived() {
			t.Fatalf("restore: %d", r.StatusCode)
		}
		r = c.PostForm(path+"/delete", nil)
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Удалить организацию") || !strings.Contains(r.Body, "Отменить это потом будет нельзя") ||
			!strings.Contains(r.Body, `class="danger"`) {
			t.Fatalf("delete page: %d", r.StatusCode)
		}
		if r := f.env.Client().Get(path); r.StatusCode != 200 {
			t.Fatalf("deleted without a confirmation: %d", r.StatusCode)
		}
		if r := c.PostForm(path+"/delete", url.Values{"confirmed": {"1"}}); r.StatusCode != 303 {
			t.Fatalf("confirmed delete: %d", r.StatusCode)
		}
		if r := f.env.Client().Get(path); r.StatusCode != 404 {
			t.Fatalf("after deleting: %d", r.StatusCode)
		}
	})
}
