package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func milestones(people []*auth.User, count int) []notify.Note {
	notes := make([]notify.Note, len(people))
	for i, p := range people {
		notes[i] = notify.Note{UserID: p.ID, Kind: "support_milestone", Args: map[string]string{"title": "Ауылға интернет", "count": fmt.Sprint(count)}, Link: fmt.Sprintf("/proposals/%d", i+1)}
	}
	return notes
}

func store(t *testing.T, d *db.DB, n *notify.Service, notes []notify.Note) *notify.Batch {
	t.Helper()
	var b notify.Batch
	if err := d.Write(context.Background(), func(tx *db.Tx) error { b = notify.Batch{}; return n.AddAll(context.Background(), tx, &b, notes) }); err != nil {
		t.Fatal(err)
	}
	return &b
}

// A notification's email is stored with the notification and delivered
// even when the mail server is down when it is made: retried after a wait,
// each exactly once, also when two nodes send at the same moment; given up
// after the last attempt; not for a deleted account; never for a person
// who cannot be reached.
func TestDeliveryRetriedUntilSent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := progtest.New(t, d)
		server := mailtest.Start(t)
		sender := &mailtest.Switch{}
		sender.Set(mailtest.Down(t, server.Config()))
		ob := outbox.New(d, sender, outbox.Config{BaseURL: "https://ortaq.test", Log: quiet})
		n := notify.New(notify.Deps{DB: d, Catalog: k.Notify.Catalog, Log: quiet, Outbox: ob, BaseURL: "https://ortaq.test", Site: "Ortaq"})
		state := func() (due, failed, delivered int) {
			t.Helper()
			if err := d.QueryRow(ctx, `SELECT COUNT(due_at), COUNT(CASE WHEN last_error <> '' THEN 1 END), COUNT(sent_at) FROM outbox`).
				Scan(&due, &failed, &delivered); err != nil {
				t.Fatal(err)
			}
			return
		}

		people := k.People(3, "KZ-27", "2000-05-05")
		store(t, d, n, milestones(people, 10))
		if sent, err := ob.SendPending(ctx); sent != 0 || err != nil {
			t.Fatalf("server down: sent %d, %v", sent, err)
		}
		if due, failed, delivered := state(); due != 3 || failed != 3 || delivered != 0 {
			t.Fatalf("after the failed attempt: due %d, failed %d, delivered %d", due, failed, delivered)
		}
		sender.Set(server.Config())
		if sent, err := ob.SendPending(ctx); sent != 0 || err != nil {
			t.Fatalf("before the wait was over: sent %d, %v", sent, err)
		}
		k.Clock.Advance(time.Minute)
		if sent, err := ob.SendPending(ctx); sent != 3 || err != nil {
			t.Fatalf("server back: sent %d, %v", sent, err)
		}
		msgs := server.Messages()
		if len(msgs) != 3 {
			t.Fatalf("%d messages, want 3", len(msgs))
		}
		for _, m := range msgs {
			if !strings.Contains(m.Text, "Ауылға интернет") || !strings.Contains(m.Text, "https://ortaq.test/kk/proposals/") || !strings.HasPrefix(m.Subject, "Ortaq: ") {
				t.Fatalf("message: %q / %q", m.Subject, m.Text)
			}
		}
		k.Clock.Advance(time.Hour)
		if sent, err := ob.SendPending(ctx); sent != 0 || err != nil || len(server.Messages()) != 3 {
			t.Fatalf("sent again: %d, %v, %d messages", sent, err, len(server.Messages()))
		}
		if due, failed, delivered := state(); due != 0 || failed != 0 || delivered != 3 {
			t.Fatalf("after delivery: due %d, failed %d, delivered %d", due, failed, delivered)
		}

		// Two nodes sending at once deliver each notification once.
		many := k.People(40, "KZ-27", "2000-05-05")
		store(t, d, n, milestones(many, 25))
		var wg sync.WaitGroup
		var total atomic.Int64
		for range 2 {
			wg.Go(func() {
				sent, err := ob.SendPending(ctx)
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(sent))
			})
		}
		wg.Wait()
		if total.Load() != 40 || len(server.Messages()) != 43 {
			t.Fatalf("two nodes: sent %d, %d messages; want 40 and 43", total.Load(), len(server.Messages()))
		}

		// Given up after the last attempt; a deleted account gets nothing;
		// a person without email (and no bot) is never due.
		sender.Set(mailtest.Down(t, server.Config()))
		last, gone, noEmail := k.Person(), k.Person(), k.Person()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET email = NULL WHERE id = ?", noEmail.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		store(t, d, n, milestones([]*auth.User{last, gone, noEmail}, 50))
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE outbox SET attempts = ? WHERE user_id = ?", outbox.MaxAttempts-1, last.ID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE users SET deleted_at = ? WHERE id = ?", tx.Now, gone.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if sent, err := ob.SendPending(ctx); sent != 0 || err != nil {
			t.Fatalf("last attempt: sent %d, %v", sent, err)
		}
		var lastDue, lastErr, goneDue, noEmailDue int
		if err := d.QueryRow(ctx, `SELECT
			(SELECT COUNT(due_at) FROM outbox WHERE user_id = ?), (SELECT COUNT(*) FROM outbox WHERE user_id = ? AND last_error <> ''),
			(SELECT COUNT(due_at) FROM outbox WHERE user_id = ?), (SELECT COUNT(due_at) FROM outbox WHERE user_id = ?)`,
			last.ID, last.ID, gone.ID, noEmail.ID).Scan(&lastDue, &lastErr, &goneDue, &noEmailDue); err != nil {
			t.Fatal(err)
		}
		if lastDue != 0 || lastErr != 1 || goneDue != 0 || noEmailDue != 0 {
			t.Fatalf("given up %d/%d, deleted account due %d, no email due %d", lastDue, lastErr, goneDue, noEmailDue)
		}
	})
}

// An answer to many followers reaches every one of them right after the
// commit, however long the sending takes (no deadline on the batch).
func TestSendDeliversAWholeBatch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := progtest.New(t, d)
		server := mailtest.Start(t)
		ob := outbox.New(d, mail.NewSMTP(server.Config()), outbox.Config{BaseURL: "https://ortaq.test", Log: quiet})
		n := notify.New(notify.Deps{DB: d, Catalog: k.Notify.Catalog, Log: quiet, Outbox: ob, BaseURL: "https://ortaq.test", Site: "Ortaq"})
		people := k.People(150, "KZ-27", "2000-05-05")
		n.Send(store(t, d, n, milestones(people, 100)))
		deadline := time.Now().Add(60 * time.Second)
		for {
			var delivered, due int
			if err := d.QueryRow(ctx, "SELECT COUNT(sent_at), COUNT(due_at) FROM outbox").Scan(&delivered, &due); err != nil {
				t.Fatal(err)
			}
			if delivered == len(people) && due == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivered %d of %d, %d still due", delivered, len(people), due)
			}
			time.Sleep(50 * time.Millisecond)
		}
		got := map[string]int{}
		for _, m := range server.Messages() {
			got[strings.ToLower(m.To)]++
		}
		if len(got) != len(people) || len(server.Messages()) != len(people) {
			t.Fatalf("%d messages to %d addresses, want %d each once", len(server.Messages()), len(got), len(people))
		}
	})
}
