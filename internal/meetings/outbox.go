package meetings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/retry"
)

// Mail about meetings is durable: it is stored in the transaction that
// causes it (meeting_mail), tried right after the commit, and retried by
// SendPending — the background step — until the mail server takes it. A
// node takes a message by moving its next_at past a lease first, so that
// no two nodes send one message both.

const (
	mailLease       = 5 * time.Minute // longer than one SMTP exchange may take
	mailMaxAttempts = 50              // about a day at the longest wait
	mailBatch       = 100
)

// queueMail stores msgs inside tx and returns their ids, for sendNow.
func (s *Service) queueMail(ctx context.Context, tx *db.Tx, meetingID int64, msgs []mail.Message) ([]int64, error) {
	if s.mail == nil {
		return nil, nil
	}
	ids := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO meeting_mail (meeting_id, recipient, subject, body, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, m.To, m.Subject, m.Text, tx.Now, tx.Now).Scan(&id); err != nil {
			return nil, fmt.Errorf("meetings: queue mail: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// sendNow tries the committed messages ids at once, in the background, a
// few at a time; what fails waits for SendPending.
func (s *Service) sendNow(ctx context.Context, ids []int64) {
	if len(ids) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		sem := make(chan struct{}, 4)
		done := make(chan struct{})
		for _, id := range ids {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; done <- struct{}{} }()
				if _, err := s.deliver(ctx, id); err != nil {
					s.log.Warn("meetings: mail", "id", id, "err", err)
				}
			}()
		}
		for range ids {
			<-done
		}
	}()
}

// SendPending sends every stored message that is due, and returns how
// many the mail server took. Run it every minute or so on every node.
func (s *Service) SendPending(ctx context.Context) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	ids, err := db.ScanIDs(s.db.Query(ctx, `SELECT id FROM meeting_mail WHERE sent_at IS NULL AND next_at <= ? AND attempts < ?
		ORDER BY next_at, id LIMIT ?`, s.db.Now(), mailMaxAttempts, mailBatch))
	if err != nil {
		return 0, fmt.Errorf("meetings: pending mail: %w", err)
	}
	sent := 0
	for _, id := range ids {
		ok, err := s.deliver(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			s.log.Warn("meetings: mail", "id", id, "err", err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// RunMail calls SendPending every interval until ctx ends.
func (s *Service) RunMail(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("meetings: pending mail", "err", err)
			}
		}
	}
}

// errTaken: another attempt (this node's or another's) has the message,
// or it is sent.
var errTaken = errors.New("taken")

// deliver takes message id when it is due, sends it and records the
// outcome: sent, or the error and when to try again. ok reports that the
// mail server took it.
func (s *Service) deliver(ctx context.Context, id int64) (ok bool, err error) {
	var m mail.Message
	var attempts int
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE meeting_mail SET next_at = ? WHERE id = ? AND sent_at IS NULL AND next_at <= ?
			RETURNING recipient, subject, body, attempts`, tx.Now.Add(mailLease), id, tx.Now).Scan(&m.To, &m.Subject, &m.Text, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return errTaken
		}
		return err
	})
	if errors.Is(err, errTaken) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("meetings: take mail: %w", err)
	}
	sendErr := s.mail.Send(ctx, m)
	wctx := context.WithoutCancel(ctx) // the outcome is recorded even when ctx ends
	err = s.db.Write(wctx, func(tx *db.Tx) error {
		if sendErr == nil {
			_, err := tx.Exec(wctx, "UPDATE meeting_mail SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?", tx.Now, id)
			return err
		}
		msg := []rune(strings.ToValidUTF8(sendErr.Error(), "?"))
		_, err := tx.Exec(wctx, "UPDATE meeting_mail SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?",
			string(msg[:min(len(msg), 400)]), tx.Now.Add(retry.Backoff(attempts+1)), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("meetings: mail %d: %w", id, err)
	}
	if sendErr != nil {
		return false, fmt.Errorf("meetings: mail %d, attempt %d: %w", id, attempts+1, sendErr)
	}
	return true, nil
}
