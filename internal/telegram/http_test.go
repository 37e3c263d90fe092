package telegram_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

var deepLink = regexp.MustCompile(`https://t\.me/` + testBotName + `\?start=([A-Za-z0-9_-]{22})`)

// The linking page, end to end: a person gets a deep link, the bot spends
// its code, the page shows the link, the person unlinks; deleting the
// account removes the link.
func TestPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFakeAPI(t)
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
			c.TelegramToken = testToken
			c.TelegramAPIURL = f.URL
		}})
		b := newBot(t, d, f.URL) // the poller; the app's own may hold the lease instead: same database, same answers
		run(t, b)

		if r := env.Client().Get("/en/telegram"); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/en/signin") {
			t.Fatalf("guest: status %d, Location %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := env.Client().PostForm("/en/telegram/code", nil); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guest asks for a code: status %d", r.StatusCode)
		}

		p := env.NewPerson()
		c := env.Client()
		c.SignIn(p)
		r := c.Get("/en/telegram")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `id="telegram-not-linked"`) {
			t.Fatalf("page: status %d\n%.2000s", r.StatusCode, r.Body)
		}
		r = c.PostForm("/en/telegram/code", nil)
		m := deepLink.FindStringSubmatch(html.UnescapeString(r.Body))
		if r.StatusCode != http.StatusCreated || m == nil {
			t.Fatalf("code: status %d, no deep link\n%.3000s", r.StatusCode, r.Body)
		}
		if !strings.Contains(r.Body, "/start "+m[1]) {
			t.Errorf("the page does not show the /start message")
		}
		f.message(4242, "en", "/start "+m[1])
		expect(t, f, 4242, "is linked")
		if r := c.Get("/en/telegram"); !strings.Contains(r.Body, `id="telegram-linked"`) {
			t.Fatalf("after /start the page does not show the link\n%.2000s", r.Body)
		}
		if ok, err := b.SendText(ctx, p.User.ID, "hello"); err != nil || !ok {
			t.Fatalf("SendText = %v, %v", ok, err)
		}
		expect(t, f, 4242, "hello")

		r = c.PostForm("/en/telegram/unlink", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlink: status %d", r.StatusCode)
		}
		if r := c.Get("/en/telegram"); !strings.Contains(r.Body, `id="telegram-not-linked"`) || !strings.Contains(r.Body, "Telegram is unlinked.") {
			t.Fatalf("after unlinking\n%.2000s", r.Body)
		}

		// Deleting the account takes the link with it. (Reading a page in
		// Kazakh makes Kazakh the person's language: the bot follows.)
		c.Get("/kk/telegram")
		m = deepLink.FindStringSubmatch(html.UnescapeString(c.PostForm("/kk/telegram/code", nil).Body))
		if m == nil {
			t.Fatal("no second code")
		}
		f.message(4242, "kk", "/start "+m[1])
		expect(t, f, 4242, "байланыстырылды")
		if r := c.PostForm("/kk/profile/delete", url.Values{"password": {p.Password}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete account: status %d", r.StatusCode)
		}
		var links int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM telegram_links").Scan(&links); err != nil {
			t.Fatal(err)
		}
		if links != 0 {
			t.Fatalf("%d links left after the account was deleted", links)
		}

		// A minor without a guardian's consent may not link yet.
		minor := env.Client()
		minor.SignIn(env.NewPerson("minor"))
		if r := minor.PostForm("/en/telegram/code", nil); r.StatusCode != http.StatusForbidden {
			t.Fatalf("minor asks for a code: status %d", r.StatusCode)
		}
		if r := minor.Get("/en/telegram"); r.StatusCode != http.StatusOK || strings.Contains(r.Body, `action="/en/telegram/code"`) {
			t.Fatalf("minor's page: status %d, or offers a code\n%.2000s", r.StatusCode, r.Body)
		}
	})
}

// Without a token the page says the bot is off and gives no code.
func TestPageOff(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	c := env.Client()
	c.SignIn(env.NewPerson())
	if r := c.Get("/ru/telegram"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `id="telegram-off"`) {
		t.Fatalf("page: status %d\n%.2000s", r.StatusCode, r.Body)
	}
	if r := c.PostForm("/ru/telegram/code", nil); r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "не подключён") {
		t.Fatalf("code: status %d\n%.2000s", r.StatusCode, r.Body)
	}
	if r := c.PostForm("/ru/telegram/unlink", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("unlink: status %d", r.StatusCode)
	}
}
