package orgs_test

import (
	"encoding/json"
	"fmt"
	"testing"

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
