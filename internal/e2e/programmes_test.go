package e2e

import (
	"context"
	"fmt"
	"github.com/ortaq/ortaq/internal/app"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
)

func signIn(t *testing.T, ctx context.Context, env *apptest.Env, p apptest.Person) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/signin"),
		chromedp.SendKeys(C("#f-email"), p.Email),
		chromedp.SendKeys(C("#f-password"), p.Password),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
}

// collecting starts the programme services on env, and an organization
// whose administrator runs a programme for 14–35-year-olds in KZ-79 with
// these directions, collecting proposals now.
func collecting(t *testing.T, env *apptest.Env, directions ...string) (*app.Components, int64, apptest.Person, *programmes.Programme) {
	t.Helper()
	a := env.App
	s := &a.Components
	org := env.NewOrg(0, "Жастар қанаты")
	admin := env.NewPerson()
	env.Grant(admin, org, "admin")
	in := programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!", RU: "Молодёжь – Родине!"}, AgeMin: 14, AgeMax: 35, Regions: []string{"KZ-79"}}
	for _, d := range directions {
		in.Directions = append(in.Directions, programmes.Direction{Title: i18n.Text{KK: d}})
	}
	now := env.Clock.Now()
	in.Phases = []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}
	p, err := s.Programmes.Create(context.Background(), admin.User, in)
	if err != nil {
		t.Fatal(err)
	}
	return s, org, admin, p
}

// A young person on a phone, in Kazakh, finds the programme, submits a
// proposal and supports another; a moderator answers it in the browser;
// the young person sees the answer and where it went on the roadmap.
func TestBrowserProposalCycle(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	a := env.App
	s, org, admin, p := collecting(t, env, "Жұмыспен қамту", "Білім")
	ctx0 := context.Background()
	other := env.NewPerson()
	theirs, err := s.Proposals.Create(ctx0, other.User, p.ID, proposals.NewProposal{Title: "Мектептерге жылдам интернет",
		Body: "Ауыл мектептеріне кең жолақты интернет жүргізу керек.", DirectionID: p.Directions[1].ID})
	if err != nil {
		t.Fatal(err)
	}

	young := env.NewPerson()
	ctx := browser(t)
	signIn(t, ctx, env, young)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/programmes"), chromedp.WaitVisible(C("#programmes")),
		chromedp.Click(C("#programmes a")), chromedp.WaitVisible(C("#timeline")),
		chromedp.Click(C("#propose")), chromedp.WaitVisible(C("#f-title")))
	run(t, ctx,
		chromedp.SendKeys(C("#f-title"), "Ауылда жастар орталығы ашылсын"),
		chromedp.SendKeys(C("#f-body"), "Ауылда жастар жиналатын орын жоқ: **кітапхана**, коворкинг және спорт үйірмелері керек."),
		chromedp.Click(C("#proposal-form button[type=submit]")),
		chromedp.WaitVisible(C("#proposal")))
	if h := text(t, ctx, "h1"); h != "Ауылда жастар орталығы ашылсын" {
		t.Fatalf("after submitting: h1 %q", h)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#proposal strong').length`)); n < 1 {
		t.Fatal("the Markdown body lost its bold text")
	}
	mine := strings.TrimPrefix(get(t, ctx, chromedp.Location()), env.URL+"/kk/proposals/")

	// Support someone else's proposal, once; then withdraw.
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/proposals/%d", env.URL, theirs.ID)), chromedp.WaitVisible(C("#support-button")),
		chromedp.Click(C("#support-button")), chromedp.WaitVisible(C(".notice")))
	if s := text(t, ctx, "#support-count"); !strings.HasPrefix(s, "1 ") {
		t.Fatalf("support count shows %q", s)
	}
	if stored, _ := countSupports(t, env, theirs.ID); stored != 1 {
		t.Fatalf("stored count %d", stored)
	}

	// The moderator (an org admin) answers in the browser.
	mctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	// A second tab shares the cookie jar: sign out the young person there first.
	run(t, mctx, chromedp.Navigate(env.URL+"/kk/profile"), chromedp.WaitVisible(C("header form button")),
		chromedp.Click(C("header form button")), chromedp.WaitVisible(C(`.account a[href$="/signin"]`)))
	signIn(t, mctx, env, admin)
	run(t, mctx, chromedp.Navigate(env.URL+"/kk/proposals/"+mine), chromedp.WaitVisible(C("#answer-form")),
		chromedp.SetValue(C("#f-status"), "accepted"),
		chromedp.SendKeys(C("#f-text"), "Ұсыныс қабылданды: 2026 жылы ауылда жастар орталығы ашылады."),
		chromedp.Click(C("#answer-form button")), chromedp.WaitVisible(C("#answer")))
	var id int64
	fmt.Sscan(mine, &id)
	// The administrator puts it on the roadmap in the browser: a new item
	// whose responsible organization is picked from a list, then the link.
	branch := env.NewOrg(org, "Орал жастар ресурстық орталығы")
	run(t, mctx, chromedp.Navigate(fmt.Sprintf("%s/kk/programmes/%d/roadmap", env.URL, p.ID)), chromedp.WaitVisible(C("#roadmap-form")),
		chromedp.SendKeys(C(`#f-title\.kk`), "Ауылдық жастар орталықтары"),
		chromedp.SetValue(C("#f-responsible_id"), fmt.Sprint(branch)),
		chromedp.Click(C("#roadmap-form button")), chromedp.WaitVisible(C(".notice")))
	var item int64
	if err := a.DB.QueryRow(ctx0, "SELECT id FROM roadmap_items WHERE programme_id = ? AND responsible_org_id = ?", p.ID, branch).Scan(&item); err != nil {
		t.Fatalf("the item from the form: %v", err)
	}
	run(t, mctx, chromedp.Click(C(fmt.Sprintf("#item-%d details summary", item))),
		chromedp.SendKeys(C(fmt.Sprintf("#ln-%d", item)), mine),
		chromedp.Click(C(fmt.Sprintf(`form[action$="/roadmap/%d/links"] button`, item))),
		chromedp.WaitVisible(C(fmt.Sprintf(`#item-%d a[href$="/proposals/%s"]`, item, mine))))
	if s := text(t, mctx, fmt.Sprintf("#item-%d", item)); !strings.Contains(s, "Орал жастар ресурстық орталығы") || !strings.Contains(s, "Ауылда жастар орталығы ашылсын") {
		t.Fatalf("roadmap item after the forms: %q", s)
	}

	// The young person (signed in again) sees the answer and the roadmap.
	signIn(t, mctx, env, young)
	run(t, mctx, chromedp.Navigate(env.URL+"/kk/proposals/"+mine), chromedp.WaitVisible(C("#answer")))
	if s := text(t, mctx, "#status"); s != "Қабылданды" {
		t.Fatalf("status %q", s)
	}
	if s := text(t, mctx, "#roadmap"); !strings.Contains(s, "Ауылдық жастар орталықтары") {
		t.Fatalf("roadmap section %q", s)
	}
	if s := text(t, mctx, "#inbox-link"); !strings.Contains(s, "(") {
		t.Fatalf("the header shows no unread count: %q", s)
	}
	run(t, mctx, chromedp.Click(C("#inbox-link")), chromedp.WaitVisible(C("#inbox")))
	if s := text(t, mctx, "#inbox"); !strings.Contains(s, "ресми жауап") || !strings.Contains(s, "жол картасына") {
		t.Fatalf("inbox %q", s)
	}
}

func countSupports(t *testing.T, env *apptest.Env, id int64) (stored, rows int) {
	t.Helper()
	if err := env.App.DB.QueryRow(context.Background(), `SELECT support_count, (SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = t.proposal_id)
		FROM proposal_tallies t WHERE proposal_id = ?`, id).Scan(&stored, &rows); err != nil {
		t.Fatal(err)
	}
	return
}

// A signed-in reader's proposal page, put together from cached fragments,
// reaches a real browser gzipped (a fraction of the bytes over a rural
// connection) and reads the same as the page itself: every comment, the
// support button; for the comments' author, with their own edit links put
// into the shared thread.
func TestBrowserGzippedProposalPage(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
	s, _, _, p := collecting(t, env, "Білім")
	ctx0 := context.Background()
	author, reader := env.NewPerson(), env.NewPerson()
	pr, err := s.Proposals.Create(ctx0, author.User, p.ID, proposals.NewProposal{Title: "Мектептерге жылдам интернет",
		Body: "Ауыл мектептеріне кең жолақты интернет жүргізу керек.", DirectionID: p.Directions[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	for i := range n {
		if _, err := s.Proposals.AddComment(ctx0, author.User, pr.ID, 0, fmt.Sprintf("Пікір №%d: ауылда интернет жоқ, балалар сабаққа қосыла алмайды.", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []struct {
		p     apptest.Person
		edits int
	}{{reader, 0}, {author, n}} {
		ctx := browser(t)
		signIn(t, ctx, env, who.p)
		for pass := range 2 { // the fragments rendered, then from the cache
			run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/proposals/%d", env.URL, pr.ID)), chromedp.WaitVisible(C("#support-button")))
			if got := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#thread li[id^="c"]').length`)); got != n {
				t.Fatalf("edits %d, pass %d: %d comments shown, want %d", who.edits, pass, got, n)
			}
			if s := text(t, ctx, "#thread"); !strings.Contains(s, "Пікір №0:") || !strings.Contains(s, fmt.Sprintf("Пікір №%d:", n-1)) {
				t.Fatalf("edits %d, pass %d: thread text %.200q", who.edits, pass, s)
			}
			if got := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#thread a[href*="?edit="]').length`)); got != who.edits {
				t.Fatalf("pass %d: %d edit links, want %d", pass, got, who.edits)
			}
			sizes := get(t, ctx, chromedp.Evaluate[[]int](`(e => [e.encodedBodySize, e.decodedBodySize])(performance.getEntriesByType('navigation')[0])`))
			if len(sizes) != 2 || sizes[1] < 16<<10 || sizes[0]*4 > sizes[1] {
				t.Fatalf("edits %d, pass %d: encoded/decoded body sizes %v: the page did not come gzipped", who.edits, pass, sizes)
			}
		}
	}
}

// A signed-in reader's proposal list marks the proposals they support —
// shown in the shared rows, which everyone gets with the mark hidden — on
// exactly their rows, from the cached rows too, and the page stays well
// under the 60 KB a main page may take to transfer (DESIGN §8). (It went
// gzipped until the rows' cut compression was removed, issue 14: a
// revealed list is 10 KB, sent as it is; docs/benchmarks.md.)
func TestBrowserListMarks(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = time.Minute }})
	s, _, _, p := collecting(t, env, "Білім")
	ctx0 := context.Background()
	author, reader := env.NewPerson(), env.NewPerson()
	var ids []int64
	for i := range 20 {
		pr, err := s.Proposals.Create(ctx0, author.User, p.ID, proposals.NewProposal{Title: fmt.Sprintf("Ауыл мектептеріне интернет №%d", i),
			Body: "Ауыл мектептеріне кең жолақты интернет жүргізу керек.", DirectionID: p.Directions[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pr.ID)
	}
	mine := []int64{ids[3], ids[17]}
	for _, id := range mine {
		if _, err := s.Proposals.Support(ctx0, reader.User, id, true); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t)
	signIn(t, ctx, env, reader)
	for pass := range 2 { // the rows rendered, then from the cache
		run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/programmes/%d/proposals?sort=newest", env.URL, p.ID)), chromedp.WaitVisible(C("#proposals")))
		marked := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#proposals li')].filter(li => li.innerText.includes('Сіз бұл ұсынысты қолдайсыз')).map(li => li.id)`))
		want := []string{fmt.Sprintf("p%d", mine[1]), fmt.Sprintf("p%d", mine[0])}
		if !slices.Equal(marked, want) {
			t.Fatalf("pass %d: rows marked as supported %v, want %v", pass, marked, want)
		}
		sizes := get(t, ctx, chromedp.Evaluate[[]int](`(e => [e.encodedBodySize, e.decodedBodySize])(performance.getEntriesByType('navigation')[0])`))
		if len(sizes) != 2 || sizes[1] == 0 || sizes[0] > 60<<10 {
			t.Fatalf("pass %d: encoded/decoded body sizes %v: over the 60 KB budget", pass, sizes)
		}
	}
}
