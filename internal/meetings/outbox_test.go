package meetings_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/meetings"
	"github.com/ortaq/ortaq/internal/outbox"
)

// When the mail server is down, the cancellation of a meeting and a move
// up the waiting list are still told: the messages are stored with the
// change and the background step sends them once the server answers —
// each exactly once.
func TestMeetingMailIsRetriedUntilSent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		// An SMTP port where nobody listens, then the test server.
		server := mailtest.Start(t)
		sender := &mailtest.Switch{}
		sender.Set(mailtest.Down(t, server.Config()))
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ob := outbox.New(d, sender, outbox.Config{BaseURL: env.URL, Log: quiet})
		svc := meetings.New(meetings.Deps{DB: d, Auth: env.App.Auth, Outbox: ob, Catalog: env.App.Catalog, Log: quiet, BaseURL: env.URL})

		org := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		ctok := token(t, env, chair)
		var people []apptest.Person
		for range 3 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			people = append(people, p)
		}
		// A meeting with one place: people[1] waits, moves up when people[0] cancels.
		small := createMeeting(t, env, ctok, org, `,"capacity":1`)
		for _, p := range people[:2] {
			if r := env.Client().JSON("PUT", "/api/v1/meetings/"+small+"/registration", token(t, env, p), ""); r.StatusCode != 200 {
				t.Fatalf("register: %d", r.StatusCode)
			}
		}
		var smallID, bigID int64
		parse := func(s string) int64 {
			var n int64
			if _, err := fmt.Sscan(s, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		smallID = parse(small)
		if err := svc.Cancel(ctx, people[0].User, smallID); err != nil {
			t.Fatal(err)
		}
		// A meeting called off with two registered.
		big := createMeeting(t, env, ctok, org, "")
		bigID = parse(big)
		for _, p := range people[1:] {
			if r := env.Client().JSON("PUT", "/api/v1/meetings/"+big+"/registration", token(t, env, p), ""); r.StatusCode != 200 {
				t.Fatalf("register: %d", r.StatusCode)
			}
		}
		if n, err := svc.CancelMeeting(ctx, chair.User, bigID, "Зал жөнделуде"); err != nil || n != 2 {
			t.Fatalf("cancel meeting: %d %v", n, err)
		}
		// The first attempts, right after the changes, fail.
		stored := func() (all, failed, sent int) {
			t.Helper()
			if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(CASE WHEN attempts > 0 AND sent_at IS NULL THEN 1 END), COUNT(sent_at) FROM outbox WHERE kind = 'mail'`).
				Scan(&all, &failed, &sent); err != nil {
				t.Fatal(err)
			}
			return
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			all, failed, sent := stored()
			if all == 3 && failed == 3 && sent == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stored %d, failed %d, sent %d; want 3 failed", all, failed, sent)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The server is back; the step sends when each message is due again.
		sender.Set(server.Config())
		if n, err := ob.SendPending(ctx); err != nil || n != 0 {
			t.Fatalf("sent before the wait was over: %d %v", n, err)
		}
		env.Clock.Advance(time.Minute)
		if n, err := ob.SendPending(ctx); err != nil || n != 3 {
			t.Fatalf("pending: sent %d, %v", n, err)
		}
		got := func(to, text string) bool {
			for _, m := range server.Messages() {
				if strings.EqualFold(m.To, to) && strings.Contains(m.Text, text) {
					return true
				}
			}
			return false
		}
		if !got(people[1].Email, "/meetings/"+small) || !got(people[1].Email, "Зал жөнделуде") || !got(people[2].Email, "Зал жөнделуде") {
			t.Fatalf("received: %+v", server.Messages())
		}
		env.Clock.Advance(time.Hour)
		if n, err := ob.SendPending(ctx); err != nil || n != 0 {
			t.Fatalf("sent again: %d %v", n, err)
		}
		if all, failed, sent := stored(); all != 3 || failed != 0 || sent != 3 || len(server.Messages()) != 3 {
			t.Fatalf("stored %d, failed %d, sent %d, received %d", all, failed, sent, len(server.Messages()))
		}
	})
}
