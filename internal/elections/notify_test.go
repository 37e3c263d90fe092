package elections_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/elections"
	"github.com/ortaq/ortaq/internal/mail"
)

func execSQL(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

func mailTo(env *apptest.Env, to string) []string {
	var out []string
	for _, m := range env.Mail.Messages() {
		if strings.EqualFold(m.To, to) {
			out = append(out, m.Subject+"\n"+m.Text)
		}
	}
	return out
}

var codeRE = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// Officers email the codes: every voter with an address who has not voted
// gets one, in their language, with the ballot link; the code votes once
// and secretly; the audit log holds the number, never a code.
func TestEmailVotingCodes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		s := newElection(t, env, 5, "choose")
		ctx := context.Background()
		// members[0] votes first; members[1] reads Russian; members[2] has no address.
		voter := env.Client()
		voter.SignIn(s.members[0])
		if r := voter.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"choice": {s.cands[0]}}); r.StatusCode != 201 {
			t.Fatalf("vote: %d", r.StatusCode)
		}
		execSQL(t, d, "UPDATE users SET lang = 'ru' WHERE id = ?", s.members[1].User.ID)
		execSQL(t, d, "UPDATE users SET email = NULL WHERE id = ?", s.members[2].User.ID)

		member := env.Client()
		member.SignIn(s.members[3])
		if r := member.PostForm("/kk/elections/"+s.id+"/codes/email", nil); r.StatusCode != 403 {
			t.Fatalf("a member emailed codes: %d", r.StatusCode)
		}
		off := env.Client()
		off.SignIn(s.officer)
		if r := off.Get("/kk/elections/" + s.id); !strings.Contains(r.Body, `id="codes-email"`) {
			t.Fatal("no button to email codes")
		}
		r := off.PostForm("/kk/elections/"+s.id+"/codes/email", url.Values{"confirmed": {"1"}})
		// Voters: 5 members (the minor is never one); one voted, one has no address.
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Кодтар 3 сайлаушыға") || !strings.Contains(r.Body, "1 сайлаушыға хат жетпеді") {
			t.Fatalf("email codes: %d\n%s", r.StatusCode, r.Body)
		}
		if got := mailTo(env, s.members[0].Email); len(got) != 0 {
			t.Fatalf("a voter who voted got a code: %v", got)
		}
		ru := mailTo(env, s.members[1].Email)
		if len(ru) != 1 || !strings.Contains(ru[0], "Код для голосования") || !strings.Contains(ru[0], "/ru/elections/"+s.id+"?code=") {
			t.Fatalf("Russian reader's code email: %q", ru)
		}
		kk := mailTo(env, s.members[3].Email)
		if len(kk) != 1 || !strings.Contains(kk[0], "дауыс беру кодыңыз") || !strings.Contains(kk[0], "/kk/elections/"+s.id+"?code=") {
			t.Fatalf("Kazakh reader's code email: %q", kk)
		}
		code := codeRE.FindString(kk[0])
		// The emailed code votes, once, from a browser without an account.
		guest := env.Client()
		if r := guest.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {code}, "choice": {s.cands[1]}}); r.StatusCode != 201 {
			t.Fatalf("vote with the emailed code: %d", r.StatusCode)
		}
		if r := guest.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {code}, "choice": {s.cands[1]}}); r.StatusCode != 409 {
			t.Fatalf("the code voted twice: %d", r.StatusCode)
		}
		// Slips for the rest: only voters who hold no code yet.
		codes := decode[struct {
			Items []struct {
				PersonID string `json:"person_id"`
			} `json:"items"`
		}](t, env.Client().JSON("POST", "/api/v1/elections/"+s.id+"/codes", s.otok, `{"without_code":true}`))
		if len(codes.Items) != 1 || codes.Items[0].PersonID != fmt.Sprint(s.members[2].User.ID) {
			t.Fatalf("slips for voters without a code: %+v", codes.Items)
		}
		// The Russian reader's emailed code still works.
		if r := guest.PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {codeRE.FindString(ru[0])}}); r.StatusCode != 201 {
			t.Fatalf("the other emailed code stopped working: %d", r.StatusCode)
		}
		var n int
		var after string
		if err := d.QueryRow(ctx, "SELECT COUNT(*), MAX(CAST(after_json AS TEXT)) FROM audit_log WHERE action = 'elections.codes_email'").Scan(&n, &after); err != nil {
			t.Fatal(err)
		}
		if n != 1 || !strings.Contains(after, `"codes":3`) || codeRE.MatchString(after) {
			t.Fatalf("audit: %d %s", n, after)
		}
		var leaked int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE CAST(after_json AS TEXT) LIKE ? OR CAST(before_json AS TEXT) LIKE ?", "%"+code+"%", "%"+code+"%").Scan(&leaked); err != nil || leaked != 0 {
			t.Fatalf("a code in the audit log (%v)", err)
		}
		// Still exactly one ballot per voter.
		var ballots, voters int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM election_ballots WHERE election_id = ?) + (SELECT COUNT(*) FROM election_sealed WHERE election_id = ?), (SELECT COUNT(*) FROM election_voters WHERE election_id = ?)`,
			s.id, s.id, s.id).Scan(&ballots, &voters); err != nil || ballots != 3 || voters != 3 {
			t.Fatalf("%d ballots, %d voters (%v)", ballots, voters, err)
		}
	})
}

// The chair proposes a list (accepted at once, all or nothing); a member's
// nomination of someone else waits for the nominee, who is told by email.
func TestChairsListAndNomineeEmail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Бастауыш ұйым")
		officer := env.NewPerson()
		env.Grant(officer, org, "moderator")
		otok := token(t, env, officer)
		var ms []apptest.Person
		for _, n := range []string{"Дәурен Серікұлы", "Гүлнар Әміржанова", "Асқар Бекұлы", "Асқар Бекұлы", "Мария Иванова"} {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			execSQL(t, d, "UPDATE users SET name = ? WHERE id = ?", n, p.User.ID)
			ms = append(ms, p)
		}
		outsider := env.NewPerson()
		r := env.Client().JSON("POST", "/api/v1/elections", otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Делегаттар сайлауы"},
			"seats":3,"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, org, org))
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		id := decode[map[string]any](t, r)["id"].(string)
		off := env.Client()
		off.SignIn(officer)
		count := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM election_candidates WHERE election_id = ?", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for list, msg := range map[string]string{
			"Dauren Serikuly\nНезнакомый Человек": "2-жол",
			"Асқар Бекұлы":                        "бірнеше мүше",
			outsider.Email:                        "табылмады",
			strings.Repeat("x@example.kz\n", 201): "200",
		} {
			r := off.PostForm("/kk/elections/"+id+"/candidates/list", url.Values{"list": {list}})
			if r.StatusCode != 422 || !strings.Contains(r.Body, msg) || !strings.Contains(r.Body, `id="e-list"`) {
				t.Fatalf("list %q: %d (want %q)", list[:min(len(list), 40)], r.StatusCode, msg)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("a refused list left %d candidates", n)
		}
		mc := env.Client()
		mc.SignIn(ms[4])
		if r := mc.PostForm("/kk/elections/"+id+"/candidates/list", url.Values{"list": {ms[0].Email}}); r.StatusCode != 403 {
			t.Fatalf("a member proposed a list: %d", r.StatusCode)
		}
		// By name in Latin letters, in capitals, and by address.
		r = off.PostForm("/kk/elections/"+id+"/candidates/list", url.Values{"list": {"Dáuren Serikuly\n  ГҮЛНАР ӘМІРЖАНОВА \n" + strings.ToUpper(ms[2].Email) + "\n\n"}})
		if r.StatusCode != 303 {
			t.Fatalf("list: %d\n%s", r.StatusCode, r.Body)
		}
		var accepted int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM election_candidates WHERE election_id = ? AND status = 'accepted'", id).Scan(&accepted); err != nil || accepted != 3 {
			t.Fatalf("%d accepted (%v)", accepted, err)
		}
		// Again: refused whole, naming who is already on it.
		if r := off.PostForm("/kk/elections/"+id+"/candidates/list", url.Values{"list": {ms[4].Email + "\n" + ms[0].Email}}); r.StatusCode != 422 ||
			!strings.Contains(r.Body, "Дәурен Серікұлы") || count() != 3 {
			t.Fatalf("list with a candidate already on it: %d, %d candidates", r.StatusCode, count())
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'elections.candidates_list'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit entries: %d (%v)", n, err)
		}

		// A member nominates another: it waits, and the nominee is told.
		if r := mc.PostForm("/kk/elections/"+id+"/candidates", url.Values{"email": {ms[3].Email}}); r.StatusCode != 303 {
			t.Fatalf("nominate: %d %s", r.StatusCode, r.Body)
		}
		var got []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(got) == 0; time.Sleep(20 * time.Millisecond) {
			got = mailTo(env, ms[3].Email)
		}
		if len(got) != 1 || !strings.Contains(got[0], "Мария Иванова") || !strings.Contains(got[0], "/kk/elections/"+id) {
			t.Fatalf("nominee's email: %q", got)
		}
		// Officers' candidates are not asked: no email to them.
		if got := mailTo(env, ms[0].Email); len(got) != 0 {
			t.Fatalf("an officer's candidate was emailed: %q", got)
		}
	})
}

// An election held under an agenda item: the item shows it, and its
// results once published.
func TestElectionUnderAgendaItem(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		s := newElection(t, env, 4, "choose") // an election without a meeting
		start := env.Clock.Now().Add(time.Hour)
		mk := func() string {
			r := env.Client().JSON("POST", "/api/v1/meetings", s.otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп беру жиналысы"},"kind":"report",
				"format":"in_person","address":"Орал","starts_at":%q,"ends_at":%q,"invite":"members"}`, s.org,
				start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
			if r.StatusCode != 201 {
				t.Fatalf("meeting: %d %s", r.StatusCode, r.Body)
			}
			return decode[map[string]any](t, r)["id"].(string)
		}
		m1, m2 := mk(), mk()
		off := env.Client()
		off.SignIn(s.officer)
		for _, m := range []string{m1, m2} {
			if r := off.PostForm("/kk/meetings/"+m+"/agenda", url.Values{"title": {"Делегаттар сайлау"}}); r.StatusCode != 303 {
				t.Fatalf("item: %d", r.StatusCode)
			}
		}
		var item1, item2 int64
		if err := d.QueryRow(ctx, "SELECT (SELECT id FROM meeting_agenda_items WHERE meeting_id = ?), (SELECT id FROM meeting_agenda_items WHERE meeting_id = ?)",
			m1, m2).Scan(&item1, &item2); err != nil {
			t.Fatal(err)
		}
		// The form offers the meeting's items.
		if r := off.Get(fmt.Sprintf("/kk/elections/new?org=%d&meeting=%s&item=%d", s.org, m1, item1)); !strings.Contains(r.Body, fmt.Sprintf(`<option value="%d" selected>`, item1)) {
			t.Fatalf("new election form:\n%s", r.Body)
		}
		body := func(meeting string, item int64) string {
			return fmt.Sprintf(`{"organization_id":"%d",%s"agenda_item_id":"%d","title":{"kk":"Қалалық конференцияға делегаттар"},"seats":1,"method":"choose",
				"electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0}`, s.org, meeting, item, s.org)
		}
		if r := env.Client().JSON("POST", "/api/v1/elections", s.otok, body(`"meeting_id":"`+m1+`",`, item2)); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"agenda_item_id"`) {
			t.Fatalf("item of another meeting: %d %s", r.StatusCode, r.Body)
		}
		r := env.Client().JSON("POST", "/api/v1/elections", s.otok, body("", item1))
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		e := decode[map[string]any](t, r)
		if e["meeting_id"] != m1 || e["agenda_item_id"] != fmt.Sprint(item1) {
			t.Fatalf("meeting and item: %v %v", e["meeting_id"], e["agenda_item_id"])
		}
		eid := e["id"].(string)
		if r := env.Client().JSON("POST", "/api/v1/elections/"+eid+"/candidates", s.otok, fmt.Sprintf(`{"person_id":"%d"}`, s.members[0].User.ID)); r.StatusCode != 201 {
			t.Fatalf("candidate: %d", r.StatusCode)
		}
		cid := decode[map[string]any](t, env.Client().JSON("GET", "/api/v1/elections/"+eid, "", ""))["candidates"].([]any)[0].(map[string]any)["id"].(string)
		for _, step := range []string{"open"} {
			if r := env.Client().JSON("POST", "/api/v1/elections/"+eid+"/"+step, s.otok, ""); r.StatusCode != 200 {
				t.Fatalf("%s: %d", step, r.StatusCode)
			}
		}
		for _, p := range s.members[:3] {
			if r := env.Client().JSON("POST", "/api/v1/elections/"+eid+"/ballots", token(t, env, p), fmt.Sprintf(`{"choices":[%q]}`, cid)); r.StatusCode != 201 {
				t.Fatalf("ballot: %d", r.StatusCode)
			}
		}
		page := env.Client().Get("/kk/meetings/" + m1)
		item := page.Body[strings.Index(page.Body, fmt.Sprintf(`id="item-%d"`, item1)):]
		if !strings.Contains(item, `id="election-`+eid+`"`) || strings.Contains(item, "Сайланды") {
			t.Fatalf("the item does not show its election:\n%s", page.Body)
		}
		for _, step := range []string{"close", "publish"} {
			if r := env.Client().JSON("POST", "/api/v1/elections/"+eid+"/"+step, s.otok, ""); r.StatusCode != 200 {
				t.Fatalf("%s: %d", step, r.StatusCode)
			}
		}
		page = env.Client().Get("/kk/meetings/" + m1)
		item = page.Body[strings.Index(page.Body, fmt.Sprintf(`id="item-%d"`, item1)):]
		item = item[:strings.Index(item, "</li>\n")]
		if !strings.Contains(item, "Сайланды") || !strings.Contains(item, s.members[0].User.Name) || !strings.Contains(item, "4 сайлаушының 3 дауыс берді") {
			t.Fatalf("the item does not show the results:\n%s", item)
		}
		// The other election of the organization is not the meeting's.
		if strings.Contains(page.Body, `id="election-`+s.id+`"`) {
			t.Fatal("an election of no meeting is shown on the meeting page")
		}
	})
}

// The chair proposes a whole list through the API ({"person_ids":[…]}):
// officers only, all or nothing; the one-person shape still works.
func TestChairsListThroughTheAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Бастауыш партия ұйымы")
		officer := env.NewPerson()
		env.Grant(officer, org, "moderator")
		otok := token(t, env, officer)
		var members []apptest.Person
		for range 5 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			members = append(members, p)
		}
		outsider := env.NewPerson()
		c := env.Client()
		r := c.JSON("POST", "/api/v1/elections", otok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Делегаттар сайлауы"},
			"seats":2,"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0.5}`, org, org))
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		id := decode[map[string]any](t, r)["id"].(string)
		path := "/api/v1/elections/" + id + "/candidates"
		ids := func(ps ...apptest.Person) string {
			var q []string
			for _, p := range ps {
				q = append(q, fmt.Sprintf("%q", fmt.Sprint(p.User.ID)))
			}
			return `{"person_ids":[` + strings.Join(q, ",") + `]}`
		}
		count := func() int {
			var n int
			if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM election_candidates WHERE election_id = ?", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if r := c.JSON("POST", path, token(t, env, members[4]), ids(members[0], members[1])); r.StatusCode != 403 || count() != 0 {
			t.Fatalf("a member proposed a list: %d, %d candidates", r.StatusCode, count())
		}
		if r := c.JSON("POST", path, otok, ids(members[0], outsider)); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"person_ids"`) || count() != 0 {
			t.Fatalf("a list with an outsider: %d %s, %d candidates", r.StatusCode, r.Body, count())
		}
		r = c.JSON("POST", path, otok, ids(members[0], members[1], members[2]))
		list := decode[struct {
			Items []struct {
				PersonID string `json:"person_id"`
				Status   string `json:"status"`
			} `json:"items"`
		}](t, r)
		if r.StatusCode != 201 || len(list.Items) != 3 || list.Items[2].PersonID != fmt.Sprint(members[2].User.ID) || list.Items[0].Status != "accepted" {
			t.Fatalf("the chair's list: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", path, otok, ids(members[3], members[1])); r.StatusCode != 422 || count() != 3 {
			t.Fatalf("a list with a candidate already on it: %d %s, %d candidates", r.StatusCode, r.Body, count())
		}
		if r := c.JSON("POST", path, otok, fmt.Sprintf(`{"person_id":"%d","person_ids":["%d"]}`, members[3].User.ID, members[4].User.ID)); r.StatusCode != 422 || count() != 3 {
			t.Fatalf("both shapes at once: %d", r.StatusCode)
		}
		if r := c.JSON("POST", path, otok, fmt.Sprintf(`{"person_id":"%d"}`, members[3].User.ID)); r.StatusCode != 201 ||
			decode[map[string]any](t, r)["status"] != "accepted" || count() != 4 {
			t.Fatalf("one candidate: %d %s", r.StatusCode, r.Body)
		}
	})
}

// fakeMessenger stands for the Telegram bot: people in linked have a chat.
type fakeMessenger struct {
	mu     sync.Mutex
	linked map[int64]bool
	got    map[int64]string
}

func (f *fakeMessenger) SendText(_ context.Context, userID int64, text string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.linked[userID] {
		return false, nil
	}
	f.got[userID] = text
	return true, nil
}

// With a messenger set, a voter with a linked chat gets the code there
// instead of by email; a voter without an email address gets it there
// too; one reached no way keeps no code, so that a slip is printed.
func TestVotingCodesThroughTheMessenger(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		s := newElection(t, env, 5, "choose")
		ctx := context.Background()
		m := s.members
		execSQL(t, d, "UPDATE users SET email = NULL WHERE id IN (?, ?)", m[2].User.ID, m[3].User.ID)
		tg := &fakeMessenger{linked: map[int64]bool{m[1].User.ID: true, m[2].User.ID: true}, got: map[int64]string{}}
		svc := elections.New(elections.Deps{DB: d, Auth: env.App.Auth, Keys: env.App.Keys, Mail: mail.NewSMTP(env.Mail.Config()),
			Catalog: env.App.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: env.URL, Messenger: tg})
		var id int64
		fmt.Sscan(s.id, &id)
		res, err := svc.EmailCodes(ctx, s.officer.User, id)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 4 || res.Telegram != 2 || res.NoEmail != 1 || res.Failed != 0 {
			t.Fatalf("%+v", res)
		}
		if len(mailTo(env, m[1].Email)) != 0 || len(mailTo(env, m[0].Email)) != 1 || len(mailTo(env, m[4].Email)) != 1 {
			t.Fatal("email went to the wrong voters")
		}
		code := codeRE.FindString(tg.got[m[2].User.ID])
		if code == "" || !strings.Contains(tg.got[m[2].User.ID], "/kk/elections/"+s.id+"?code=") || codeRE.FindString(tg.got[m[1].User.ID]) == "" {
			t.Fatalf("Telegram messages: %v", tg.got)
		}
		if r := env.Client().PostForm("/kk/elections/"+s.id+"/ballot", url.Values{"code": {code}, "choice": {s.cands[0]}}); r.StatusCode != 201 {
			t.Fatalf("vote with the code sent by Telegram: %d", r.StatusCode)
		}
		codes := decode[struct {
			Items []struct {
				PersonID string `json:"person_id"`
			} `json:"items"`
		}](t, env.Client().JSON("POST", "/api/v1/elections/"+s.id+"/codes", s.otok, `{"without_code":true}`))
		if len(codes.Items) != 1 || codes.Items[0].PersonID != fmt.Sprint(m[3].User.ID) {
			t.Fatalf("slips for voters reached no way: %+v", codes.Items)
		}
	})
}
