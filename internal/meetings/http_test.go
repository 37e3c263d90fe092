package meetings_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func decode[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.Body)
	}
	return v
}

// createMeeting makes a meeting through the API, tomorrow at 10:00 Almaty.
func createMeeting(t *testing.T, env *apptest.Env, tok string, org int64, extra string) string {
	t.Helper()
	start := env.Clock.Now().Add(24 * time.Hour).Truncate(time.Hour)
	body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп беру жиналысы","ru":"Отчётное собрание"},"kind":"report","format":"hybrid",
		"address":"Орал қ., Достық даңғылы, 12","online_url":"https://meet.example.kz/x","starts_at":%q,"ends_at":%q,"invite":"members"%s}`,
		org, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339), extra)
	r := env.Client().JSON("POST", "/api/v1/meetings", tok, body)
	if r.StatusCode != 201 {
		t.Fatalf("create meeting: %d %s", r.StatusCode, r.Body)
	}
	return decode[map[string]any](t, r)["id"].(string)
}

func TestMeetingRegistrationWaitlistQuestionsDecisions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		ctok := token(t, env, chair)
		// Bad input is refused with messages, nothing written.
		bad := env.Client().JSON("POST", "/api/v1/meetings", ctok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":""},"kind":"party","format":"online",
			"starts_at":"2026-05-01T10:00:00Z","ends_at":"2026-05-01T09:00:00Z","invite":"members"}`, org))
		if bad.StatusCode != 422 || !strings.Contains(bad.Body, `"field":"title"`) || !strings.Contains(bad.Body, `"field":"ends_at"`) ||
			!strings.Contains(bad.Body, `"field":"online_url"`) || !strings.Contains(bad.Body, `"field":"kind"`) {
			t.Fatalf("bad meeting: %d %s", bad.StatusCode, bad.Body)
		}
		id := createMeeting(t, env, ctok, org, `,"capacity":2`)

		var people []apptest.Person
		var toks []string
		for range 4 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			people = append(people, p)
			toks = append(toks, token(t, env, p))
		}
		outsider := env.NewPerson()
		if r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", token(t, env, outsider), ""); r.StatusCode != 403 {
			t.Fatalf("outsider registered: %d", r.StatusCode)
		}
		// Four register at once for two places: exactly two get them.
		statuses := make([]string, 4)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", toks[i], "")
				statuses[i] = decode[map[string]any](t, r)["status"].(string)
			})
		}
		wg.Wait()
		n := map[string]int{}
		for _, s := range statuses {
			n[s]++
		}
		if n["registered"] != 2 || n["waitlist"] != 2 {
			t.Fatalf("statuses %v", statuses)
		}
		if r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", toks[0], ""); r.StatusCode != 409 {
			t.Fatalf("second registration: %d", r.StatusCode)
		}
		// A registered person cancels: the first on the waiting list moves up and is told.
		var first, waiting int = -1, -1
		for i, s := range statuses {
			if s == "registered" && first < 0 {
				first = i
			}
		}
		var waitlisted []int
		for i, s := range statuses {
			if s == "waitlist" {
				waitlisted = append(waitlisted, i)
			}
		}
		// The earlier of the two on the waiting list.
		ctx := context.Background()
		var uid int64
		if err := d.QueryRow(ctx, "SELECT user_id FROM meeting_registrations WHERE status = 'waitlist' ORDER BY created_at, id LIMIT 1").Scan(&uid); err != nil {
			t.Fatal(err)
		}
		for _, i := range waitlisted {
			if people[i].User.ID == uid {
				waiting = i
			}
		}
		if r := env.Client().JSON("DELETE", "/api/v1/meetings/"+id+"/registration", toks[first], ""); r.StatusCode != 200 {
			t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
		}
		c := env.Client()
		c.SignIn(people[waiting])
		page := c.Get("/kk/meetings/" + id)
		if page.StatusCode != 200 || !strings.Contains(page.Body, `id="reg-status"`) || !strings.Contains(page.Body, "Сіз тіркелдіңіз") {
			t.Fatalf("promoted person's page: %d\n%s", page.StatusCode, page.Body)
		}
		found := false
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !found; time.Sleep(20 * time.Millisecond) {
			for _, m := range env.Mail.Messages() {
				if strings.EqualFold(m.To, people[waiting].Email) && strings.Contains(m.Text, "/meetings/"+id) {
					found = true
				}
			}
		}
		if !found {
			t.Fatal("the person who moved up was not told")
		}

		// Questions: ask, upvote once, answer; the answered list shows it.
		q := env.Client().JSON("POST", "/api/v1/meetings/"+id+"/questions", toks[1], `{"body":"Жастарға арналған жатақхана қашан салынады?"}`)
		if q.StatusCode != 201 {
			t.Fatalf("ask: %d %s", q.StatusCode, q.Body)
		}
		qid := decode[map[string]any](t, q)["id"].(string)
		if r := env.Client().JSON("POST", "/api/v1/meetings/"+id+"/questions", toks[1], `{"body":""}`); r.StatusCode != 422 {
			t.Fatalf("empty question: %d", r.StatusCode)
		}
		for range 2 {
			if r := c.PostForm("/kk/meetings/"+id+"/questions/"+qid+"/vote", nil); r.StatusCode != 303 {
				t.Fatalf("upvote: %d", r.StatusCode)
			}
		}
		var votes int
		if err := d.QueryRow(ctx, "SELECT votes FROM meeting_questions WHERE id = ?", qid).Scan(&votes); err != nil || votes != 1 {
			t.Fatalf("votes %d after upvoting twice (%v)", votes, err)
		}
		cc := env.Client()
		cc.SignIn(chair)
		if r := cc.PostForm("/kk/meetings/"+id+"/questions/"+qid+"/moderate", url.Values{"action": {"answer"}, "answer": {"2027 жылы."}}); r.StatusCode != 303 {
			t.Fatalf("answer: %d %s", r.StatusCode, r.Body)
		}
		if r := env.Client().Get("/ru/meetings/" + id + "?questions=answered"); !strings.Contains(r.Body, "2027 жылы.") {
			t.Fatal("answered question not on the public list")
		}

		// Agenda, check-in at the door, a unanimous decision, minutes.
		if r := cc.PostForm("/kk/meetings/"+id+"/agenda", url.Values{"title": {"Жылдық есеп"}, "presenter": {"Төраға"}, "duration_min": {"30"}}); r.StatusCode != 303 {
			t.Fatalf("agenda: %d %s", r.StatusCode, r.Body)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/agenda", url.Values{"title": {""}}); r.StatusCode != 422 || !strings.Contains(r.Body, "field-error") {
			t.Fatalf("empty agenda item: %d", r.StatusCode)
		}
		var tokenAtDoor string
		if err := d.QueryRow(ctx, "SELECT checkin_token FROM meeting_registrations WHERE user_id = ?", people[waiting].User.ID).Scan(&tokenAtDoor); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/kk/meetings/" + id + "/pass"); r.StatusCode != 200 || !strings.Contains(r.Body, "data:image/png;base64,") {
			t.Fatalf("pass: %d", r.StatusCode)
		}
		if r := cc.Get("/kk/meetings/" + id + "/checkin?t=" + tokenAtDoor); r.StatusCode != 200 || !strings.Contains(r.Body, people[waiting].User.Name) {
			t.Fatalf("checkin page: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/checkin", url.Values{"t": {tokenAtDoor}}); r.StatusCode != 303 {
			t.Fatalf("checkin: %d %s", r.StatusCode, r.Body)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/attendance", url.Values{"user_id": {fmt.Sprint(outsider.User.ID)}}); r.StatusCode != 422 {
			t.Fatalf("check-in of someone not registered: %d", r.StatusCode)
		}
		att := cc.Get("/kk/meetings/" + id + "/attendance")
		if !strings.Contains(att.Body, "Қатысып отыр: 4 мүшенің 1, кворумға 2 керек") {
			t.Fatalf("quorum line missing: %s", att.Body)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/decisions", url.Values{"text": {"Есеп қанағаттанарлық деп танылсын."}, "mode": {"counted"},
			"votes_for": {"42"}, "votes_against": {"0"}, "votes_abstain": {"0"}}); r.StatusCode != 303 {
			t.Fatalf("decision: %d %s", r.StatusCode, r.Body)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/decisions", url.Values{"text": {"x"}, "mode": {"counted"}}); r.StatusCode != 422 {
			t.Fatalf("decision without counts: %d", r.StatusCode)
		}
		// Minutes are a draft for organizers until approved, then public.
		if r := env.Client().Get("/kk/meetings/" + id + "/minutes.pdf"); r.StatusCode != 303 {
			t.Fatalf("draft minutes to a guest: %d", r.StatusCode)
		}
		// Not before the meeting has begun (a sanity check, translated).
		confirmed := url.Values{"confirmed": {"1"}}
		if r := cc.PostForm("/ru/meetings/"+id+"/minutes/approve", confirmed); r.StatusCode != 409 || !strings.Contains(r.Body, "Собрание ещё не началось") {
			t.Fatalf("approved before the start: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/minutes/approve", nil); r.StatusCode != 409 {
			t.Fatalf("confirmation before the start: %d", r.StatusCode)
		}
		env.Clock.Advance(25 * time.Hour) // the meeting is on
		// The button leads to a page that says what will happen; nothing
		// is approved until it is confirmed there.
		conf := cc.PostForm("/en/meetings/"+id+"/minutes/approve", nil)
		if conf.StatusCode != 200 || !strings.Contains(conf.Body, `id="confirm-form"`) || !strings.Contains(conf.Body, "nor the meeting itself can be changed") {
			t.Fatalf("confirmation page: %d\n%s", conf.StatusCode, conf.Body)
		}
		if r := env.Client().Get("/kk/meetings/" + id + "/minutes.pdf"); r.StatusCode != 303 {
			t.Fatalf("minutes public before the confirmation: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/minutes/approve", confirmed); r.StatusCode != 303 {
			t.Fatalf("approve: %d", r.StatusCode)
		}
		for _, l := range []string{"kk", "ru"} {
			pdf := env.Client().Get("/" + l + "/meetings/" + id + "/minutes.pdf")
			if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF") || pdf.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("minutes %s: %d", l, pdf.StatusCode)
			}
		}
		for _, l := range []string{"kk", "kk-Latn", "ru", "en"} {
			r := env.Client().Get("/" + l + "/meetings/" + id)
			if r.StatusCode != 200 || !strings.Contains(r.Body, `lang="`+l+`"`) || !strings.Contains(r.Body, "decision-") {
				t.Fatalf("%s page: %d", l, r.StatusCode)
			}
		}
		if r := env.Client().Get("/kk/meetings/" + id); !strings.Contains(r.Body, "Бірауыздан қабылданды") {
			t.Fatal("unanimous adoption is not shown")
		}
		ics := env.Client().Get(fmt.Sprintf("/ru/organizations/%d/meetings.ics", org))
		if ics.StatusCode != 200 || !strings.Contains(ics.Body, "BEGIN:VEVENT") || !strings.Contains(ics.Body, "SUMMARY:Отчётное собрание") ||
			!strings.Contains(ics.Body, "UID:meeting-"+id+"@") {
			t.Fatalf("feed: %d\n%s", ics.StatusCode, ics.Body)
		}
		// Every administrative step is in the audit log.
		for _, action := range []string{"meetings.create", "meetings.agenda_add", "meetings.attendance", "meetings.decision", "meetings.minutes_approve", "meetings.question_answer"} {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil || n == 0 {
				t.Errorf("no audit entry %s", action)
			}
		}
	})
}

func TestOnlineDecisionAmongPresentMembers(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Кеңес")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		id := createMeeting(t, env, token(t, env, chair), org, "")
		cc := env.Client()
		cc.SignIn(chair)
		var present, absent []*apptest.Client
		for i := range 6 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			c := env.Client()
			c.SignIn(p)
			if r := c.PostForm("/kk/meetings/"+id+"/register", nil); r.StatusCode != 303 {
				t.Fatalf("register: %d", r.StatusCode)
			}
			if i < 4 {
				if r := cc.PostForm("/kk/meetings/"+id+"/attendance", url.Values{"user_id": {fmt.Sprint(p.User.ID)}}); r.StatusCode != 303 {
					t.Fatalf("mark present: %d %s", r.StatusCode, r.Body)
				}
				present = append(present, c)
			} else {
				absent = append(absent, c)
			}
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/decisions", url.Values{"text": {"Делегаттар сайлансын."}, "mode": {"online"}}); r.StatusCode != 303 {
			t.Fatalf("decision: %d %s", r.StatusCode, r.Body)
		}
		var did int64
		if err := d.QueryRow(context.Background(), "SELECT id FROM meeting_decisions").Scan(&did); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/kk/meetings/%s/decisions/%d/vote", id, did)
		// Each present member tries three times at once: one vote each.
		var wg sync.WaitGroup
		for _, c := range present {
			for range 3 {
				wg.Go(func() { c.PostForm(path, url.Values{"choice": {"for"}}) })
			}
		}
		wg.Wait()
		if r := absent[0].PostForm(path, url.Values{"choice": {"against"}}); r.StatusCode != 403 {
			t.Fatalf("an absent member voted: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/ru/meetings/%s/decisions/%d/close", id, did), nil); r.StatusCode != 200 || !strings.Contains(r.Body, "Завершить голосование") {
			t.Fatalf("close without a confirmation: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/decisions/%d/close", id, did), url.Values{"confirmed": {"1"}}); r.StatusCode != 303 {
			t.Fatalf("close: %d", r.StatusCode)
		}
		var f, a, ab int
		if err := d.QueryRow(context.Background(), "SELECT votes_for, votes_against, votes_abstain FROM meeting_decisions WHERE id = ?", did).Scan(&f, &a, &ab); err != nil {
			t.Fatal(err)
		}
		if f != 4 || a != 0 || ab != 0 {
			t.Fatalf("counts %d/%d/%d, want 4/0/0", f, a, ab)
		}
		if r := present[0].PostForm(path, url.Values{"choice": {"for"}}); r.StatusCode != 409 {
			t.Fatalf("vote after closing: %d", r.StatusCode)
		}
		if r := env.Client().Get("/kk/meetings/" + id); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Бірауыздан қабылданды") {
			t.Fatal("unanimous online decision not shown")
		}
	})
}

// A handler answers once: a guest posting to a meeting path with a bad id
// gets the sign-in page alone (it used to get the sign-in page with a 404
// page glued after it), and a signed-in person gets the 404 page.
func TestMeetingPreambleAnswersOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		guest := env.Client()
		for _, path := range []string{"/kk/meetings/abc/register", "/kk/meetings/abc/agenda/x/move", "/kk/meetings/0/questions/1/vote"} {
			r := guest.PostForm(path, url.Values{})
			if r.StatusCode != http.StatusUnauthorized || strings.Count(r.Body, "</html>") != 1 {
				t.Errorf("guest %s: %d, %d pages\n%s", path, r.StatusCode, strings.Count(r.Body, "</html>"), r.Body)
			}
		}
		c := env.Client()
		c.SignIn(env.NewPerson())
		for _, path := range []string{"/kk/meetings/abc/register", "/kk/meetings/1/agenda/x/move"} {
			r := c.PostForm(path, url.Values{})
			if r.StatusCode != http.StatusNotFound || strings.Count(r.Body, "</html>") != 1 {
				t.Errorf("signed in %s: %d, %d pages\n%s", path, r.StatusCode, strings.Count(r.Body, "</html>"), r.Body)
			}
		}
	})
}
