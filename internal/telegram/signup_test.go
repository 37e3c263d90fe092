package telegram_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/meetings"
	"github.com/ortaq/ortaq/internal/telegram"
)

// startApp runs Ortaq with its bot talking to a fake Bot API: the app's
// own bot polls (the only node), with the app's accounts, regions and
// home page panels.
func startApp(t *testing.T, d *db.DB) (*apptest.Env, *fakeAPI) {
	t.Helper()
	f := newFakeAPI(t)
	env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
		c.TelegramToken = testToken
		c.TelegramAPIURL = f.URL
	}})
	return env, f
}

// say sends text from chat (whose Telegram app speaks tgLang) and waits
// for the bot's answer, which must contain each of want.
func say(t *testing.T, f *fakeAPI, chat int64, tgLang, text string, want ...string) sentMessage {
	t.Helper()
	f.message(chat, tgLang, text)
	m := f.next(t)
	if m.ChatID != chat {
		t.Fatalf("answer to %q went to chat %d, want %d: %q", text, m.ChatID, chat, m.Text)
	}
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Errorf("answer to %q:\n%s\n-- does not contain %q", text, m.Text, w)
		}
	}
	return m
}

type account struct {
	ID                            int64
	Email                         sql.NullString
	Name, BirthDate, Region, Lang string
	ConsentRequired               bool
	GuardianName, GuardianEmail   sql.NullString
	Chat                          int64
}

// accountOfChat is the account linked to chat, as stored.
func accountOfChat(t *testing.T, d *db.DB, chat int64) account {
	t.Helper()
	var a account
	err := d.QueryRow(context.Background(), `SELECT u.id, u.email, u.name, u.birth_date, u.region, u.lang, u.consent_required,
		u.guardian_name, u.guardian_email, l.chat_id FROM users u JOIN telegram_links l ON l.user_id = u.id WHERE l.chat_id = ?`, chat).
		Scan(&a.ID, &a.Email, &a.Name, &a.BirthDate, &a.Region, &a.Lang, &a.ConsentRequired, &a.GuardianName, &a.GuardianEmail, &a.Chat)
	if err != nil {
		t.Fatalf("the account of chat %d: %v", chat, err)
	}
	return a
}

func signupStep(t *testing.T, d *db.DB, chat int64) string {
	t.Helper()
	var step string
	err := d.QueryRow(context.Background(), "SELECT step FROM telegram_signups WHERE chat_id = ?", chat).Scan(&step)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return step
}

// An adult signs up in English; bad answers are refused with the reason
// and asked again; the account is made, linked to the chat, and /start
// lists what is open now with links.
func TestSignUpAdult(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env, f := startApp(t, d)
		en := catalog.Printer(i18n.EN)
		site := env.URL

		// Before anything is open, /start says so and how to sign up.
		say(t, f, 7000, "en", "/start", "/signup", site+"/en/telegram", "Nothing is open right now", site+"/en/")

		// A meeting coming up is what /start lists, with its address.
		admin := env.NewPerson("admin")
		org := env.NewOrg(0, "Жастар қанаты")
		starts := env.Clock.Now().Add(48 * time.Hour).Truncate(time.Hour)
		meeting, err := env.App.Meetings.Create(ctx, admin.User, meetings.NewMeeting{OrgID: org, Kind: "report", Format: "online",
			Title: i18n.Text{KK: "Есеп беру жиналысы", EN: "Annual report meeting"}, OnlineURL: "https://meet.example.kz/x",
			StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Invite: "members"})
		if err != nil {
			t.Fatal(err)
		}
		meetingURL := site + "/en/meetings/" + strconv.FormatInt(meeting, 10)
		say(t, f, 7000, "en", "/start", "Open now:", "Annual report meeting", meetingURL, site+"/en/meetings")
		// In the reader's language: a Russian Telegram gets Russian.
		say(t, f, 7000, "ru", "/start", "Сейчас открыто:", site+"/ru/meetings/"+strconv.FormatInt(meeting, 10))

		// /signup: the language first, on a keyboard, asked in the
		// Telegram app's language.
		m := say(t, f, 7001, "en", "/signup", "Which language")
		for _, b := range []string{"Қазақша", "Qazaqşa", "Русский", "English"} {
			if !strings.Contains(m.Markup, b) {
				t.Errorf("language keyboard %s lacks %q", m.Markup, b)
			}
		}
		say(t, f, 7001, "en", "Klingon", "Please choose one of the buttons", "Which language")
		say(t, f, 7001, "en", "English", "What is your name?")

		// Each bad answer: the reason, then the question again.
		say(t, f, 7001, "en", strings.Repeat("A", 201), en.T("validation.too_long", "max", 200), "What is your name?")
		say(t, f, 7001, "en", "Aigerim Seitkali", "date of birth", "25.03.2008")
		if s := signupStep(t, d, 7001); s != "birth_date" {
			t.Fatalf("stored step %q after the name, want birth_date", s)
		}
		say(t, f, 7001, "en", "31.02.2000", en.T("validation.invalid_date"), "date of birth")
		say(t, f, 7001, "en", "yesterday", en.T("validation.invalid_date"), "date of birth")
		say(t, f, 7001, "en", "01.01.2099", en.T("validation.date_in_future"), "date of birth")
		young := env.Clock.Now().AddDate(-10, 0, 0).Format("02.01.2006")
		say(t, f, 7001, "en", young, "from the age of 14", "date of birth")
		m = say(t, f, 7001, "en", "15.05.2000", "Where do you live?")
		for _, r := range env.App.Regions.Options(i18n.EN) {
			if !strings.Contains(m.Markup, r.Name) {
				t.Errorf("region keyboard lacks %q", r.Name)
			}
		}
		say(t, f, 7001, "en", "Atlantis", "Please choose one of the buttons", "Where do you live?")
		// Any spelling of a region's name will do.
		m = say(t, f, 7001, "en", "shymkent", "Check your answers", "Aigerim Seitkali", en.Date(time.Date(2000, 5, 15, 0, 0, 0, 0, time.UTC)),
			"Shymkent", "Create my account")
		if strings.Contains(m.Text, "guardian") {
			t.Errorf("an adult is asked about a guardian:\n%s", m.Text)
		}
		if !strings.Contains(m.Markup, "Start again") {
			t.Errorf("no Start again button: %s", m.Markup)
		}
		say(t, f, 7001, "en", "maybe", "Please choose one of the buttons", "Check your answers")
		m = say(t, f, 7001, "en", "Create my account", "Done!", "(Aigerim Seitkali) is created and linked to this chat")
		if !strings.Contains(m.Markup, "remove_keyboard") {
			t.Errorf("the keyboard stays after sign-up: %s", m.Markup)
		}

		a := accountOfChat(t, d, 7001)
		if a.Name != "Aigerim Seitkali" || a.BirthDate != "2000-05-15" || a.Region != "KZ-79" || a.Lang != "en" ||
			a.Email.Valid || a.ConsentRequired || a.GuardianEmail.Valid {
			t.Fatalf("account as stored: %+v", a)
		}
		if s := signupStep(t, d, 7001); s != "" {
			t.Fatalf("the conversation is kept after sign-up (step %q)", s)
		}
		// Messages reach the new account through its chat.
		if ok, err := env.App.Telegram.SendText(ctx, a.ID, "hello"); err != nil || !ok {
			t.Fatalf("SendText to the new account = %v, %v", ok, err)
		}
		expect(t, f, 7001, "hello")

		// /start now greets the person, with what is open.
		say(t, f, 7001, "ru", "/start", "Hello, Aigerim Seitkali!", "Annual report meeting", meetingURL)
		// /lang changes the person's language, the site's too.
		say(t, f, 7000, "en", "/lang", "not linked")
		say(t, f, 7001, "kk", "/lang", "Which language shall I use?")
		say(t, f, 7001, "kk", "Klingon", "Please choose one of the buttons", "Which language shall I use?")
		say(t, f, 7001, "kk", "Русский", "теперь я пишу по-русски")
		if a := accountOfChat(t, d, 7001); a.Lang != "ru" {
			t.Fatalf("language after /lang: %q", a.Lang)
		}
		say(t, f, 7001, "en", "/help", "Команды:")
		say(t, f, 7001, "en", "/lang", "На каком языке")
		say(t, f, 7001, "en", "/cancel", "Язык остаётся прежним")
		say(t, f, 7001, "en", "/lang", "На каком языке")
		say(t, f, 7001, "en", "English", "I write in English")

		// A linked chat cannot make a second account.
		say(t, f, 7001, "en", "/signup", "already linked to the account of Aigerim Seitkali", "/stop")

		// A second sign-up without an email address is a second account
		// (no address to collide on).
		say(t, f, 7002, "kk", "/signup", "Қай тілде")
		say(t, f, 7002, "kk", "Қазақша", "Атыңыз кім?")
		say(t, f, 7002, "kk", "Бауыржан Омаров", "Туған күніңіз")
		say(t, f, 7002, "kk", "1999-12-01", "Қай жерде тұрасыз?")
		say(t, f, 7002, "kk", "Алматы қаласы", "Жауаптарыңызды тексеріңіз", "Алматы қаласы")
		// "Start again" goes back to the name, in the chosen language.
		say(t, f, 7002, "kk", "Қайта бастау", "Атыңыз кім?")
		say(t, f, 7002, "kk", "Бауыржан Омаров", "Туған күніңіз")
		say(t, f, 7002, "kk", "1.12.1999", "Қай жерде тұрасыз?")
		say(t, f, 7002, "kk", "Almaty", "Жауаптарыңызды тексеріңіз")
		say(t, f, 7002, "kk", "Аккаунт ашу", "Дайын!")
		if b := accountOfChat(t, d, 7002); b.ID == a.ID || b.Region != "KZ-75" || b.Lang != "kk" || b.BirthDate != "1999-12-01" {
			t.Fatalf("second account: %+v", b)
		}
	})
}

// A minor signs up in Latin-script Kazakh: the guardian's name and email
// are asked, a bad address refused; the account is limited and the
// guardian gets the consent request by email (a real SMTP listener), the
// same request the web's sign-up sends; consenting lifts the limit.
func TestSignUpMinor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, f := startApp(t, d)
		latn := catalog.Printer(i18n.KKLatn)
		cyrillic := func(s string) bool {
			return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
		}
		chat := int64(8001)
		// The Telegram app speaks Russian; the person picks Qazaqşa.
		say(t, f, chat, "ru", "/signup", "На каком языке")
		steps := []struct{ answer, want string }{
			{"Qazaqşa", latn.T("telegram.signup.ask_name", "site", "Ortaq")},
			{"Айжан Серікова", latn.T("telegram.signup.ask_birth_date")},
			{env.Clock.Now().AddDate(-15, 0, 0).Format("02.01.2006"), latn.T("telegram.signup.ask_region")},
			{"Ақмола облысы", latn.T("telegram.signup.ask_guardian_name", "min", 18)},
			{"Серік Ахметов", latn.T("telegram.signup.ask_guardian_email", "name", "Серік Ахметов")},
			{"not-an-email", latn.T("validation.invalid_email")},
			{"Parent@Example.kz", latn.T("telegram.signup.check_guardian", "name", "Серік Ахметов", "email", "Parent@Example.kz")},
		}
		for _, s := range steps {
			m := say(t, f, chat, "ru", s.answer, s.want)
			if cyrillic(strings.NewReplacer("Айжан Серікова", "", "Серік Ахметов", "").Replace(m.Text)) {
				t.Errorf("a kk-Latn reader gets Cyrillic:\n%s", m.Text)
			}
		}
		m := say(t, f, chat, "ru", latn.T("telegram.signup.create"), "parent@example.kz")
		if cyrillic(strings.ReplaceAll(m.Text, "Айжан Серікова", "")) {
			t.Errorf("a kk-Latn reader gets Cyrillic:\n%s", m.Text)
		}

		a := accountOfChat(t, d, chat)
		if a.Name != "Айжан Серікова" || a.Region != "KZ-11" || a.Lang != "kk-Latn" || !a.ConsentRequired ||
			a.GuardianName.String != "Серік Ахметов" || a.GuardianEmail.String != "parent@example.kz" || a.Email.Valid {
			t.Fatalf("account as stored: %+v", a)
		}
		u, err := env.App.Auth.UserByID(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Limited() {
			t.Fatal("a minor's account made in the chat is not limited before consent")
		}

		// The guardian's email: the sign-up's consent request, in the
		// child's language, naming the child.
		mail := env.Mail.WaitFor(t, "parent@example.kz", 10*time.Second)
		link := mailtest.FindLink(mail.Text, env.URL+"/kk-Latn/consent?token=")
		if link == "" || !strings.Contains(mail.Text, "Айжан Серікова") && !strings.Contains(mail.Text, "Aijan Serıkova") {
			t.Fatalf("consent email:\n%s", mail.Text)
		}
		token := link[strings.Index(link, "token=")+len("token="):]
		if r := env.Client().PostForm("/kk/consent", url.Values{"token": {token}, "guardian_name": {"Серік Ахметов"}}); r.StatusCode != http.StatusOK {
			t.Fatalf("consent: status %d\n%.2000s", r.StatusCode, r.Body)
		}
		if u, err = env.App.Auth.UserByID(context.Background(), a.ID); err != nil || u.Limited() {
			t.Fatalf("after consent: limited %v, %v", u != nil && u.Limited(), err)
		}
	})
}

// /cancel ends a sign-up; one left alone past its time is forgotten and
// the next answer is told so; the conversation lives in the database.
func TestSignUpCancelAndTimeout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, f := startApp(t, d)
		say(t, f, 9001, "en", "/cancel", "nothing to stop")
		say(t, f, 9001, "en", "/signup", "Which language")
		say(t, f, 9001, "en", "Русский", "Как вас зовут?")
		m := say(t, f, 9001, "en", "/cancel", "Регистрация прервана")
		if !strings.Contains(m.Markup, "remove_keyboard") {
			t.Errorf("the keyboard stays after /cancel: %s", m.Markup)
		}
		if s := signupStep(t, d, 9001); s != "" {
			t.Fatalf("a cancelled sign-up is kept at step %q", s)
		}
		say(t, f, 9001, "en", "Иван Петров", "/help")

		say(t, f, 9002, "en", "/signup", "Which language")
		say(t, f, 9002, "en", "English", "What is your name?")
		say(t, f, 9002, "en", "Dana Nurlan", "date of birth")
		env.Clock.Advance(61 * time.Minute)
		say(t, f, 9002, "en", "15.05.2000", "more than 60 minutes", "/signup")
		if s := signupStep(t, d, 9002); s != "" {
			t.Fatalf("a timed-out sign-up is kept at step %q", s)
		}
		say(t, f, 9002, "en", "15.05.2000", "I did not understand")

		// Another chat's sign-up, left more than twice the timeout, is
		// deleted by the next update whoever sends it.
		say(t, f, 9003, "en", "/signup", "Which language")
		env.Clock.Advance(121 * time.Minute)
		say(t, f, 9004, "en", "/help", "/signup")
		if s := signupStep(t, d, 9003); s != "" {
			t.Fatalf("a long-abandoned sign-up is kept at step %q", s)
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM users WHERE name IN ('Иван Петров', 'Dana Nurlan')").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d accounts from unfinished sign-ups (%v)", n, err)
		}
	})
}

// "Create my account" pressed many times at once (say, by two nodes during
// a change of poller) makes one account: the conversation's row is
// deleted in the transaction that makes it, and only one can.
func TestSignUpCreatedOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env, f := startApp(t, d)
		chat := int64(9501)
		say(t, f, chat, "en", "/signup", "Which language")
		say(t, f, chat, "en", "English", "What is your name?")
		say(t, f, chat, "en", "Marat Akhmetov", "date of birth")
		say(t, f, chat, "en", "02.02.2002", "Where do you live?")
		say(t, f, chat, "en", "Astana", "Check your answers")
		const n = 10
		var wg sync.WaitGroup
		failed := make([]error, n)
		for i := range n {
			wg.Go(func() { failed[i] = env.App.Telegram.CreateSignup(ctx, chat) })
		}
		wg.Wait()
		for i, err := range failed {
			if err != nil {
				t.Errorf("press %d: %v", i, err)
			}
		}
		var accounts, links int
		if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM users WHERE name = 'Marat Akhmetov'), (SELECT COUNT(*) FROM telegram_links WHERE chat_id = ?)",
			chat).Scan(&accounts, &links); err != nil {
			t.Fatal(err)
		}
		if accounts != 1 || links != 1 {
			t.Fatalf("%d accounts and %d links from one sign-up pressed %d times; want 1 and 1", accounts, links, n)
		}
		expect(t, f, chat, "Done!")
		f.none(t)
	})
}

// A sign-up carries on across a restart, or on another node: the
// conversation is in the database, not in the bot that began it.
func TestSignUpSurvivesRestart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{}) // its own bot is off: the two below poll
		f := newFakeAPI(t)
		node := func() *telegram.Bot {
			b, err := telegram.New(telegram.Deps{Config: telegram.Config{Token: testToken, APIURL: f.URL, BaseURL: env.URL, SiteName: "Ortaq",
				PollTimeout: 2 * time.Second, LeaseTTL: 300 * time.Millisecond}, DB: d, Catalog: catalog,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: env.App.Auth, Regions: env.App.Regions, Now: env.App.Web})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		stop := run(t, node())
		say(t, f, 9801, "ru", "/signup", "На каком языке")
		say(t, f, 9801, "ru", "Русский", "Как вас зовут?")
		say(t, f, 9801, "ru", "Ерлан Сатыбалды", "дата рождения")
		stop()

		run(t, node())
		say(t, f, 9801, "ru", "03.04.2001", "Где вы живёте?")
		say(t, f, 9801, "ru", "город Алматы", "Проверьте ответы", "Ерлан Сатыбалды")
		say(t, f, 9801, "ru", "Создать аккаунт", "Готово!")
		if a := accountOfChat(t, d, 9801); a.Name != "Ерлан Сатыбалды" || a.BirthDate != "2001-04-03" || a.Region != "KZ-75" || a.Lang != "ru" {
			t.Fatalf("account as stored: %+v", a)
		}
	})
}
