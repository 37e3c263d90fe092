package telegram_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// signUpAdult makes an account in chat through the conversation, in English.
func signUpAdult(t *testing.T, f *fakeAPI, chat int64, name string) {
	t.Helper()
	say(t, f, chat, "en", "/signup", "Which language")
	say(t, f, chat, "en", "English", "What is your name?")
	say(t, f, chat, "en", name, "date of birth")
	say(t, f, chat, "en", "02.02.2002", "Where do you live?")
	say(t, f, chat, "en", "Astana", "Check your answers")
	say(t, f, chat, "en", "Create my account", "Done!")
}

// An account made in the chat is deleted from the chat, after a
// confirmation; one with a password is sent to the profile page.
func TestDeleteFromChat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env, f := startApp(t, d)
		say(t, f, 9601, "en", "/delete", "not linked")
		signUpAdult(t, f, 9601, "Nurlan Tokayev")
		id := accountOfChat(t, d, 9601).ID

		m := say(t, f, 9601, "en", "/delete", "(Nurlan Tokayev) for good", "Delete it?")
		if !strings.Contains(m.Markup, "Delete my account") || !strings.Contains(m.Markup, "Keep my account") {
			t.Errorf("no confirmation buttons: %s", m.Markup)
		}
		say(t, f, 9601, "en", "sure", "Please choose one of the buttons", "Delete it?")
		say(t, f, 9601, "en", "Keep my account", "stays as it is")
		say(t, f, 9601, "en", "/delete", "Delete it?")
		say(t, f, 9601, "en", "/cancel", "stays as it is")
		say(t, f, 9601, "en", "Delete my account", "I did not understand") // the question is over
		if a := accountOfChat(t, d, 9601); a.ID != id || a.Name != "Nurlan Tokayev" {
			t.Fatalf("the account changed before it was confirmed: %+v", a)
		}

		// Their data download comes as a file, the linked chat in it.
		m = say(t, f, 9601, "en", "/mydata", "Everything Ortaq keeps about you")
		var export struct {
			Profile    map[string]any `json:"profile"`
			Components struct {
				Telegram struct {
					ChatID int64 `json:"chat_id"`
				} `json:"telegram"`
			} `json:"components"`
		}
		if err := json.Unmarshal([]byte(m.Document), &export); err != nil || m.Filename != "ortaq-my-data.json" {
			t.Fatalf("data download %q: %v\n%s", m.Filename, err, m.Document)
		}
		if export.Profile["name"] != "Nurlan Tokayev" || export.Profile["birth_date"] != "2002-02-02" || export.Components.Telegram.ChatID != 9601 {
			t.Fatalf("data download:\n%s", m.Document)
		}

		say(t, f, 9601, "en", "/delete", "Delete it?")
		say(t, f, 9601, "en", "Delete my account", "is deleted", "/signup")
		var name string
		var deleted db.Time
		var birth, region sql.NullString
		if err := d.QueryRow(ctx, "SELECT name, birth_date, region, deleted_at FROM users WHERE id = ?", id).Scan(&name, &birth, &region, &deleted); err != nil {
			t.Fatal(err)
		}
		if name != "" || birth.Valid || region.Valid || !deleted.Valid {
			t.Fatalf("after deletion: name %q, birth %v, region %v, deleted %v", name, birth, region, deleted)
		}
		var links, audits int
		if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM telegram_links WHERE chat_id = 9601), (SELECT COUNT(*) FROM audit_log WHERE action = 'user.delete' AND target_id = ?)",
			strconv.FormatInt(id, 10)).Scan(&links, &audits); err != nil {
			t.Fatal(err)
		}
		if links != 0 || audits != 1 {
			t.Fatalf("after deletion: %d links, %d audit entries", links, audits)
		}
		say(t, f, 9601, "en", "/start", "Create an account right in this chat")

		// An account with a password (made on the web, linked by a code)
		// is not deleted from the chat.
		p := env.NewPerson()
		code, _, err := env.App.Telegram.NewCode(ctx, p.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		say(t, f, 9602, "en", "/start "+code, "байланыстырылды") // in the account's language, Kazakh
		say(t, f, 9602, "en", "/delete", "құпиясөзі бар", env.URL+"/kk/profile")
		if u, err := env.App.Auth.UserByID(ctx, p.User.ID); err != nil || u.Deleted {
			t.Fatalf("a web account was deleted from the chat (%v)", err)
		}
		say(t, f, 9602, "en", "/mydata", env.URL+"/kk/profile")
		if s := signupStep(t, d, 9602); s != "" {
			t.Fatalf("a conversation was started for a web account (step %q)", s)
		}
	})
}

var signinLink = regexp.MustCompile(`(/[a-zA-Z-]+/telegram/signin)\?code=([A-Za-z0-9_-]{22})`)

// An account made in the chat signs in on the site with a one-time link
// from the chat: the page's button spends it (opening the link does not);
// it works once, for ten minutes, while the chat is still the account's,
// and a new link replaces the old one.
func TestSignInFromChat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env, f := startApp(t, d)
		say(t, f, 9701, "en", "/signin", "not linked")
		signUpAdult(t, f, 9701, "Aruzhan Bek")
		link := func(chat int64) (page, code string) {
			t.Helper()
			m := say(t, f, chat, "en", "/signin", "sign-in link", "10 minutes", env.URL+"/en/telegram/signin?code=")
			g := signinLink.FindStringSubmatch(m.Text)
			if g == nil {
				t.Fatalf("no sign-in link in %q", m.Text)
			}
			return g[1], g[2]
		}
		signIn := func(code string) (*apptest.Client, int) {
			c := env.Client()
			r := c.PostForm("/en/telegram/signin", url.Values{"code": {code}})
			return c, r.StatusCode
		}

		page, code := link(9701)
		c := env.Client()
		for range 2 { // opening the page (a link preview, say) spends nothing
			if r := c.Get(page + "?code=" + code); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `id="telegram-signin"`) {
				t.Fatalf("sign-in page: status %d\n%.2000s", r.StatusCode, r.Body)
			}
		}
		r := c.PostForm("/en/telegram/signin", url.Values{"code": {code}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/en/me" {
			t.Fatalf("sign in: status %d, Location %q\n%.2000s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		if r := c.Get("/en/me"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Aruzhan Bek") {
			t.Fatalf("signed in from the chat, /en/me: status %d\n%.2000s", r.StatusCode, r.Body)
		}
		if _, status := signIn(code); status != http.StatusNotFound {
			t.Fatalf("a used link signs in again: %d", status)
		}

		// A new link replaces the one before.
		_, older := link(9701)
		_, newer := link(9701)
		if _, status := signIn(older); status != http.StatusNotFound {
			t.Fatalf("a replaced link signs in: %d", status)
		}
		if _, status := signIn(newer); status != http.StatusSeeOther {
			t.Fatalf("the newest link: %d", status)
		}
		// Ten minutes.
		_, late := link(9701)
		env.Clock.Advance(11 * time.Minute)
		if _, status := signIn(late); status != http.StatusNotFound {
			t.Fatalf("an expired link signs in: %d", status)
		}
		// Only while the chat is the account's.
		_, orphan := link(9701)
		say(t, f, 9701, "en", "/stop", "unlinked")
		if _, status := signIn(orphan); status != http.StatusNotFound {
			t.Fatalf("a link from a chat unlinked since signs in: %d", status)
		}

		// An account with a password signs in with it.
		p := env.NewPerson()
		lc, _, err := env.App.Telegram.NewCode(ctx, p.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		say(t, f, 9702, "en", "/start "+lc, "байланыстырылды")
		say(t, f, 9702, "en", "/signin", "құпиясөзі бар", env.URL+"/kk/signin")
		var codes int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM telegram_signin_codes WHERE user_id = ?", p.User.ID).Scan(&codes); err != nil || codes != 0 {
			t.Fatalf("%d sign-in codes for an account with a password (%v)", codes, err)
		}
	})
}
