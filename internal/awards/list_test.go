package awards_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// GET /api/v1/awards?organization_id= lists an organization's awards to
// its organizers, newest first, page by page; without it, one's own. A
// recipient who deletes their account keeps the award, but its public
// views no longer name them; the organization's list keeps the name as
// printed.
func TestAwardListAndDeletedRecipients(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Мәдениет үйі")
		organizer, member, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(organizer, org, "moderator")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", org, member.User.ID, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var recs []awards.Recipient
		for i := range 4 {
			recs = append(recs, awards.Recipient{Name: fmt.Sprintf("Волонтер %d", i)})
		}
		recs = append(recs, awards.Recipient{PersonID: member.User.ID})
		issued, err := env.App.Awards.Issue(ctx, organizer.User, awards.Batch{OrgID: org, Kind: certificate.Thanks, Title: certificate.Text{KK: "Алғыс хат"}, Recipients: recs})
		if err != nil {
			t.Fatal(err)
		}
		mine := issued[len(issued)-1]
		c := env.Client()
		get := func(p apptest.Person, path string) *apptest.Response {
			req, _ := http.NewRequest("GET", env.URL+path, nil)
			tok, err := env.App.Auth.CreateToken(ctx, p.User, "test", p.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			return c.Do(req)
		}
		page := func(r *apptest.Response) api.Page[awards.AwardOut] {
			t.Helper()
			var p api.Page[awards.AwardOut]
			if r.StatusCode != 200 {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		p1 := page(get(organizer, fmt.Sprintf("/api/v1/awards?organization_id=%d&limit=3", org)))
		if len(p1.Items) != 3 || p1.NextCursor == "" || p1.Items[0].PersonID != fmt.Sprint(member.User.ID) || p1.Items[0].Recipient != member.User.Name {
			t.Fatalf("first page %+v", p1)
		}
		p2 := page(get(organizer, fmt.Sprintf("/api/v1/awards?organization_id=%d&limit=3&cursor=%s", org, p1.NextCursor)))
		if len(p2.Items) != 2 || p2.NextCursor != "" || p2.Items[1].Recipient != "Волонтер 0" {
			t.Fatalf("second page %+v", p2)
		}
		if r := get(stranger, fmt.Sprintf("/api/v1/awards?organization_id=%d", org)); r.StatusCode != 403 {
			t.Fatalf("a stranger's list: %d", r.StatusCode)
		}
		if r := get(member, fmt.Sprintf("/api/v1/awards?organization_id=%d", org)); r.StatusCode != 403 {
			t.Fatalf("a member's list of the organization: %d", r.StatusCode)
		}
		if r := c.Get(fmt.Sprintf("/api/v1/awards?organization_id=%d", org)); r.StatusCode != 401 {
			t.Fatalf("a guest's list: %d", r.StatusCode)
		}
		if r := get(organizer, "/api/v1/awards?organization_id=x"); r.StatusCode != 422 || !strings.Contains(r.Body, "organization_id") {
			t.Fatalf("a bad id: %d %s", r.StatusCode, r.Body)
		}
		own := page(get(member, "/api/v1/awards"))
		if len(own.Items) != 1 || own.Items[0].Code != certificate.FormatCode(mine.Code) {
			t.Fatalf("own awards %+v", own)
		}

		// The member deletes their account.
		if err := env.App.Auth.DeleteAccount(ctx, member.User, member.Password, auth.Client{}); err != nil {
			t.Fatal(err)
		}
		v := c.Get("/api/v1/awards/verify/" + mine.Code)
		var out awards.VerifyOut
		if err := json.Unmarshal([]byte(v.Body), &out); err != nil || !out.Valid || !out.Withheld || out.Recipient != awards.WithheldName || strings.Contains(v.Body, member.User.Name) {
			t.Fatalf("verify after deletion: %s", v.Body)
		}
		nc := env.Client() // no copy of the page from before
		if r := nc.Get("/en/awards/" + mine.Code); !strings.Contains(r.Body, "Name withheld") || strings.Contains(r.Body, member.User.Name) {
			t.Fatalf("page after deletion: %d", r.StatusCode)
		}
		cr := nc.Get("/api/v1/awards/" + mine.Code + "/credential")
		var cred awards.CredentialOut
		if err := json.Unmarshal([]byte(cr.Body), &cred); err != nil || strings.Count(cred.Credential, ".") != 2 {
			t.Fatalf("credential: %d %s", cr.StatusCode, cr.Body)
		}
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(cred.Credential, ".")[1])
		if err != nil || strings.Contains(string(payload), member.User.Name) || !strings.Contains(string(payload), "Name withheld") {
			t.Fatalf("credential after deletion names the person: %v %s", err, payload)
		}
		// Typed names and the organization's own list are unchanged.
		if r := c.Get("/api/v1/awards/verify/" + issued[0].Code); !strings.Contains(r.Body, "Волонтер 0") {
			t.Fatalf("a typed name: %s", r.Body)
		}
		if p := page(get(organizer, fmt.Sprintf("/api/v1/awards?organization_id=%d&limit=1", org))); p.Items[0].Recipient != member.User.Name {
			t.Fatalf("the organization's record: %+v", p.Items[0])
		}
	})
}
