package mentorship

import (
	"context"
	"fmt"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// KindQuiet is the outbox kind of a quiet pair's reminder (rendered at
// sending time in the reader's language).
const KindQuiet = "mentorship.quiet"

// Remind sends a reminder to both sides of every accepted or active pair
// with no session for three weeks (QuietAfter), once per quiet spell: a
// session logged later makes a new spell. It returns how many pairs were
// reminded. The background loop (Run) calls it; tests call it with a
// moved clock.
func (s *Service) Remind(ctx context.Context) (int, error) {
	var ids []int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.id, s.mentee_id, m.user_id FROM mentorships s JOIN mentors m ON m.id = s.mentor_id
			WHERE s.status IN ('accepted', 'active') AND s.last_activity_at < ?
			AND (s.reminded_at IS NULL OR s.reminded_at < s.last_activity_at) ORDER BY s.id LIMIT 500`+tx.SkipLocked(),
			tx.Now.Add(-QuietAfter))
		if err != nil {
			return err
		}
		type pair struct{ id, mentee, mentor int64 }
		var pairs []pair
		for rows.Next() {
			var p pair
			if err := rows.Scan(&p.id, &p.mentee, &p.mentor); err != nil {
				rows.Close()
				return err
			}
			pairs = append(pairs, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range pairs {
			if _, err := tx.Exec(ctx, `UPDATE mentorships SET reminded_at = ? WHERE id = ?`, tx.Now, p.id); err != nil {
				return err
			}
			if s.outbox == nil {
				continue
			}
			// Ref: the mentorship's id times two, plus one for its mentor.
			for side, u := range []int64{p.mentee, p.mentor} {
				got, err := s.outbox.Add(ctx, tx, outbox.Entry{Kind: KindQuiet, Ref: 2*p.id + int64(side), Message: outbox.Message{UserID: u, Telegram: true}})
				if err != nil {
					return err
				}
				ids = append(ids, got...)
			}
		}
		if len(pairs) > 0 {
			s.log.Info("mentorship: quiet pairs reminded", "pairs", len(pairs))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mentorship: remind: %w", err)
	}
	if s.outbox != nil && len(ids) > 0 {
		s.outbox.Send(ids)
	}
	return len(ids) / 2, nil
}

// renderQuiet writes the reminder for the person the entry is for.
func (s *Service) renderQuiet(ctx context.Context, ref int64) (outbox.Message, error) {
	forMentor := ref%2 == 1
	ref /= 2
	var mentee, mentor, email, lang string
	var menteeID, mentorID int64
	var status string
	err := s.db.QueryRow(ctx, `SELECT eu.id, eu.name, mu.id, mu.name, s.status FROM mentorships s JOIN mentors m ON m.id = s.mentor_id
		JOIN users eu ON eu.id = s.mentee_id JOIN users mu ON mu.id = m.user_id WHERE s.id = ?`, ref).Scan(&menteeID, &mentee, &mentorID, &mentor, &status)
	if err != nil {
		return outbox.Message{}, err
	}
	userID, other := menteeID, mentor
	if forMentor {
		userID, other = mentorID, mentee
	}
	if err := s.db.QueryRow(ctx, `SELECT email, lang FROM users WHERE id = ? AND deleted_at IS NULL`, userID).Scan(&email, &lang); err != nil {
		return outbox.Message{}, outbox.ErrNobody
	}
	l, ok := i18n.Parse(lang)
	if !ok {
		l = i18n.KK
	}
	p := s.catalog.Printer(l)
	link := fmt.Sprintf("%s/%s/mentorships/%d", s.base, l, ref)
	return outbox.Message{UserID: userID, Telegram: true, To: email, Subject: p.T("mentorship.quiet.subject"),
		Text: p.T("mentorship.quiet.text", "name", other, "url", link)}, nil
}

// Run reminds quiet pairs and queues the notices of rounds a crash left
// unannounced every hour, and runs the scheduled rounds whose slot has
// come every minute, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	hourly := time.NewTicker(time.Hour)
	defer hourly.Stop()
	minutely := time.NewTicker(time.Minute)
	defer minutely.Stop()
	s.hourly(ctx)
	s.minutely(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hourly.C:
			s.hourly(ctx)
		case <-minutely.C:
			s.minutely(ctx)
		}
	}
}

func (s *Service) hourly(ctx context.Context) {
	if _, err := s.Remind(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("mentorship: remind", "err", err)
	}
	if _, err := s.Notices(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("mentorship: notices", "err", err)
	}
}

func (s *Service) minutely(ctx context.Context) {
	if _, err := s.RunSchedules(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("mentorship: schedules", "err", err)
	}
}
