package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/retry"
)

// Delivery is durable, like meeting mail: a notification that should go
// by Telegram or email is stored due (deliver_at) in the transaction that
// makes it, tried right after the commit (Send), and retried by
// SendPending — the background step, every minute on every node — with
// growing waits until it is delivered or given up. A node takes a
// notification by moving deliver_at past a lease first, so two nodes never
// send one both; the inbox has it whatever happens. The bot paces its own
// messages (telegram.Bot); what the Bot API refuses anyway is retried.

const (
	deliverLease       = 5 * time.Minute // longer than one SMTP exchange or Bot API call may take
	deliverMaxAttempts = 30              // about half a day at the longest wait
	deliverBatch       = 200             // notifications one SendPending takes at most
	deliverWorkers     = 4               // deliveries at once per node
	deliverTimeout     = 30 * time.Second
)

// Send tries a committed batch's deliveries now, in the background; what
// fails waits for SendPending.
func (s *Service) Send(b *Batch) {
	if b == nil || len(b.items) == 0 {
		return
	}
	ids := make([]int64, len(b.items))
	for i, it := range b.items {
		ids[i] = it.n.ID
	}
	b.items = nil
	go s.deliverAll(context.Background(), ids)
}

// deliverAll delivers ids, deliverWorkers at a time, and returns how many
// were delivered.
func (s *Service) deliverAll(ctx context.Context, ids []int64) int {
	var mu sync.Mutex
	sent := 0
	next := make(chan int64)
	var wg sync.WaitGroup
	for range min(deliverWorkers, len(ids)) {
		wg.Go(func() {
			for id := range next {
				ok, err := s.deliver(ctx, id)
				if err != nil && ctx.Err() == nil {
					s.Log.Warn("notify: deliver", "id", id, "err", err)
				}
				if ok {
					mu.Lock()
					sent++
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		next <- id
	}
	close(next)
	wg.Wait()
	return sent
}

// SendPending delivers the notifications that are due (at most
// deliverBatch) and returns how many went out.
func (s *Service) SendPending(ctx context.Context) (int, error) {
	ids, err := db.ScanIDs(s.DB.Query(ctx, `SELECT id FROM notifications WHERE deliver_at IS NOT NULL AND deliver_at <= ?
		ORDER BY deliver_at, id LIMIT ?`, s.DB.Now(), deliverBatch))
	if err != nil {
		return 0, fmt.Errorf("notify: pending: %w", err)
	}
	n := s.deliverAll(ctx, ids)
	return n, ctx.Err()
}

// Run calls SendPending every interval until ctx ends (and again at once
// while a whole batch was due).
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				n, err := s.SendPending(ctx)
				if err != nil && ctx.Err() == nil {
					s.Log.Warn("notify: pending", "err", err)
				}
				if err != nil || n < deliverBatch {
					break
				}
			}
		}
	}
}

var errTaken = errors.New("taken")

// deliver takes notification id when it is due, sends it — by Telegram to
// a person who linked it, else by email when SMTP is configured — and
// records the outcome: delivered, nothing to deliver it by, or the error
// and when to try again. ok reports that it went out.
func (s *Service) deliver(ctx context.Context, id int64) (ok bool, err error) {
	var n Notification
	var userID int64
	var argsJSON string
	var attempts int
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE notifications SET deliver_at = ? WHERE id = ? AND deliver_at IS NOT NULL AND deliver_at <= ?
			RETURNING user_id, kind, args_json, link, deliver_attempts`, tx.Now.Add(deliverLease), id, tx.Now).
			Scan(&userID, &n.Kind, &argsJSON, &n.Link, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return errTaken
		}
		return err
	})
	if errors.Is(err, errTaken) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: take %d: %w", id, err)
	}
	n.ID = id
	if err := json.Unmarshal([]byte(argsJSON), &n.Args); err != nil {
		return false, s.finish(ctx, id, attempts, "", err)
	}
	var email, lang string
	var live bool
	err = s.DB.QueryRow(ctx, "SELECT COALESCE(email, ''), lang, deleted_at IS NULL FROM users WHERE id = ?", userID).Scan(&email, &lang, &live)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !live) {
		return false, s.finish(ctx, id, attempts, "", nil) // the account is gone: nobody to tell
	}
	if err != nil {
		return false, s.finish(ctx, id, attempts, "", err)
	}
	l, _ := i18n.Parse(lang)
	text := n.Text(s.Catalog.Printer(l))
	link := s.BaseURL + "/" + string(l) + n.Link

	sctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	defer cancel()
	var sendErr error
	if s.Telegram != nil {
		sent, err := s.Telegram.SendText(sctx, userID, text+"\n\n"+link)
		if sent {
			return true, s.finish(ctx, id, attempts, "telegram", nil)
		}
		sendErr = err // not linked (nil), or failed: email, when there is one
	}
	if s.Email && email != "" {
		sendErr = s.Mail.Send(sctx, mail.Message{To: email, Subject: s.Site + ": " + firstLine(text), Text: text + "\n\n" + link + "\n"})
		if sendErr == nil {
			return true, s.finish(ctx, id, attempts, "email", nil)
		}
	}
	return false, s.finish(ctx, id, attempts, "", sendErr)
}

// finish records an attempt at delivering id: by is the channel it went
// by ("" with err nil: there was none); with err, it is due again after a
// wait, or given up after deliverMaxAttempts.
func (s *Service) finish(ctx context.Context, id int64, attempts int, by string, sendErr error) error {
	wctx := context.WithoutCancel(ctx) // the outcome is recorded even when ctx ends
	err := s.DB.Write(wctx, func(tx *db.Tx) error {
		if sendErr == nil {
			var at any
			if by != "" {
				at = tx.Now
			}
			_, err := tx.Exec(wctx, `UPDATE notifications SET deliver_at = NULL, deliver_attempts = deliver_attempts + 1, deliver_error = '',
				delivered_at = ?, delivered_by = ? WHERE id = ?`, at, by, id)
			return err
		}
		var due any
		if attempts+1 < deliverMaxAttempts {
			due = tx.Now.Add(retry.Backoff(attempts + 1))
		}
		msg := []rune(strings.ToValidUTF8(sendErr.Error(), "?"))
		_, err := tx.Exec(wctx, "UPDATE notifications SET deliver_at = ?, deliver_attempts = deliver_attempts + 1, deliver_error = ? WHERE id = ?",
			due, string(msg[:min(len(msg), 400)]), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: record delivery %d: %w", id, err)
	}
	if sendErr != nil {
		return fmt.Errorf("notify: deliver %d, attempt %d: %w", id, attempts+1, sendErr)
	}
	return nil
}
