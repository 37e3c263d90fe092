package telegram_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Notifications reach a person who linked Telegram there, in their
// language, instead of by email; others still get the email.
func TestNotificationsGoByTelegramToThoseWhoLinkedIt(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFakeAPI(t)
		b := newBot(t, d, f.URL)
		run(t, b)
		aigerim := mustCreateUser(t, d, "Aigerim", "ru")
		bolat := mustCreateUser(t, d, "Bolat", "kk")
		f.message(555, "ru", "/start "+mustCode(t, b, aigerim))
		expect(t, f, 555, "(Aigerim)")

		smtp := mailtest.Start(t)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ob := outbox.New(d, mail.NewSMTP(smtp.Config()), outbox.Config{BaseURL: site, Log: quiet, Messenger: b})
		n := notify.New(notify.Deps{DB: d, Catalog: catalog, BaseURL: site, Site: "Ortaq", Log: quiet, Outbox: ob})
		var batch notify.Batch
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return n.Add(ctx, tx, &batch, []int64{aigerim, bolat}, 0, "answer",
				map[string]string{"title": "Ауылға интернет", "status_key": "proposals.status.accepted"}, "/proposals/7")
		}); err != nil {
			t.Fatal(err)
		}
		n.Send(&batch)

		expect(t, f, 555, "Ауылға интернет", site+"/ru/proposals/7")
		m := smtp.WaitFor(t, "bolat@example.kz", 10*time.Second)
		if !strings.Contains(m.Text, "Ауылға интернет") || !strings.Contains(m.Text, site+"/kk/proposals/7") {
			t.Fatalf("bolat's email: %q", m.Text)
		}
		time.Sleep(200 * time.Millisecond)
		for _, m := range smtp.Messages() {
			if m.To == "aigerim@example.kz" {
				t.Fatal("aigerim, linked to Telegram, was emailed too")
			}
		}
		f.none(t)
	})
}
