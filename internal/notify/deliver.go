package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Delivery goes through the outbox (internal/outbox, decision 0009): a
// notification that should reach a person by Telegram or email gets an
// outbox row of Kind in the transaction that stores it; the outbox tries
// it right after the commit (Send) and retries it from every node until it
// goes out or is given up. The text is written at sending time, in the
// person's language then (render). Without an SMTP server the email goes
// to the log (mail.Log), like confirmation links; with no bot either, no
// outbox row is stored: Send writes the log line once, after the commit
// (a node that dies in between loses the line, not the notification).
// The inbox has every notification whatever happens.

// Kind is the outbox kind of a notification's delivery.
const Kind = "notification"

// Send tries a committed batch's deliveries now, in the background; what
// fails waits for the outbox's background step.
func (s *Service) Send(b *Batch) {
	if b == nil || s.Outbox == nil {
		return
	}
	items, ids, direct := b.items, b.outbox, b.direct
	b.items, b.outbox, b.direct = nil, nil, false
	if !direct {
		s.Outbox.Send(ids)
		return
	}
	for _, it := range items {
		m := s.message(it.userID, it.email, it.lang, it.n)
		if err := s.Outbox.WriteLog(context.Background(), Kind, it.n.ID, m); err != nil {
			s.Log.Warn("notify: log", "id", it.n.ID, "err", err)
		}
	}
}

// render writes notification id for its person: by Telegram when they
// linked it, else by email; outbox.ErrNobody when the account is gone.
func (s *Service) render(ctx context.Context, id int64) (outbox.Message, error) {
	var n Notification
	var userID int64
	var argsJSON, email, lang string
	var live bool
	err := s.DB.QueryRow(ctx, `SELECT n.user_id, n.kind, n.args_json, n.link, COALESCE(u.email, ''), u.lang, u.deleted_at IS NULL
		FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.id = ?`, id).
		Scan(&userID, &n.Kind, &argsJSON, &n.Link, &email, &lang, &live)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !live) {
		return outbox.Message{}, outbox.ErrNobody // the account is gone: nobody to tell
	}
	if err != nil {
		return outbox.Message{}, fmt.Errorf("notify: %d: %w", id, err)
	}
	n.ID = id
	if err := json.Unmarshal([]byte(argsJSON), &n.Args); err != nil {
		return outbox.Message{}, fmt.Errorf("notify: %d: %w", id, err)
	}
	l, _ := i18n.Parse(lang)
	return s.message(userID, email, l, n), nil
}

// message is notification n as it goes to its person, in lang.
func (s *Service) message(userID int64, email string, lang i18n.Lang, n Notification) outbox.Message {
	text := n.Text(s.Catalog.Printer(lang))
	link := s.BaseURL + "/" + string(lang) + n.Link
	return outbox.Message{UserID: userID, Telegram: true, To: email, Subject: s.Site + ": " + firstLine(text),
		Text: text + "\n\n" + link + "\n"}
}
