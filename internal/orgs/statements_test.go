package orgs_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/orgs"
)

// A page of the member list through the API costs a fixed number of
// statements whatever its length, and no transaction: on PostgreSQL every
// statement (BEGIN and COMMIT too) is a round trip to a server on the same
// cores (docs/benchmarks.md, "PostgreSQL at 32 clients"). An organization
// that does not exist is still a 404 to everyone, and an existing one with
// nobody to list is an empty page.
func TestMemberListStatements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "council", "Жастар кеңесі", "")
		member := f.env.NewPerson()
		add := func(n int) {
			t.Helper()
			for range n {
				if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: f.env.NewPerson().User.ID, Role: "member"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := f.svc.AddMember(ctx, f.admin.User, org.ID, orgs.MemberInput{PersonID: member.User.ID, Role: "member"}); err != nil {
			t.Fatal(err)
		}
		add(2)
		adminTok, err := f.env.App.Auth.CreateToken(ctx, f.admin.User, "script", f.admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		memberTok, err := f.env.App.Auth.CreateToken(ctx, member.User, "script", member.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.env.Client()
		list := func(who, tok, path string, wantItems int) int {
			t.Helper()
			c.JSON("GET", path, tok, "") // the first use of a token may be looked up and kept
			r := c.JSON("GET", path, tok, "")
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &page) != nil || page.Items == nil || len(page.Items) != wantItems {
				t.Fatalf("%s %s: %d %s, want %d items", who, path, r.StatusCode, r.Body, wantItems)
			}
			return r.Statements()
		}
		path := fmt.Sprintf("/api/v1/organizations/%d/members", org.ID)
		// A platform administrator needs no role lookup: the rows only.
		// A member: the role, then the rows.
		want := map[string]int{"admin": 1, "member": 2}
		for _, n := range []int{3, 8} {
			if n == 8 {
				add(5)
			}
			for who, tok := range map[string]string{"admin": adminTok, "member": memberTok} {
				if got := list(who, tok, path, n); got != want[who] {
					t.Errorf("%s, %d members: %d statements, want %d", who, n, got, want[who])
				}
			}
		}
		// Nobody in the history yet: an empty page, not a 404.
		list("admin", adminTok, path+"?history=true", 0)
		// No such organization: 404, whoever asks.
		for who, tok := range map[string]string{"admin": adminTok, "member": memberTok, "guest": ""} {
			if r := c.JSON("GET", "/api/v1/organizations/987654/members", tok, ""); r.StatusCode != 404 {
				t.Errorf("%s, no such organization: %d %s", who, r.StatusCode, r.Body)
			}
		}
		// An organization the member does not belong to: 403.
		other := f.mustCreate(t, 0, "council", "Аналар кеңесі", "")
		if r := c.JSON("GET", fmt.Sprintf("/api/v1/organizations/%d/members", other.ID), memberTok, ""); r.StatusCode != 403 {
			t.Errorf("member of another organization: %d %s", r.StatusCode, r.Body)
		}
	})
}

// Signed-in pages of an organization send no statement while their shared
// parts are kept (web.Server.Fragment) but the reader's own (the member
// list's right to read, checked in the service), administrators' pages
// included:
// the member list's administrator part (requests to join, invitations,
// minors waiting) is the same for each of them, and the organization's
// page asks about the reader only when it takes members or has requests
// open. On PostgreSQL each statement is a round trip to a server on the
// same cores (docs/benchmarks.md, "PostgreSQL regressions of issue 14").
// What the kept parts show changes with the change that changes it.
func TestSignedInOrgPagesKeptWithoutStatements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		// A lifetime long enough that no copy expires during the test.
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
		a := env.App
		f := &fixture{env: env, svc: orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}),
			admin: env.NewPerson("admin")}
		org := f.mustCreate(t, 0, "ngo", "Ақтөбе жастар клубы", "")
		admin, _ := f.orgAdmin(t, org.ID)
		member, asker := env.NewPerson(), env.NewPerson()
		env.Grant(member, org.ID, "member")
		clients := map[string]*apptest.Client{}
		for name, p := range map[string]apptest.Person{"platform": f.admin, "admin": admin, "member": member, "asker": asker} {
			c := env.Client()
			c.SignIn(p)
			// The first page in English stores the reader's language (a
			// change, which forgets the checked sessions): done here.
			c.Get("/en/")
			clients[name] = c
		}
		base := fmt.Sprintf("/en/organizations/%d", org.ID)
		// kept reads path twice as who: the second reading's statements.
		kept := func(who, path string, has ...string) int {
			t.Helper()
			clients[who].Get(path)
			r := clients[who].Get(path)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", who, path, r.StatusCode)
			}
			for _, s := range has {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("%s %s: no %q in\n%s", who, path, s, r.Body)
				}
			}
			return r.Statements()
		}
		// Not taking members, nothing open: nothing to ask anyone.
		for _, who := range []string{"platform", "admin", "member", "asker"} {
			if n := kept(who, base); n != 0 {
				t.Errorf("%s, organization page: %d statements, want 0", who, n)
			}
		}
		// The member list checks the reader's right to it in the service:
		// one statement (the role), none for a platform administrator.
		want := map[string]int{"platform": 0, "admin": 1}
		for _, who := range []string{"platform", "admin"} {
			if n := kept(who, base+"/members", "No requests are waiting."); n != want[who] {
				t.Errorf("%s, member list: %d statements, want %d", who, n, want[who])
			}
		}
		// Open to requests: a reader's own state is one statement.
		if r := clients["admin"].PostForm(base+"/joining", url.Values{"takes_members": {"1"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d %s", r.StatusCode, r.Body)
		}
		if n := kept("asker", base, `id="join-link"`); n != 1 {
			t.Errorf("asker, organization page of one that takes members: %d statements, want 1", n)
		}
		if r := clients["asker"].PostForm(base+"/join", url.Values{"message": {"Hello"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("join: %d %s", r.StatusCode, r.Body)
		}
		// The administrators see the request at once, and then from the
		// kept part.
		for _, who := range []string{"platform", "admin"} {
			if n := kept(who, base+"/members", asker.User.Name, "Hello"); n != want[who] {
				t.Errorf("%s, member list with a request: %d statements, want %d", who, n, want[who])
			}
		}
		if n := kept("admin", base, "1 request to join"); n != 1 {
			t.Errorf("admin, organization page with a request: %d statements, want 1", n)
		}
		// Closed again with the request still open: the asker is still
		// told it waits.
		if r := clients["admin"].PostForm(base+"/joining", url.Values{"takes_members": {"0"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d %s", r.StatusCode, r.Body)
		}
		kept("asker", base, base+"/join")
		var rid int64
		if err := d.QueryRow(ctx, "SELECT id FROM org_join_requests WHERE org_id = ? AND status = 'pending'", org.ID).Scan(&rid); err != nil {
			t.Fatal(err)
		}
		if r := clients["admin"].PostForm(fmt.Sprintf("%s/join-requests/%d/accept", base, rid), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
		}
		if n := kept("platform", base+"/members", "No requests are waiting."); n != 0 {
			t.Errorf("member list after the answer: %d statements, want 0", n)
		}
		if n := kept("asker", base); n != 0 {
			t.Errorf("the new member, organization page: %d statements, want 0", n)
		}
	})
}
