package app_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// logBuffer is the app's log, kept for the test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// records returns the JSON records logged so far.
func (l *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// Issue 20, item 4: without an SMTP server a notification's email is
// written to the log, like a confirmation link (the README promises it),
// instead of vanishing, once; and it is in the person's inbox either way.
func TestNotificationsWithoutSMTPGoToTheLog(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		var logs logBuffer
		env := apptest.Start(t, d, apptest.Options{NoSMTP: true, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, author, reader := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		p := newProgramme(t, env, c, token(t, env, admin), org)
		var pr struct {
			ID string `json:"id"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", token(t, env, author),
			`{"title":"Ауыл мектептеріне интернет","body":"Барлық ауыл мектептеріне интернет жүргізу керек.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pr)
		decode(t, c.JSON("POST", "/api/v1/proposals/"+pr.ID+"/comments", token(t, env, reader), `{"body":"Өте дұрыс ұсыныс!"}`), 201, nil)

		link := env.URL + "/kk/proposals/" + pr.ID
		var mail map[string]any
		deadline := time.Now().Add(20 * time.Second)
		for mail == nil {
			for _, rec := range logs.records(t) {
				if rec["to"] == author.Email {
					mail = rec
				}
			}
			if mail == nil && time.Now().After(deadline) {
				t.Fatalf("no log record of an email to %s; the log:\n%s", author.Email, logs.buf.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		text, _ := mail["text"].(string)
		subject, _ := mail["subject"].(string)
		if mail["level"] != "INFO" || !strings.Contains(mail["msg"].(string), "no SMTP server") ||
			!strings.Contains(text, "Ауыл мектептеріне интернет") || !strings.Contains(text, link) || !strings.HasPrefix(subject, "Ortaq: ") {
			t.Fatalf("log record: %v", mail)
		}
		if id, _ := mail["message_id"].(string); !strings.HasPrefix(id, "notification-") {
			t.Errorf("message_id = %q, want the notification's", id)
		}
		// Nothing but the log can carry it, so nothing waits to be retried:
		// the line is written once, with no outbox row to take and record.
		var rows int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM outbox WHERE user_id = ?", author.User.ID).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("outbox rows for the author: %d, %v; want none", rows, err)
		}
		n := 0
		for _, rec := range logs.records(t) {
			if rec["to"] == author.Email {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d log records of the email, want 1", n)
		}
		if n := len(env.Mail.Messages()); n != 0 {
			t.Errorf("%d messages reached an SMTP server that is not configured", n)
		}

		var inbox struct {
			Items []struct {
				Kind string `json:"kind"`
				Link string `json:"link"`
			} `json:"items"`
		}
		decode(t, c.JSON("GET", "/api/v1/inbox", token(t, env, author), ""), 200, &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].Kind != "comment" || !strings.HasPrefix(inbox.Items[0].Link, "/proposals/"+pr.ID+"#") {
			t.Fatalf("inbox: %+v", inbox.Items)
		}
	})
}
