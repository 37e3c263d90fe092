package meetings

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Mail about meetings is durable: it goes through the outbox
// (internal/outbox), stored in the transaction that causes it, tried right
// after the commit and retried by the outbox's background step until the
// mail server takes it.

// queueMail stores msgs in the outbox inside tx and returns their ids, for
// sendNow.
func (s *Service) queueMail(ctx context.Context, tx *db.Tx, meetingID int64, msgs []mail.Message) ([]int64, error) {
	if s.outbox == nil || len(msgs) == 0 {
		return nil, nil
	}
	entries := make([]outbox.Entry, len(msgs))
	for i, m := range msgs {
		entries[i] = outbox.Entry{Kind: outbox.KindMail, Message: outbox.Message{To: m.To, Subject: m.Subject, Text: m.Text}}
	}
	ids, err := s.outbox.Add(ctx, tx, entries...)
	if err != nil {
		return nil, fmt.Errorf("meetings: queue mail for meeting %d: %w", meetingID, err)
	}
	return ids, nil
}

// sendNow tries the committed messages ids at once, in the background; what
// fails waits for the outbox's background step.
func (s *Service) sendNow(_ context.Context, ids []int64) {
	if s.outbox != nil {
		s.outbox.Send(ids)
	}
}
