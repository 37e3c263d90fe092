package meetings_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

// editForm is the edit form as the page fills it, with changes.
func editForm(start time.Time, change url.Values) url.Values {
	f := url.Values{"title_kk": {"Есеп беру жиналысы"}, "title_ru": {"Отчётное собрание"}, "kind": {"report"}, "format": {"hybrid"},
		"invite": {"members"}, "address": {"Орал қ., Достық даңғылы, 12"}, "online_url": {"https://meet.example.kz/x"},
		"starts_at": {start.In(time.FixedZone("", 5*3600)).Format("2006-01-02T15:04")},
		"ends_at":   {start.Add(2 * time.Hour).In(time.FixedZone("", 5*3600)).Format("2006-01-02T15:04")}, "quorum": {"50"}}
	for k, v := range change {
		f[k] = v
	}
	return f
}

func waitMail(t *testing.T, env *apptest.Env, to, contains string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject+m.Text, contains) {
				return m.Subject + "\n" + m.Text
			}
		}
	}
	t.Fatalf("no email to %s containing %q", to, contains)
	return ""
}

// Organizers edit a meeting (a larger capacity moves people up from the
// waiting list, who are told), edit and delete agenda items before the
// meeting, link a programme only when it exists, and call the meeting
// off: everyone registered is told in their own language.
func TestEditMeetingAgendaAndCancel(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Ана кеңесі")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		ctok := token(t, env, chair)
		cc := env.Client()
		cc.SignIn(chair)

		// A programme must exist to be linked.
		bad := env.Client().JSON("POST", "/api/v1/meetings", ctok, fmt.Sprintf(`{"organization_id":"%d","programme_id":"999999","title":{"kk":"Кездесу"},
			"kind":"qa","format":"online","online_url":"https://meet.example.kz/a","starts_at":"2030-04-01T05:00:00Z","ends_at":"2030-04-01T06:00:00Z","invite":"anyone"}`, org))
		if bad.StatusCode != 422 || !strings.Contains(bad.Body, `"field":"programme_id"`) {
			t.Fatalf("unknown programme: %d %s", bad.StatusCode, bad.Body)
		}
		var prog int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "INSERT INTO programmes (org_id, title_kk, created_at, updated_at) VALUES (?, 'Жастар – Отанға!', ?, ?) RETURNING id",
				org, tx.Now, tx.Now).Scan(&prog)
		}); err != nil {
			t.Fatal(err)
		}
		id := createMeeting(t, env, ctok, org, fmt.Sprintf(`,"capacity":1,"programme_id":"%d"`, prog))
		var start time.Time
		m := decode[map[string]any](t, env.Client().Get("/api/v1/meetings/"+id))
		if m["programme_id"] != fmt.Sprint(prog) {
			t.Fatalf("programme not linked: %v", m["programme_id"])
		}
		start, _ = time.Parse(time.RFC3339, m["starts_at"].(string))

		// Three register for one place.
		var people []apptest.Person
		for i := range 3 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			if i == 2 {
				exec(t, d, "UPDATE users SET lang = 'ru' WHERE id = ?", p.User.ID)
			}
			if r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", token(t, env, p), ""); r.StatusCode != 200 {
				t.Fatalf("register: %d", r.StatusCode)
			}
			people = append(people, p)
		}
		// The edit form is filled in; guests and members cannot use it.
		if r := cc.Get("/kk/meetings/" + id + "/edit"); r.StatusCode != 200 || !strings.Contains(r.Body, `value="Есеп беру жиналысы"`) ||
			!strings.Contains(r.Body, `id="cancel-meeting"`) {
			t.Fatalf("edit form: %d", r.StatusCode)
		}
		mc := env.Client()
		mc.SignIn(people[0])
		if r := mc.PostForm("/kk/meetings/"+id+"/edit", editForm(start, nil)); r.StatusCode != 403 {
			t.Fatalf("a member edited: %d", r.StatusCode)
		}
		// Bad input: each refused with a message, nothing changed.
		for _, change := range []url.Values{{"programme_id": {"424242"}}, {"ends_at": {"2020-01-01T10:00"}}, {"title_kk": {" "}, "title_ru": {""}},
			{"online_url": {"ftp://x"}}, {"kind": {"party"}}} {
			r := cc.PostForm("/kk/meetings/"+id+"/edit", editForm(start, change))
			if r.StatusCode != 422 || !strings.Contains(r.Body, "field-error") {
				t.Fatalf("edit with %v: %d", change, r.StatusCode)
			}
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/edit", editForm(start, url.Values{"programme_id": {"424242"}})); !strings.Contains(r.Body, "Мұндай бағдарлама жоқ") {
			t.Fatal("no message for an unknown programme")
		}
		// Two places: the first on the waiting list moves up and is told.
		r := cc.PostForm("/kk/meetings/"+id+"/edit", editForm(start, url.Values{"capacity": {"2"}, "title_kk": {"Жылдық есеп беру жиналысы"}}))
		if r.StatusCode != 303 {
			t.Fatalf("edit: %d %s", r.StatusCode, r.Body)
		}
		var registered, waiting int
		if err := d.QueryRow(ctx, `SELECT (SELECT registered_count FROM meetings WHERE id = ?),
			(SELECT COUNT(*) FROM meeting_registrations WHERE meeting_id = ? AND status = 'waitlist')`, id, id).Scan(&registered, &waiting); err != nil {
			t.Fatal(err)
		}
		if registered != 2 || waiting != 1 {
			t.Fatalf("after more places: %d registered, %d waiting", registered, waiting)
		}
		waitMail(t, env, people[1].Email, "/meetings/"+id)
		if r := env.Client().Get("/kk/meetings/" + id); !strings.Contains(r.Body, "Жылдық есеп беру жиналысы") {
			t.Fatal("new title not shown")
		}
		// Fewer places than people registered: refused.
		if r := cc.PostForm("/kk/meetings/"+id+"/edit", editForm(start, url.Values{"capacity": {"1"}})); r.StatusCode != 422 || !strings.Contains(r.Body, "2 адам тіркеліп") {
			t.Fatalf("capacity below registrations: %d", r.StatusCode)
		}

		// Agenda items: edit and delete before the meeting.
		for _, title := range []string{"Есеп", "Сайлау"} {
			if r := cc.PostForm("/kk/meetings/"+id+"/agenda", url.Values{"title": {title}}); r.StatusCode != 303 {
				t.Fatalf("add item: %d", r.StatusCode)
			}
		}
		var item1, item2 int64
		if err := d.QueryRow(ctx, "SELECT MIN(id), MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", id).Scan(&item1, &item2); err != nil {
			t.Fatal(err)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/edit", id, item1), url.Values{"title": {""}}); r.StatusCode != 422 ||
			!strings.Contains(r.Body, fmt.Sprintf(`id="e-title-%d"`, item1)) {
			t.Fatalf("empty item title: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/edit", id, item1), url.Values{"title": {"Жылдық есеп"}, "presenter": {"Төраға"},
			"duration_min": {"25"}, "attachments": {"https://example.kz/esep.pdf"}}); r.StatusCode != 303 {
			t.Fatalf("edit item: %d %s", r.StatusCode, r.Body)
		}
		// Removing an item is confirmed on a page first.
		if r := cc.PostForm(fmt.Sprintf("/ru/meetings/%s/agenda/%d/delete", id, item2), nil); r.StatusCode != 200 || !strings.Contains(r.Body, `id="confirm-form"`) ||
			!strings.Contains(r.Body, "Убрать вопрос") {
			t.Fatalf("delete item without a confirmation: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/delete", id, item2), url.Values{"confirmed": {"1"}}); r.StatusCode != 303 {
			t.Fatalf("delete item: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/decisions", url.Values{"agenda_item_id": {fmt.Sprint(item1)}, "text": {"Қабылдансын."},
			"mode": {"counted"}, "votes_for": {"3"}}); r.StatusCode != 303 {
			t.Fatalf("decision: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/delete", id, item1), nil); r.StatusCode != 409 {
			t.Fatalf("deleted an item with a decision: %d", r.StatusCode)
		}
		page := env.Client().Get("/kk/meetings/" + id)
		if !strings.Contains(page.Body, "Жылдық есеп") || strings.Contains(page.Body, "Сайлау</strong>") || !strings.Contains(page.Body, "esep.pdf") {
			t.Fatalf("agenda after edits:\n%s", page.Body)
		}

		// Calling the meeting off: people are told, in their language.
		if r := mc.PostForm("/kk/meetings/"+id+"/cancel-meeting", nil); r.StatusCode != 403 {
			t.Fatalf("a member cancelled: %d", r.StatusCode)
		}
		conf := cc.PostForm("/en/meetings/"+id+"/cancel-meeting", url.Values{"reason": {"Зал жөндеуде."}})
		if conf.StatusCode != 200 || !strings.Contains(conf.Body, `name="reason" value="Зал жөндеуде."`) || !strings.Contains(conf.Body, "registered people are emailed") {
			t.Fatalf("cancel without a confirmation: %d\n%s", conf.StatusCode, conf.Body)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/cancel-meeting", url.Values{"reason": {"Зал жөндеуде."}, "confirmed": {"1"}}); r.StatusCode != 303 {
			t.Fatalf("cancel meeting: %d %s", r.StatusCode, r.Body)
		}
		waitMail(t, env, people[0].Email, "өтпейді")
		waitMail(t, env, people[1].Email, "Зал жөндеуде.")
		waitMail(t, env, people[2].Email, "Собрание отменено") // Russian reader, still waiting
		page = env.Client().Get("/kk/meetings/" + id)
		if !strings.Contains(page.Body, `id="cancelled"`) || strings.Contains(page.Body, `id="register"`) {
			t.Fatal("the page does not say the meeting is off")
		}
		late := env.NewPerson()
		env.Grant(late, org, "member")
		if r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", token(t, env, late), ""); r.StatusCode != 409 {
			t.Fatalf("registered for a cancelled meeting: %d", r.StatusCode)
		}
		if r := env.Client().JSON("POST", "/api/v1/meetings/"+id+"/questions", token(t, env, people[0]), `{"body":"Қашан қайта өтеді?"}`); r.StatusCode != 409 {
			t.Fatalf("question at a cancelled meeting: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/cancel-meeting", nil); r.StatusCode != 409 {
			t.Fatalf("cancelled twice: %d", r.StatusCode)
		}
		if r := env.Client().Get("/kk/meetings/" + id + "/meeting.ics"); !strings.Contains(r.Body, "STATUS:CANCELLED") {
			t.Fatalf("calendar not told:\n%s", r.Body)
		}
		for _, action := range []string{"meetings.update", "meetings.agenda_edit", "meetings.agenda_delete", "meetings.cancel"} {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil || n == 0 {
				t.Errorf("no audit entry %s", action)
			}
		}

		// After the start the agenda is fixed.
		id2 := createMeeting(t, env, ctok, org, "")
		if r := cc.PostForm("/kk/meetings/"+id2+"/agenda", url.Values{"title": {"Есеп"}}); r.StatusCode != 303 {
			t.Fatalf("add item: %d", r.StatusCode)
		}
		var item3 int64
		if err := d.QueryRow(ctx, "SELECT MAX(id) FROM meeting_agenda_items WHERE meeting_id = ?", id2).Scan(&item3); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(25 * time.Hour)
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/edit", id2, item3), url.Values{"title": {"Басқа"}}); r.StatusCode != 409 {
			t.Fatalf("edited the agenda during the meeting: %d", r.StatusCode)
		}
		if r := cc.PostForm(fmt.Sprintf("/kk/meetings/%s/agenda/%d/delete", id2, item3), nil); r.StatusCode != 409 {
			t.Fatalf("deleted an item during the meeting: %d", r.StatusCode)
		}
	})
}

// The quorum refreshes itself (htmx polls a small page, which works as a
// plain page too); an unchanged count answers 204 so nothing is swapped.
// The attendance search finds names in any case and either script.
func TestLiveQuorumAndNameSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Бастауыш ұйым")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		id := createMeeting(t, env, token(t, env, chair), org, "")
		cc := env.Client()
		cc.SignIn(chair)
		names := []string{"Әсел Нұрланқызы", "Ерлан Сапарұлы", "Ольга Ким"}
		var people []apptest.Person
		for _, n := range names {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			exec(t, d, "UPDATE users SET name = ? WHERE id = ?", n, p.User.ID)
			if r := env.Client().JSON("PUT", "/api/v1/meetings/"+id+"/registration", token(t, env, p), ""); r.StatusCode != 200 {
				t.Fatalf("register: %d", r.StatusCode)
			}
			people = append(people, p)
		}
		for q, want := range map[string][]string{
			"ӘСЕЛ":     {"Әсел Нұрланқызы"},
			"äsel":     {"Әсел Нұрланқызы"},
			"asel":     {"Әсел Нұрланқызы"},
			"сапарұлы": {"Ерлан Сапарұлы"},
			"ОЛЬГА":    {"Ольга Ким"},
			"ұлы":      {"Ерлан Сапарұлы"},
		} {
			r := cc.Get("/kk/meetings/" + id + "/attendance?q=" + url.QueryEscape(q))
			for _, n := range names {
				if got, w := strings.Contains(r.Body, n), strings.Contains(strings.Join(want, "|"), n); got != w {
					t.Errorf("search %q: %s shown %v, want %v", q, n, got, w)
				}
			}
		}

		// Before the start, organizers see the count; guests are told to wait.
		if r := env.Client().Get("/kk/meetings/" + id + "/quorum"); r.StatusCode != 200 || strings.Contains(r.Body, "мүшенің") {
			t.Fatalf("quorum before the start, to a guest: %d", r.StatusCode)
		}
		env.Clock.Advance(24*time.Hour + 30*time.Minute) // the meeting is under way
		page := env.Client().Get("/kk/meetings/" + id)
		if !strings.Contains(page.Body, `hx-get="/kk/meetings/`+id+`/quorum?since=0-3"`) || !strings.Contains(page.Body, `hx-trigger="every 5s"`) {
			t.Fatalf("the meeting page does not poll the quorum:\n%s", page.Body)
		}
		poll := func(since string) *apptest.Response {
			req, _ := http.NewRequest("GET", env.URL+"/kk/meetings/"+id+"/quorum?since="+since, nil)
			req.Header.Set("HX-Request", "true")
			return env.Client().Do(req)
		}
		if r := poll("0-3"); r.StatusCode != 204 {
			t.Fatalf("unchanged count: %d", r.StatusCode)
		}
		if r := cc.PostForm("/kk/meetings/"+id+"/attendance", url.Values{"user_id": {fmt.Sprint(people[0].User.ID)}}); r.StatusCode != 303 {
			t.Fatalf("mark present: %d", r.StatusCode)
		}
		r := poll("0-3")
		if r.StatusCode != 200 || !strings.Contains(r.Body, "Қатысып отыр: 3 мүшенің 1") || !strings.Contains(r.Body, "since=1-3") {
			t.Fatalf("changed count: %d\n%s", r.StatusCode, r.Body)
		}
		// Without JavaScript it is an ordinary page.
		if r := env.Client().Get("/ru/meetings/" + id + "/quorum"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="quorum"`) || !strings.Contains(r.Body, `lang="ru"`) {
			t.Fatalf("plain quorum page: %d", r.StatusCode)
		}
		// Once it is over, nothing polls any more.
		env.Clock.Advance(3 * time.Hour)
		if r := env.Client().Get("/kk/meetings/" + id); strings.Contains(r.Body, "hx-get") {
			t.Fatal("a finished meeting still polls")
		}
	})
}
