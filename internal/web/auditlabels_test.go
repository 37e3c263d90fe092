package web_test

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Every audit action kind is rendered in every language as words: on the
// audit log page for all kinds, and on an organization's "recent
// activity" (where members saw meetings.minutes_approve and
// elections.publish).
func TestAuditActionsRenderAsWordsInEveryLanguage(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	admin := env.NewPerson("admin")
	member := env.NewPerson()
	org := env.NewOrg(0, "Белсенді ұйым")
	env.Grant(member, org, "member")
	record := func(kinds []string, orgID int64) {
		err := env.App.DB.Write(context.Background(), func(tx *db.Tx) error {
			for _, k := range kinds {
				if err := audit.Record(context.Background(), tx, audit.Entry{ActorID: admin.User.ID, Action: k, TargetType: "organization",
					TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	recent := []string{"meetings.minutes_approve", "elections.publish", "elections.close", "meetings.create",
		"orgs.member.add", "proposals.answer", "roadmap.progress", "elections.open"}
	record(recent, org)
	cat := i18n.MustLoad()
	kinds := audit.Kinds(cat)
	record(kinds, 0)

	ac := env.Client()
	ac.SignIn(admin)
	mc := env.Client()
	mc.SignIn(member)
	for _, l := range i18n.Langs {
		p := cat.Printer(l)
		// The audit log, page by page, shows every kind by its label.
		var body strings.Builder
		for path := "/" + string(l) + "/admin/audit"; path != ""; {
			r := ac.Get(path)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
			body.WriteString(html.UnescapeString(r.Body))
			path = ""
			// The "older entries" link (the language switch's links to
			// this very page come first).
			older := `href="/` + string(l) + `/admin/audit?before=`
			if i := strings.LastIndex(r.Body, older); i >= 0 && i > strings.Index(r.Body, "<main") {
				i += len(`href="`)
				j := strings.IndexByte(r.Body[i:], '"')
				path = r.Body[i : i+j]
			}
		}
		for _, k := range kinds {
			if !strings.Contains(body.String(), audit.Label(p, k)) {
				t.Errorf("%s: the audit log does not show %s as %q", l, k, audit.Label(p, k))
			}
		}
		// The organization's recent activity: words, not keys.
		r := mc.Get(fmt.Sprintf("/%s/organizations/%d", l, org))
		page := html.UnescapeString(r.Body)
		for _, k := range recent {
			if strings.Contains(page, k) {
				t.Errorf("%s: the organization page shows the key %s", l, k)
			}
			if !strings.Contains(page, audit.Label(p, k)) {
				t.Errorf("%s: the organization page lacks %q (%s)", l, audit.Label(p, k), k)
			}
		}
	}
}
