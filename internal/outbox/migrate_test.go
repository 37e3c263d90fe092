package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Upgrading a database that has meeting mail and notifications still to
// send (0026, 0043) moves them into the outbox (0008), with their
// attempts, errors and next times, and they are sent from there; what was
// sent or given up stays behind. (On a fresh database 0008 runs before
// 0026 and 0043 and moves nothing: every other test starts that way.)
func TestUpgradeMovesWhatWasStillToBeSent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		// The database as the previous release left it: without 0008 (nor
		// 0170, which adds a column to its table).
		undo := []string{"DROP TRIGGER outbox_forget_deleted", "DROP TABLE outbox", "DELETE FROM schema_migrations WHERE version IN (8, 170)"}
		if d.Dialect == db.Postgres {
			undo = []string{"DROP TRIGGER outbox_forget_deleted ON users", "DROP FUNCTION outbox_forget_deleted()", "DROP TABLE outbox",
				"DELETE FROM schema_migrations WHERE version IN (8, 170)"}
		}
		var aliya, bolat, meeting int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			for _, q := range undo {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			for _, p := range []struct {
				id          *int64
				email, lang string
			}{{&aliya, "aliya@example.kz", "kk"}, {&bolat, "bolat@example.kz", "ru"}} {
				if err := tx.QueryRow(ctx, "INSERT INTO users (email, name, lang, created_at, updated_at) VALUES (?, 'Адам', ?, ?, ?) RETURNING id",
					p.email, p.lang, tx.Now, tx.Now).Scan(p.id); err != nil {
					return err
				}
			}
			var org int64
			if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('/', 'other', 'Ұйым', ?, ?)
				RETURNING id`, tx.Now, tx.Now).Scan(&org); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, starts_at, ends_at, invite, created_at, updated_at)
				VALUES (?, 'other', 'online', 'Жиналыс', ?, ?, 'anyone', ?, ?) RETURNING id`,
				org, tx.Now.Add(time.Hour), tx.Now.Add(2*time.Hour), tx.Now, tx.Now).Scan(&meeting); err != nil {
				return err
			}
			// Meeting mail: one failed twice and due in a minute, one sent, one given up.
			for _, m := range []struct {
				to, subject string
				attempts    int
				sent        bool
			}{{"aliya@example.kz", "Жиналыс өтпейді", 2, false}, {"bolat@example.kz", "Отправлено", 1, true}, {"bolat@example.kz", "Брошено", 50, false}} {
				var sentAt any
				if m.sent {
					sentAt = tx.Now
				}
				if _, err := tx.Exec(ctx, `INSERT INTO meeting_mail (meeting_id, recipient, subject, body, attempts, last_error, next_at, sent_at, created_at)
					VALUES (?, ?, ?, 'Жиналыс өтпейді, кешіріңіз.', ?, 'connection refused', ?, ?, ?)`,
					meeting, m.to, m.subject, m.attempts, tx.Now.Add(time.Minute), sentAt, tx.Now); err != nil {
					return err
				}
			}
			// Notifications: one due, one delivered, one for the inbox only.
			for _, n := range []struct {
				due      any
				attempts int
			}{{tx.Now, 1}, {nil, 1}, {nil, 0}} {
				if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, args_json, link, created_at, deliver_at, deliver_attempts, deliver_error)
					VALUES (?, 'answer', '{"title":"Ауылға интернет","status_key":"proposals.status.accepted"}', '/proposals/7', ?, ?, ?, '')`,
					bolat, tx.Now, n.due, n.attempts); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		applied, err := d.Migrate(ctx)
		if err != nil || len(applied) != 2 || applied[0] != 8 || applied[1] != 170 {
			t.Fatalf("Migrate applied %v, %v; want [8 170]", applied, err)
		}
		type row struct {
			kind, recipient, subject, lastError, token string
			ref, user                                  int64
			attempts                                   int
			due                                        db.Time
		}
		rows, err := d.Query(ctx, `SELECT kind, recipient, subject, last_error, token, COALESCE(ref_id, 0), COALESCE(user_id, 0), attempts, due_at
			FROM outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.kind, &r.recipient, &r.subject, &r.lastError, &r.token, &r.ref, &r.user, &r.attempts, &r.due); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		rows.Close()
		if len(got) != 2 {
			t.Fatalf("moved %d rows, want the 2 still to send: %+v", len(got), got)
		}
		m, n := got[0], got[1]
		if m.kind != outbox.KindMail || m.recipient != "aliya@example.kz" || m.subject != "Жиналыс өтпейді" || m.user != aliya ||
			m.attempts != 2 || m.lastError != "connection refused" || !m.due.Time.Equal(dbtest.Clock.Add(time.Minute)) {
			t.Fatalf("meeting mail moved as %+v", m)
		}
		if n.kind != notify.Kind || n.ref == 0 || n.user != bolat || n.attempts != 1 || !n.due.Time.Equal(dbtest.Clock) {
			t.Fatalf("notification moved as %+v", n)
		}
		if len(m.token) != 16 || len(n.token) != 16 || m.token == n.token || strings.Trim(m.token+n.token, "0123456789abcdef") != "" {
			t.Fatalf("tokens %q and %q", m.token, n.token)
		}

		// And they go out from here.
		server := mailtest.Start(t)
		b := newBox(t, d, mail.NewSMTP(server.Config()))
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		notify.New(notify.Deps{DB: d, Catalog: cat, BaseURL: base, Site: "Ortaq", Log: quiet, Outbox: b})
		clock.Advance(time.Minute)
		if sent, err := b.SendPending(ctx); sent != 2 || err != nil {
			t.Fatalf("sent %d, %v", sent, err)
		}
		aliyaMail := server.WaitFor(t, "aliya@example.kz", 5*time.Second)
		bolatMail := server.WaitFor(t, "bolat@example.kz", 5*time.Second)
		if aliyaMail.Subject != "Жиналыс өтпейді" || !strings.Contains(bolatMail.Text, "Ауылға интернет") ||
			!strings.Contains(bolatMail.Text, base+"/ru/proposals/7") || len(server.Messages()) != 2 {
			t.Fatalf("received %+v", server.Messages())
		}
	})
}
