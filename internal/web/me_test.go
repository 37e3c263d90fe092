package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// panel returns the text of the panel with id on a page ("" when absent).
func panel(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	return html.UnescapeString(body[i : i+j])
}

// Each person's home shows what is theirs: a member their organizations
// with their roles; an organizer also the organizations they run and what
// needs them (minutes to approve). Guests are sent to sign in first, and
// sign-in lands there.
func TestMeShowsWhatIsTheirs(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	if _, err := demo.Load(context.Background(), env.App); err != nil {
		t.Fatal(err)
	}
	guest := env.Client()
	r := guest.Get("/en/me")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/en/signin") {
		t.Fatalf("a guest's /me: %d → %s", r.StatusCode, r.Header.Get("Location"))
	}

	member := apptest.Person{Email: "member@demo.ortaq.kz", Password: "demo-member-2026"}
	mc := env.Client()
	r = mc.PostForm("/en/signin", map[string][]string{"email": {member.Email}, "password": {member.Password}})
	if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "/me") {
		t.Fatalf("sign-in leads to %q, want the person's home", loc)
	}
	r = mc.Get("/en/me")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/en/me: %d", r.StatusCode)
	}
	if p := panel(r.Body, "me-orgs"); !strings.Contains(p, "Oral city primary organization") || !strings.Contains(p, "member") {
		t.Errorf("member's organizations: %q", p)
	}
	for _, id := range []string{"me-run", "me-minutes", "me-reports"} {
		if p := panel(r.Body, id); p != "" {
			t.Errorf("a member who runs nothing sees %s: %q", id, p)
		}
	}

	org := env.Client()
	org.SignIn(apptest.Person{Email: "secretariat@demo.ortaq.kz", Password: "demo-secretariat-2026"})
	r = org.Get("/ru/me")
	if p := panel(r.Body, "me-run"); !strings.Contains(p, "Администратор") {
		t.Errorf("organizer's organizations: %q", p)
	}
	// An administrator of the organization that held a meeting whose
	// minutes wait is asked to approve them.
	var org41, meeting int64
	if err := env.App.DB.QueryRow(context.Background(), `SELECT org_id, id FROM meetings
		WHERE ends_at < ? AND minutes_approved_at IS NULL AND cancelled_at IS NULL ORDER BY id LIMIT 1`,
		env.App.DB.Now()).Scan(&org41, &meeting); err != nil {
		t.Fatal(err)
	}
	chair := env.NewPerson()
	env.Grant(chair, org41, "admin")
	cc := env.Client()
	cc.SignIn(chair)
	r = cc.Get("/en/me")
	if p := panel(r.Body, "me-minutes"); !strings.Contains(p, fmt.Sprintf(`href="/en/meetings/%d"`, meeting)) || !strings.Contains(p, "to approve") {
		t.Errorf("minutes to approve: %q", p)
	}
	if p := panel(r.Body, "me-run"); !strings.Contains(p, "Administrator") {
		t.Errorf("the chair's organizations: %q", p)
	}
	// What is someone else's stays theirs.
	if strings.Contains(r.Body, "Oral city") || strings.Contains(r.Body, "Орал қалалық") {
		t.Error("the secretariat's home shows the member's organization")
	}
}
