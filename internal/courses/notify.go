package courses

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Messages to learners go through the outbox (internal/outbox): stored in
// the transaction that causes them, sent after the commit by Telegram to
// those who linked it and by email to the others, retried until sent.

// tell stores one message per person in tx, in each person's language:
// subject and text keys with the course's title ({title}), its page
// ({link}) and what more(printer) adds. It returns the outbox ids for send.
func (s *Service) tell(ctx context.Context, tx *db.Tx, userIDs []int64, c *Course, subject, text string,
	more func(pr *i18n.Printer) []any) ([]int64, error) {
	if s.outbox == nil || s.catalog == nil || len(userIDs) == 0 {
		return nil, nil
	}
	var entries []outbox.Entry
	for _, id := range userIDs {
		var email, lang string
		var alive bool
		if err := tx.QueryRow(ctx, "SELECT COALESCE(email, ''), lang, deleted_at IS NULL FROM users WHERE id = ?", id).
			Scan(&email, &lang, &alive); err != nil {
			return nil, fmt.Errorf("courses: tell %d: %w", id, err)
		}
		if !alive {
			continue
		}
		l, _ := i18n.Parse(lang)
		pr := s.catalog.Printer(l)
		title := c.Title.In(l)
		if l == i18n.KKLatn {
			title = kazakh.ToLatin(title)
		}
		args := []any{"title", title, "link", fmt.Sprintf("%s/%s/courses/%d", s.baseURL, l, c.ID)}
		if more != nil {
			args = append(args, more(pr)...)
		}
		entries = append(entries, outbox.Entry{Kind: outbox.KindMail, Message: outbox.Message{UserID: id, Telegram: true, To: email,
			Subject: pr.T(subject, "title", title), Text: pr.T(text, args...) + "\n"}})
	}
	if len(entries) == 0 {
		return nil, nil
	}
	ids, err := s.outbox.Add(ctx, tx, entries...)
	if err != nil {
		return nil, fmt.Errorf("courses: queue messages for course %d: %w", c.ID, err)
	}
	return ids, nil
}

// send tries the committed messages at once; what fails waits for the
// outbox's background step.
func (s *Service) send(ids []int64) {
	if s.outbox != nil && len(ids) > 0 {
		s.outbox.Send(ids)
	}
}
