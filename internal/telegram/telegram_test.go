package telegram_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/telegram"
)

const site = "https://ortaq.example"

var catalog = i18n.MustLoad()

func newBot(t *testing.T, d *db.DB, apiURL string) *telegram.Bot {
	t.Helper()
	b, err := telegram.New(telegram.Deps{Config: telegram.Config{Token: testToken, APIURL: apiURL, BaseURL: site, SiteName: "Ortaq",
		PollTimeout: 2 * time.Second, LeaseTTL: 300 * time.Millisecond}, DB: d, Catalog: catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run polls with b until the test ends; stop ends it earlier.
func run(t *testing.T, b *telegram.Bot) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("Run did not return within 10s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func mustCreateUser(tb testing.TB, d *db.DB, name, lang string) int64 {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := d.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "INSERT INTO users (name, email, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, strings.ToLower(name)+"@example.kz", lang, tx.Now, tx.Now).Scan(&id)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func mustCode(t *testing.T, b *telegram.Bot, userID int64) string {
	t.Helper()
	code, _, err := b.NewCode(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func chatOf(t *testing.T, b *telegram.Bot, userID int64) int64 {
	t.Helper()
	l, ok, err := b.LinkOf(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return 0
	}
	return l.ChatID
}

// expect waits for the bot's next message and checks where it went and
// that it contains each of want.
func expect(t *testing.T, f *fakeAPI, chat int64, want ...string) string {
	t.Helper()
	m := f.next(t)
	if m.ChatID != chat {
		t.Fatalf("message went to chat %d, want %d: %q", m.ChatID, chat, m.Text)
	}
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Errorf("message to %d %q does not contain %q", chat, m.Text, w)
		}
	}
	return m.Text
}

func TestBot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		f := newFakeAPI(t)
		b := newBot(t, d, f.URL)
		run(t, b)
		aigerim := mustCreateUser(t, d, "Aigerim", "en")
		bolat := mustCreateUser(t, d, "Bolat", "kk-Latn")
		sanzhar := mustCreateUser(t, d, "Sanzhar", "ru")

		// A valid code links the chat; the reply is in the person's
		// language, not their Telegram app's.
		code := mustCode(t, b, aigerim)
		f.message(555, "ru", "/start "+code)
		expect(t, f, 555, "Your Ortaq account (Aigerim) is linked", "/stop")
		if got := chatOf(t, b, aigerim); got != 555 {
			t.Fatalf("aigerim's chat = %d, want 555", got)
		}

		// SendText reaches the linked chat, and says false for a person
		// without one.
		if ok, err := b.SendText(ctx, aigerim, "Жиналыс ертең 10:00-де"); err != nil || !ok {
			t.Fatalf("SendText to a linked person = %v, %v", ok, err)
		}
		expect(t, f, 555, "Жиналыс ертең 10:00-де")
		if ok, err := b.SendText(ctx, sanzhar, "hello"); err != nil || ok {
			t.Fatalf("SendText to an unlinked person = %v, %v; want false, nil", ok, err)
		}
		f.none(t)

		// A code works once: from another chat it is refused, in that
		// Telegram app's language, with the address of a new one.
		f.message(777, "ru", "/start "+code)
		expect(t, f, 777, "ссылка недействительна", site+"/ru/telegram")
		if got := chatOf(t, b, aigerim); got != 555 {
			t.Fatalf("a used code moved aigerim's chat to %d", got)
		}
		// So is an unknown one.
		f.message(777, "en", "/start not-a-code")
		expect(t, f, 777, "This link is not valid", site+"/en/telegram")

		// An expired code is refused.
		late := mustCode(t, b, bolat)
		clock.Advance(31 * time.Minute)
		f.message(888, "kk", "/start "+late)
		expect(t, f, 888, "Бұл сілтеме жарамсыз", site+"/kk/telegram")
		if got := chatOf(t, b, bolat); got != 0 {
			t.Fatalf("an expired code linked bolat to %d", got)
		}
		// A new code replaces the one before it.
		older := mustCode(t, b, bolat)
		newer := mustCode(t, b, bolat)
		f.message(888, "kk", "/start "+older)
		expect(t, f, 888, "Бұл сілтеме жарамсыз")
		f.message(888, "kk", "/start "+newer)
		reply := expect(t, f, 888, "(Bolat)")
		if want := catalog.Printer(i18n.KKLatn).T("telegram.bot.linked", "site", "Ortaq", "name", "Bolat"); reply != want {
			t.Errorf("reply to a kk-Latn reader = %q, want %q", reply, want)
		}
		if strings.IndexFunc(reply, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0 {
			t.Errorf("reply to a kk-Latn reader has Cyrillic: %q", reply)
		}

		// /help answers in the linked person's language.
		f.message(555, "ru", "/help")
		expect(t, f, 555, "Ortaq is a platform", site+"/en/", "/stop")
		f.message(999, "kk", "/help")
		expect(t, f, 999, "Ortaq — Қазақстан жастарына", site+"/kk/")
		f.message(999, "en", "what is this?")
		expect(t, f, 999, "/help")

		// /stop unlinks.
		f.message(555, "ru", "/stop")
		expect(t, f, 555, "Your account is unlinked", site+"/en/telegram")
		if got := chatOf(t, b, aigerim); got != 0 {
			t.Fatalf("after /stop aigerim's chat = %d", got)
		}
		if ok, err := b.SendText(ctx, aigerim, "hello"); err != nil || ok {
			t.Fatalf("SendText after /stop = %v, %v; want false, nil", ok, err)
		}
		f.message(555, "ru", "/stop")
		expect(t, f, 555, "не привязан")

		// A chat belongs to one person: linking it to another unlinks the
		// first.
		f.message(888, "ru", "/start "+mustCode(t, b, sanzhar))
		expect(t, f, 888, "(Sanzhar) привязан")
		if a, c := chatOf(t, b, bolat), chatOf(t, b, sanzhar); a != 0 || c != 888 {
			t.Fatalf("after relinking chat 888: bolat %d, sanzhar %d", a, c)
		}

		// A person who blocked the bot cannot be reached: false, and the
		// link goes.
		f.block(888)
		if ok, err := b.SendText(ctx, sanzhar, "hello"); err != nil || ok {
			t.Fatalf("SendText to a chat that blocked the bot = %v, %v; want false, nil", ok, err)
		}
		if got := chatOf(t, b, sanzhar); got != 0 {
			t.Fatalf("a chat that blocked the bot stays linked: %d", got)
		}

		// Codes are for private chats only.
		f.groupMessage(-100, 321, "/start "+mustCode(t, b, aigerim))
		expect(t, f, -100, "private chat")
		f.groupMessage(-100, 321, "just talking")
		f.none(t)
		if got := chatOf(t, b, aigerim); got != 0 {
			t.Fatalf("a group chat was linked: %d", got)
		}

		// Every update is recorded as handled, for the next poller.
		var last int64
		if err := d.QueryRow(ctx, "SELECT last_update_id FROM telegram_poller").Scan(&last); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		want := f.nextID
		f.mu.Unlock()
		if last != want {
			t.Errorf("last_update_id = %d, want %d", last, want)
		}
	})
}

// Deleting an account (the users row stays as a tombstone) removes its
// link and codes.
func TestDeletedAccountForgotten(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFakeAPI(t)
		b := newBot(t, d, f.URL)
		u := mustCreateUser(t, d, "Dana", "kk")
		other := mustCreateUser(t, d, "Erlan", "kk")
		if _, err := b.LinkCode(ctx, mustCode(t, b, u), 42); err != nil {
			t.Fatal(err)
		}
		if _, err := b.LinkCode(ctx, mustCode(t, b, other), 43); err != nil {
			t.Fatal(err)
		}
		pending := mustCode(t, b, u)
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET email = NULL, name = '', deleted_at = ?, updated_at = ? WHERE id = ?", tx.Now, tx.Now, u)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var links, codes int
		if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM telegram_links WHERE user_id = ?), (SELECT COUNT(*) FROM telegram_link_codes WHERE user_id = ?)",
			u, u).Scan(&links, &codes); err != nil {
			t.Fatal(err)
		}
		if links != 0 || codes != 0 {
			t.Fatalf("after deletion: %d links, %d codes", links, codes)
		}
		if _, err := b.LinkCode(ctx, pending, 44); err == nil {
			t.Fatal("a deleted person's code still links")
		}
		if ok, err := b.SendText(ctx, u, "hello"); err != nil || ok {
			t.Fatalf("SendText to a deleted person = %v, %v", ok, err)
		}
		if got := chatOf(t, b, other); got != 43 {
			t.Fatalf("someone else's link went too: %d", got)
		}
	})
}

// Many chats spending one code at once: exactly one wins.
func TestCodeUsedOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		b := newBot(t, d, newFakeAPI(t).URL)
		u := mustCreateUser(t, d, "Gulnar", "kk")
		code := mustCode(t, b, u)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.LinkCode(ctx, code, int64(1000+i))
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				if got := chatOf(t, b, u); got != int64(1000+i) {
					t.Errorf("chat %d won, but the link is to %d", 1000+i, got)
				}
			case errors.Is(err, telegram.ErrCodeInvalid):
			default:
				t.Errorf("chat %d: %v", 1000+i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d chats linked with one code, want 1", won)
		}
		var links int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM telegram_links").Scan(&links); err != nil {
			t.Fatal(err)
		}
		if links != 1 {
			t.Fatalf("%d links", links)
		}
	})
}

func TestLease(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		f := newFakeAPI(t)
		one, two := newBot(t, d, f.URL), newBot(t, d, f.URL)
		acquire := func(b *telegram.Bot) bool {
			t.Helper()
			_, ok, err := b.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !acquire(one) {
			t.Fatal("a free lease was refused")
		}
		if acquire(two) {
			t.Fatal("a held lease was given to another node")
		}
		if !acquire(one) {
			t.Fatal("the holder could not renew")
		}
		clock.Advance(time.Second) // past the 300 ms lifetime
		if !acquire(two) {
			t.Fatal("an expired lease was not taken over")
		}
		if acquire(one) {
			t.Fatal("the former holder renewed a lease it lost")
		}
		if err := two.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if !acquire(one) {
			t.Fatal("a released lease was refused")
		}
	})
}

// Two nodes run the bot: only one polls (no getUpdates conflicts, every
// message answered once); when it stops, the other takes over.
func TestOnePoller(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFakeAPI(t)
		one, two := newBot(t, d, f.URL), newBot(t, d, f.URL)
		stops := map[string]func(){one.Holder(): run(t, one), two.Holder(): run(t, two)}
		for i := range 5 {
			f.message(int64(10+i), "en", "/help")
			expect(t, f, int64(10+i), "Ortaq is a platform")
		}
		f.none(t)
		if n := f.conflictCount(); n != 0 {
			t.Fatalf("%d getUpdates conflicts: both nodes polled", n)
		}
		var holder string
		if err := d.QueryRow(ctx, "SELECT holder FROM telegram_poller").Scan(&holder); err != nil {
			t.Fatal(err)
		}
		stop, ok := stops[holder]
		if !ok {
			t.Fatalf("lease held by %q, neither node", holder)
		}
		stop()
		stopped := holder
		f.message(20, "en", "/help")
		expect(t, f, 20, "Ortaq is a platform")
		f.none(t)
		if err := d.QueryRow(ctx, "SELECT holder FROM telegram_poller").Scan(&holder); err != nil {
			t.Fatal(err)
		}
		if _, ours := stops[holder]; !ours || holder == stopped {
			t.Fatalf("lease held by %q after the poller stopped", holder)
		}
		f.mu.Lock()
		webhooks := f.webhooks
		f.mu.Unlock()
		if webhooks < 2 {
			t.Errorf("deleteWebhook called %d times, want once per polling term (2)", webhooks)
		}
	})
}

// The bot without a token is off: nothing to send, nothing to run.
func TestOff(t *testing.T) {
	d := dbtest.SQLite(t)
	b, err := telegram.New(telegram.Deps{DB: d, Catalog: catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	u := mustCreateUser(t, d, "Off", "kk")
	if b.Enabled() {
		t.Fatal("enabled without a token")
	}
	if ok, err := b.SendText(context.Background(), u, "hello"); ok || err != nil {
		t.Fatalf("SendText = %v, %v", ok, err)
	}
	done := make(chan struct{})
	go func() { b.Run(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run of a bot without a token did not return")
	}
	var nilBot *telegram.Bot
	if ok, err := nilBot.SendText(context.Background(), u, "hello"); ok || err != nil {
		t.Fatalf("nil SendText = %v, %v", ok, err)
	}
}
