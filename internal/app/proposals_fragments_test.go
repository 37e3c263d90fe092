package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// With the cache on, the list's rows and a proposal's thread are rendered
// once for every reader; each reader still gets their own marks and links.
// The database is changed behind the app's back between readers, so a
// reader who sees the old text was served the fragment another cached.
func TestCachedFragmentsKeepReadersApart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		// A long lifetime, so that a slow machine cannot let the copy age
		// out between two requests of the test.
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
		api := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, mod, a, b := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		env.Grant(mod, org, "moderator")
		p := newProgramme(t, env, api, token(t, env, admin), org)
		aTok, bTok := token(t, env, a), token(t, env, b)
		var pa, pb struct{ ID string }
		decode(t, api.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", aTok,
			`{"title":"Ауыл мектептеріне интернет","body":"Барлық ауыл мектептеріне кең жолақты интернет жүргізу керек.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pa)
		decode(t, api.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", bTok,
			`{"title":"Жастарға арналған баспана","body":"Жас отбасыларға жеңілдетілген ипотека мен жалдамалы үй керек.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pb)
		decode(t, api.JSON("PUT", "/api/v1/proposals/"+pa.ID+"/support", aTok, ""), 200, nil)
		decode(t, api.JSON("PUT", "/api/v1/proposals/"+pb.ID+"/support", bTok, ""), 200, nil)
		var ca struct{ ID string }
		decode(t, api.JSON("POST", "/api/v1/proposals/"+pa.ID+"/comments", aTok, `{"body":"Мектептерде интернет әлі баяу."}`), 201, &ca)
		ac, bc, mc := env.Client(), env.Client(), env.Client()
		ac.SignIn(a)
		bc.SignIn(b)
		mc.SignIn(mod)
		sneak := func(q string, args ...any) {
			t.Helper()
			if err := d.Write(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}

		// The thread, cached by the moderator: hide links for them, the
		// edit link for the comment's author only.
		edit, hide := `?edit=`+ca.ID+`#edit-form`, `?hide=`+ca.ID+`#hide-form`
		page := must(t, mc.Get("/kk/proposals/"+pa.ID), 200, hide, "Мектептерде интернет әлі баяу.", `?reply=`+ca.ID)
		if strings.Contains(page, edit) {
			t.Fatal("the moderator may edit another's comment")
		}
		sneak("UPDATE proposal_comments SET body = 'өзгерген' WHERE id = ?", ca.ID)
		page = must(t, ac.Get("/kk/proposals/"+pa.ID), 200, edit, "Мектептерде интернет әлі баяу.")
		if strings.Contains(page, hide) {
			t.Fatal("the author got the moderator's links from the cached thread")
		}
		page = must(t, bc.Get("/kk/proposals/"+pa.ID), 200, "Мектептерде интернет әлі баяу.")
		if strings.Contains(page, edit) || strings.Contains(page, hide) {
			t.Fatal("another member got someone's links")
		}
		if page := must(t, env.Client().Get("/kk/proposals/"+pa.ID), 200, "өзгерген"); strings.Contains(page, "?report=") { // its own copy
			t.Fatal("a guest got the members' thread")
		}
		// The links open their forms, for those allowed only.
		must(t, ac.Get("/kk/proposals/"+pa.ID+"?edit="+ca.ID), 200, `id="edit-form"`)
		if strings.Contains(bc.Get("/kk/proposals/"+pa.ID+"?edit="+ca.ID).Body, `id="edit-form"`) ||
			strings.Contains(bc.Get("/kk/proposals/"+pa.ID+"?hide="+ca.ID).Body, `id="hide-form"`) {
			t.Fatal("a member got a form that is not theirs")
		}
		must(t, mc.Get("/kk/proposals/"+pa.ID+"?hide="+ca.ID), 200, `id="hide-form"`)
		must(t, bc.Get("/kk/proposals/"+pa.ID+"?reply="+ca.ID), 200, `id="replying"`, `name="parent_id" value="`+ca.ID+`"`)

		// The list, cached by a: each sees their own support marked.
		list := "/kk/programmes/" + p.ID + "/proposals"
		shown := func(id string) string { return `data-reveal="` + id + `"       >` } // the hidden attribute blanked out
		markA, markB := shown(pa.ID), shown(pb.ID)
		page = must(t, ac.Get(list), 200, markA, "Жастарға арналған баспана")
		if strings.Contains(page, markB) || !strings.Contains(page, `data-reveal="`+pb.ID+`" hidden>`) || strings.Contains(page, "/proposals/export") {
			t.Fatalf("a's list marks b's support or shows the export")
		}
		sneak("UPDATE proposals SET title = 'өзгерген' WHERE id = ?", pb.ID)
		page = must(t, bc.Get(list), 200, markB, "Жастарға арналған баспана")
		if strings.Contains(page, markA) {
			t.Fatal("b's list marks a's support")
		}
		must(t, mc.Get(list), 200, "/proposals/export", "Жастарға арналған баспана")

		// A change on this node forgets the copies at once.
		must(t, bc.PostForm("/kk/proposals/"+pa.ID+"/comments", url.Values{"body": {"Келісемін, интернет керек."}}), 303)
		must(t, ac.Get("/kk/proposals/"+pa.ID), 200, "өзгерген", "Келісемін, интернет керек.")
		must(t, ac.Get(list), 200, "өзгерген")
	})
}
