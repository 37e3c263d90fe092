package telegram_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// offerButtons reads the Accept and Decline data of an inline keyboard.
func offerButtons(t *testing.T, m sentMessage) (labels []string, accept, decline string) {
	t.Helper()
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(m.Markup), &kb); err != nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 2 {
		t.Fatalf("no inline Accept / Decline buttons under %q: %s (%v)", m.Text, m.Markup, err)
	}
	for _, b := range kb.InlineKeyboard[0] {
		labels = append(labels, b.Text)
	}
	return labels, kb.InlineKeyboard[0][0].CallbackData, kb.InlineKeyboard[0][1].CallbackData
}

// A waiting person with a linked chat is offered a freed seat in the chat,
// in their language, with the expiry in Almaty time and Accept / Decline
// buttons; pressing Accept enrols them, as the web's button does, and a
// second press counts once. An offer that ran out is refused in the chat;
// Decline passes the seat on.
func TestCourseOfferAnsweredInChat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env, f := startApp(t, d)
		svc := env.App.Courses
		org := env.NewOrg(0, "Ассамблея хатшылығы")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		now := env.Clock.Now()
		c, _, err := svc.Create(ctx, boss.User, courses.NewCourse{OrgID: org, Capacity: 1,
			Title:    i18n.Text{KK: "Мемлекеттік тіл курсы", RU: "Курс казахского языка", EN: "Kazakh for association leaders"},
			Schedule: courses.Schedule{Weekdays: courses.Weekdays, Start: "18:00", Minutes: 90, From: now.AddDate(0, 0, 1).In(i18n.Almaty).Format("2006-01-02"), To: now.AddDate(0, 0, 20).In(i18n.Almaty).Format("2006-01-02")},
			Place:    "Шымкент"})
		if err != nil {
			t.Fatal(err)
		}
		link := func(p apptest.Person, chat int64, l i18n.Lang) {
			t.Helper()
			if err := env.App.Auth.SetLanguage(ctx, p.User.ID, l); err != nil {
				t.Fatal(err)
			}
			code, _, err := env.App.Telegram.NewCode(ctx, p.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			say(t, f, chat, "en", "/start "+code)
		}
		a, b, cc, dd := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		link(b, 7701, i18n.RU)
		link(cc, 7702, i18n.EN)
		link(dd, 7703, i18n.EN)
		for _, p := range []apptest.Person{a, b, cc, dd} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		status := func(p apptest.Person) string {
			t.Helper()
			e, err := svc.Mine(ctx, p.User, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e.Status
		}
		enrolled := func() int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND status = 'enrolled'", c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// a leaves: b, first in line, is offered the seat in Russian.
		if err := svc.Leave(ctx, a.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		e, err := svc.Mine(ctx, b.User, c.ID)
		if err != nil || e.Status != courses.Offered {
			t.Fatalf("b: %+v %v", e, err)
		}
		m := f.next(t)
		until := env.App.Catalog.Printer(i18n.RU).DateTime(*e.OfferExpiresAt)
		if m.ChatID != 7701 || !strings.Contains(m.Text, "Курс казахского языка") || !strings.Contains(m.Text, until+" (по времени Алматы)") {
			t.Fatalf("offer to chat %d, want 7701 with the course and %q:\n%s", m.ChatID, until, m.Text)
		}
		labels, accept, _ := offerButtons(t, m)
		if strings.Join(labels, "|") != "Принять|Отказаться" {
			t.Fatalf("buttons %q", labels)
		}

		// Accept, twice: one enrolment, the second press told it counted.
		f.press(7701, accept)
		if m := f.next(t); m.ChatID != 7701 || !strings.Contains(m.Text, "Вы записаны на курс «Курс казахского языка»") {
			t.Fatalf("after accepting: %d %q", m.ChatID, m.Text)
		}
		if s := status(b); s != courses.Enrolled || enrolled() != 1 {
			t.Fatalf("b %q, %d enrolled", s, enrolled())
		}
		f.press(7701, accept)
		if m := f.next(t); m.ChatID != 7701 || !strings.Contains(m.Text, "Вы уже приняли это место") {
			t.Fatalf("second press: %d %q", m.ChatID, m.Text)
		}
		if got, _ := svc.Get(ctx, c.ID); enrolled() != 1 || got.SeatsTaken != 1 {
			t.Fatalf("after a second press: %d enrolled, %d seats taken", enrolled(), got.SeatsTaken)
		}
		answers, edits := f.callbackAnswers()
		if len(answers) != 2 || !strings.Contains(answers[0], "Вы записаны") || edits != 2 {
			t.Fatalf("callback answers %q, %d keyboards removed", answers, edits)
		}

		// b leaves: cc is offered, lets it run out, and presses Accept
		// after the seat went on to dd.
		if err := svc.Leave(ctx, b.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		m = f.next(t)
		if m.ChatID != 7702 || !strings.Contains(m.Text, "Kazakh for association leaders") || !strings.Contains(m.Text, "(Almaty time)") {
			t.Fatalf("offer to chat %d, want 7702:\n%s", m.ChatID, m.Text)
		}
		labels, lateAccept, _ := offerButtons(t, m)
		if strings.Join(labels, "|") != "Accept|Decline" {
			t.Fatalf("buttons %q", labels)
		}
		env.Clock.Advance(25 * time.Hour)
		if n, err := svc.ExpireOffers(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d (%v)", n, err)
		}
		// dd is offered the seat, and cc is told in the chat that theirs
		// ran out (a stored notice that allows Telegram goes there), in
		// either order.
		var toDD sentMessage
		toldCC := false
		for range 2 {
			m := f.next(t)
			switch {
			case m.ChatID == 7703:
				toDD = m
			case m.ChatID == 7702 && strings.Contains(m.Text, "Your offer has expired"):
				toldCC = true
			default:
				t.Fatalf("after expiry, a message to chat %d: %q", m.ChatID, m.Text)
			}
		}
		if !toldCC || toDD.ChatID == 0 {
			t.Fatalf("after expiry: cc told %v, dd offered %v", toldCC, toDD.ChatID != 0)
		}
		_, _, decline := offerButtons(t, toDD)
		f.press(7702, lateAccept)
		if m := f.next(t); m.ChatID != 7702 || !strings.Contains(m.Text, "Your offer has expired") {
			t.Fatalf("a press after expiry: %d %q", m.ChatID, m.Text)
		}
		if s := status(cc); s != "" {
			t.Fatalf("cc after a late press: %q", s)
		}
		// A press in another chat acts for that chat's person only: cc
		// pressing dd's button has no offer of their own.
		f.press(7702, decline)
		if m := f.next(t); m.ChatID != 7702 || !strings.Contains(m.Text, "You have no offered seat") {
			t.Fatalf("someone else's button: %d %q", m.ChatID, m.Text)
		}
		if s := status(dd); s != courses.Offered {
			t.Fatalf("dd's offer changed by another's press: %q", s)
		}
		f.press(7703, decline)
		if m := f.next(t); m.ChatID != 7703 || !strings.Contains(m.Text, "You declined the seat") {
			t.Fatalf("declining: %d %q", m.ChatID, m.Text)
		}
		if got, _ := svc.Get(ctx, c.ID); status(dd) != "" || got.SeatsTaken != 0 || got.Waiting != 0 {
			t.Fatalf("after declining: dd %q, %d taken, %d waiting", status(dd), got.SeatsTaken, got.Waiting)
		}
		// A button the bot does not know.
		f.press(7703, "zz:1")
		if m := f.next(t); m.ChatID != 7703 || !strings.Contains(m.Text, "no longer works") {
			t.Fatalf("unknown button: %q", m.Text)
		}
	})
}
