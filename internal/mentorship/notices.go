package mentorship

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// KindNotice is the outbox kind of the notices about a mentorship, written
// at sending time in the reader's language. Its Ref is the mentorship's id
// times 8 plus the event.
const KindNotice = "mentorship.notice"

// Events of a notice.
const (
	noticeProposedMentor = iota // a round proposed a mentee to the mentor
	noticeProposedMentee        // a round matched the mentee with a mentor
	noticeAsked                 // a young person asked the mentor directly
	noticeAccepted              // the mentor accepted (to the mentee)
	noticeDeclined              // the mentor declined (to the mentee)
)

var noticeKeys = []string{"proposed_mentor", "proposed_mentee", "asked", "accepted", "declined"}

func notice(ms, user int64, event int) outbox.Entry {
	return outbox.Entry{Kind: KindNotice, Ref: ms*8 + int64(event), Message: outbox.Message{UserID: user, Telegram: true}}
}

// notify stores entries in tx; it returns their ids for outbox.Send.
func (s *Service) notify(ctx context.Context, tx *db.Tx, entries ...outbox.Entry) ([]int64, error) {
	if s.outbox == nil || len(entries) == 0 {
		return nil, nil
	}
	return s.outbox.Add(ctx, tx, entries...)
}

// send starts sending after the commit (nil-safe).
func (s *Service) send(ids []int64) {
	if s.outbox != nil && len(ids) > 0 {
		s.outbox.Send(ids)
	}
}

func (s *Service) renderNotice(ctx context.Context, ref int64) (outbox.Message, error) {
	event, id := int(ref%8), ref/8
	if event >= len(noticeKeys) {
		return outbox.Message{}, outbox.ErrNobody
	}
	m, err := s.mentorship(ctx, s.db, id)
	if err != nil {
		return outbox.Message{}, outbox.ErrNobody
	}
	to, other := m.MenteeID, m.MentorName
	if event == noticeProposedMentor || event == noticeAsked {
		to, other = m.MentorUserID, m.MenteeName
	}
	var email, lang string
	if err := s.db.QueryRow(ctx, `SELECT email, lang FROM users WHERE id = ? AND deleted_at IS NULL`, to).Scan(&email, &lang); err != nil {
		return outbox.Message{}, outbox.ErrNobody
	}
	l, ok := i18n.Parse(lang)
	if !ok {
		l = i18n.KK
	}
	p := s.catalog.Printer(l)
	key := "mentorship.notice." + noticeKeys[event]
	link := fmt.Sprintf("%s/%s/mentorships/%d", s.base, l, m.ID)
	return outbox.Message{UserID: to, Telegram: true, To: email, Subject: p.T(key+".subject", "pool", m.PoolTitle.In(l)),
		Text: p.T(key+".text", "name", other, "pool", m.PoolTitle.In(l), "reason", m.Reason, "url", link)}, nil
}

// Notices queues the notices of every finished round not yet announced:
// both sides of each pair it proposed, in batches of 1,000 pairs a
// transaction; the outbox's background step sends them. It returns how many
// were queued.
func (s *Service) Notices(ctx context.Context) (int, error) {
	if s.outbox == nil {
		return 0, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id FROM mentor_rounds WHERE finished_at IS NOT NULL AND notified_at IS NULL ORDER BY id`)
	rounds, err := db.ScanIDs(rows, err)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, round := range rounds {
		after := int64(0)
		for {
			var last int64
			var done bool
			err := s.db.Write(ctx, func(tx *db.Tx) error {
				// Taken by one node: the round row is locked while its batch is queued.
				var notified db.Time
				if err := tx.QueryRow(ctx, `SELECT notified_at FROM mentor_rounds WHERE id = ?`+tx.ForUpdate(), round).Scan(&notified); err != nil {
					return err
				}
				if !notified.Time.IsZero() {
					done = true
					return nil
				}
				rows, err := tx.Query(ctx, `SELECT s.id, s.mentee_id, m.user_id FROM mentorships s JOIN mentors m ON m.id = s.mentor_id
					WHERE s.round_id = ? AND s.id > ? AND s.notified = FALSE ORDER BY s.id LIMIT 1000`, round, after)
				if err != nil {
					return err
				}
				var entries []outbox.Entry
				var ids []int64
				for rows.Next() {
					var id, mentee, mentor int64
					if err := rows.Scan(&id, &mentee, &mentor); err != nil {
						rows.Close()
						return err
					}
					entries = append(entries, notice(id, mentee, noticeProposedMentee), notice(id, mentor, noticeProposedMentor))
					ids = append(ids, id)
					last = id
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if len(ids) == 0 {
					done = true
					_, err := tx.Exec(ctx, `UPDATE mentor_rounds SET notified_at = ? WHERE id = ?`, tx.Now, round)
					return err
				}
				if _, err := s.outbox.Add(ctx, tx, entries...); err != nil {
					return err
				}
				n += len(entries)
				_, err = tx.Exec(ctx, `UPDATE mentorships SET notified = TRUE WHERE round_id = ? AND id > ? AND id <= ?`, round, after, last)
				return err
			})
			if err != nil {
				return n, fmt.Errorf("mentorship: notices: %w", err)
			}
			if done {
				break
			}
			after = last
		}
	}
	return n, nil
}
