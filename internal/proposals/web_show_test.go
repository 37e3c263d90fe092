package proposals_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
)

// With the page cache on, a proposal's page is put together from parts
// rendered once for every reader (the proposal, the comments); each
// reader still gets exactly their own links, a hidden proposal stays with
// its author and the moderators whoever was served first, and
// a change made on this node shows on the next request.
func TestProposalPageFromSharedParts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
		a := env.App
		s := &a.Components
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, mod, author, member := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		env.Grant(mod, org, "moderator")
		now := env.Clock.Now()
		p, err := s.Programmes.Create(ctx, admin.User, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
			Directions: []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}},
			Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		const body = "Ауыл мектептеріне кең жолақты интернет жүргізу керек."
		pr, err := s.Proposals.Create(ctx, author.User, p.ID, proposals.NewProposal{Title: "Мектептерге жылдам интернет", Body: body,
			DirectionID: p.Directions[0].ID, Region: "KZ-79", Attachment: &proposals.Attachment{Name: "жоспар.pdf", Data: []byte("%PDF-1.4 fake")}})
		if err != nil {
			t.Fatal(err)
		}
		comment := func(who apptest.Person, text string) int64 {
			t.Helper()
			c, err := s.Proposals.AddComment(ctx, who.User, pr.ID, 0, text)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		c1, c2, c3 := comment(author, "Автордың өз пікірі"), comment(member, "Мүшенің пікірі"), comment(member, "Жасырылатын пікір")
		if _, err := s.Proposals.HideComment(ctx, mod.User, c3, "Ережеге қайшы"); err != nil {
			t.Fatal(err)
		}
		mc, ac, bc, gc := env.Client(), env.Client(), env.Client(), env.Client()
		mc.SignIn(mod)
		ac.SignIn(author)
		bc.SignIn(member)
		path := fmt.Sprintf("/kk/proposals/%d", pr.ID)
		get := func(c *apptest.Client, path string, want ...string) string {
			t.Helper()
			r := c.Get(path)
			if r.StatusCode != 200 {
				t.Fatalf("GET %s: status %d", path, r.StatusCode)
			}
			for _, w := range want {
				if !strings.Contains(r.Body, w) {
					t.Fatalf("GET %s: no %q in\n%s", path, w, r.Body)
				}
			}
			return r.Body
		}
		pt := a.Catalog.Printer(i18n.KK)
		report := func(id int64) string {
			return fmt.Sprintf(`<a href="?report=%d#report-form">%s</a>`, id, pt.T("proposals.report"))
		}
		edit := func(id int64) string {
			return fmt.Sprintf(`%s · <a href="?edit=%d#edit-form">%s</a>`, report(id), id, pt.T("proposals.edit"))
		}
		hide := func(id int64) string {
			return fmt.Sprintf(`<a href="?hide=%d#hide-form">%s</a>`, id, pt.T("proposals.hide"))
		}
		attachment := fmt.Sprintf(`/kk/proposals/%d/attachment`, pr.ID)

		// Each reader's links, right after the comment's report link, with
		// the parts cached by whoever came first.
		page := get(mc, path, body, attachment, hide(c1), hide(c2), report(c1))
		if strings.Contains(page, hide(c3)) || strings.Contains(page, "?edit=") {
			t.Fatalf("moderator: a hide link on a hidden comment, or an edit link\n%s", page)
		}
		page = get(ac, path, body, edit(c1), report(c2))
		if strings.Contains(page, "?hide=") || strings.Contains(page, fmt.Sprintf("?edit=%d#", c2)) {
			t.Fatalf("author: a moderator's link or someone else's edit link\n%s", page)
		}
		page = get(bc, path, edit(c2), report(c1), "?reply=")
		if strings.Contains(page, "?hide=") || strings.Contains(page, fmt.Sprintf("?edit=%d#", c1)) || strings.Contains(page, fmt.Sprintf("?edit=%d#", c3)) {
			t.Fatalf("member: links that are not theirs\n%s", page)
		}
		page = get(gc, path, body, "Мүшенің пікірі")
		for _, no := range []string{"?report=", "?edit=", "?hide=", "?reply=", `action="/kk/signout"`} {
			if strings.Contains(page, no) {
				t.Fatalf("guest: %q on the page\n%s", no, page)
			}
		}
		// The reader's own forms still open.
		get(ac, path+fmt.Sprintf("?edit=%d", c1), `id="edit-form"`)
		get(mc, path+fmt.Sprintf("?hide=%d", c2), `id="hide-form"`)
		get(bc, path+fmt.Sprintf("?reply=%d", c1), `id="replying"`, fmt.Sprintf(`name="parent_id" value="%d"`, c1))

		// Each reader's own buttons and forms, from blocks shared by the
		// readers in the same state.
		if _, err := s.Proposals.Support(ctx, member.User, pr.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.Proposals.Follow(ctx, author.User, pr.ID, true); err != nil {
			t.Fatal(err)
		}
		other, minor := env.NewPerson(), env.NewPerson("minor")
		oc, nc := env.Client(), env.Client()
		oc.SignIn(other)
		nc.SignIn(minor)
		withdraw, support := `name="on" value="0"><button id="support-button" class="link">`, `name="on" value="1"><button id="support-button">`
		follow, unfollow := `name="on" value="1"><button class="link" id="follow">`, `name="on" value="0"><button class="link" id="follow">`
		for range 2 { // the second time from the cache
			if page := get(bc, path, withdraw, follow, `id="comment-form"`); strings.Contains(page, support) {
				t.Fatal("the supporter got the support button")
			}
			if page := get(ac, path, support, unfollow, `id="comment-form"`); strings.Contains(page, withdraw) || strings.Contains(page, follow) {
				t.Fatal("the author got the supporter's or a non-follower's buttons")
			}
			if page := get(oc, path, support, follow, `id="comment-form"`); strings.Contains(page, withdraw) || strings.Contains(page, unfollow) {
				t.Fatal("another member got someone else's buttons")
			}
			page := get(nc, path, `id="support-count"`)
			for _, no := range []string{`id="support-button"`, `id="follow"`, `id="comment-form"`} {
				if strings.Contains(page, no) {
					t.Fatalf("a minor without consent got %s", no)
				}
			}
			if page := get(gc, path, "/kk/signin?next="); strings.Contains(page, `id="support-button"`) || strings.Contains(page, `id="comment-form"`) {
				t.Fatal("a guest got a member's buttons")
			}
		}
		get(bc, path+fmt.Sprintf("?report=%d", c1), `id="report-form"`, fmt.Sprintf(`name="comment_id" value="%d"`, c1))
		if page := get(oc, path); strings.Contains(page, `id="report-form"`) {
			t.Fatal("the report form of another reader's link")
		}
		// A refused comment comes back with its text and the error.
		if r := oc.PostForm(path+"/comments", url.Values{"body": {" "}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-comment"`) {
			t.Fatalf("an empty comment: status %d", r.StatusCode)
		}

		// The proposal's part is shared: a change behind the app's back is
		// not seen within the lifetime...
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE proposals SET title = 'Өзгерген тақырып' WHERE id = ?", pr.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if page := get(bc, path, "Мектептерге жылдам интернет"); strings.Contains(page, "Өзгерген тақырып") {
			t.Fatal("the proposal was read again within the cache lifetime")
		}
		// ...but a change made on this node is, on the next request.
		if r := bc.PostForm(path+"/comments", url.Values{"body": {"Жаңа пікір, бірден көрінеді."}}); r.StatusCode != 303 {
			t.Fatalf("comment: status %d", r.StatusCode)
		}
		get(bc, path, "Өзгерген тақырып", "Жаңа пікір, бірден көрінеді.")

		// Hidden by the moderator in the browser; the moderator is served
		// first, so the shared copy with the text exists when others come.
		if r := mc.PostForm(path+"/hide", url.Values{"hide": {"1"}, "reason": {"Жарнама"}}); r.StatusCode != 303 {
			t.Fatalf("hide: status %d", r.StatusCode)
		}
		get(mc, path, body, attachment, `id="hidden-note"`)
		for _, c := range []*apptest.Client{bc, gc} {
			// Not even its title, author or the reason: it is not found.
			r := c.Get(path)
			if r.StatusCode != 404 || strings.Contains(r.Body, body) || strings.Contains(r.Body, attachment) || strings.Contains(r.Body, "жоспар.pdf") ||
				strings.Contains(r.Body, "Өзгерген тақырып") || strings.Contains(r.Body, "Жарнама") {
				t.Fatalf("a hidden proposal reached someone other than its author and the moderators: %d\n%s", r.StatusCode, r.Body)
			}
		}
		get(ac, path, body, attachment, `id="hidden-note"`)
		get(mc, path, body, attachment)

		if r := ac.Get("/ru/proposals/987654"); r.StatusCode != 404 {
			t.Fatalf("a proposal that does not exist: status %d", r.StatusCode)
		}

		// Every language, signed in.
		for _, l := range i18n.Langs {
			title := "Өзгерген тақырып"
			if l == i18n.KKLatn {
				title = kazakh.ToLatin(title)
			}
			get(ac, fmt.Sprintf("/%s/proposals/%d", l, pr.ID), title, `id="support-count"`, fmt.Sprintf(`href="?edit=%d#edit-form"`, c1))
		}
	})
}
