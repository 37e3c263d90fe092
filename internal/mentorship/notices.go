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
