package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/outbox"
)

// An offer of a freed seat is told through the outbox as its own kind,
// written when it is sent: by email with the course's address, or in
// Telegram with Accept / Decline buttons whose presses come back to Press
// (through the bot, routed by ChatPrefix). Either way the answer is
// AnswerOffer, the web's own call, with its race guarantees.

// offerKind is the outbox kind of offer messages; Ref is the enrolment.
const offerKind = "courses.offer"

// ChatPrefix starts the data of the course buttons in the Telegram chat:
// "co:a:COURSE:EXPIRES" accepts and "co:d:COURSE:EXPIRES" declines the
// offer of a seat (EXPIRES: its end in Unix seconds, only to word a
// refusal once the offer is gone).
const ChatPrefix = "co:"

// renderOffer writes the offer of enrolment ref at sending time, in the
// person's language then; nothing (outbox.ErrNobody) once the offer is
// answered, has run out, or the person is gone.
func (s *Service) renderOffer(ctx context.Context, ref int64) (outbox.Message, error) {
	var courseID, userID int64
	var status, email, lang string
	var expires db.Time
	var alive bool
	err := s.db.QueryRow(ctx, `SELECT e.course_id, e.user_id, e.status, e.offer_expires_at, COALESCE(u.email, ''), u.lang, u.deleted_at IS NULL
		FROM course_enrolments e JOIN users u ON u.id = e.user_id WHERE e.id = ?`, ref).
		Scan(&courseID, &userID, &status, &expires, &email, &lang, &alive)
	if errors.Is(err, sql.ErrNoRows) {
		return outbox.Message{}, outbox.ErrNobody
	}
	if err != nil {
		return outbox.Message{}, fmt.Errorf("courses: offer %d: %w", ref, err)
	}
	if !alive || status != Offered || !s.db.Now().Before(expires.Time) {
		return outbox.Message{}, outbox.ErrNobody
	}
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return outbox.Message{}, err
	}
	l, _ := i18n.Parse(lang)
	pr := s.catalog.Printer(l)
	title := c.Title.In(l)
	if l == i18n.KKLatn {
		title = kazakh.ToLatin(title)
	}
	link := fmt.Sprintf("%s/%s/courses/%d", s.baseURL, l, c.ID)
	until := expires.Time.Unix()
	return outbox.Message{UserID: userID, Telegram: true, To: email,
		Subject: pr.T("courses.msg.offer_subject", "title", title),
		Text:    pr.T("courses.msg.offer_text", "title", title, "link", link, "until", pr.DateTime(expires.Time)) + "\n",
		Buttons: []outbox.Button{
			{Text: pr.T("courses.offer.accept_button"), Data: fmt.Sprintf("%sa:%d:%d", ChatPrefix, c.ID, until)},
			{Text: pr.T("courses.offer.decline_button"), Data: fmt.Sprintf("%sd:%d:%d", ChatPrefix, c.ID, until)},
		}}, nil
}

// Press answers a press of an offer's button in the Telegram chat by u,
// the chat's linked person: AnswerOffer, as on the web. It returns what to
// tell them; a refusal is an *errs.Error (an expired offer, one answered
// already, none at all). Data it does not know: errUnknownButton, which
// the caller maps to its own.
func (s *Service) Press(ctx context.Context, u *auth.User, lang i18n.Lang, data string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(data, ChatPrefix), ":")
	if !strings.HasPrefix(data, ChatPrefix) || len(parts) != 3 || (parts[0] != "a" && parts[0] != "d") {
		return "", ErrUnknownButton
	}
	courseID, err1 := strconv.ParseInt(parts[1], 10, 64)
	until, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || courseID <= 0 {
		return "", ErrUnknownButton
	}
	accept := parts[0] == "a"
	_, err := s.AnswerOffer(ctx, u, courseID, accept)
	if e, ok := errs.As(err); ok && e.Key == "courses.no_offer" && !s.db.Now().Before(time.Unix(until, 0)) {
		// The offer ran out and the seat went on: say so, not "no offer".
		return "", errs.New(errs.Conflict, "courses.offer_expired")
	}
	if err != nil {
		return "", err
	}
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return "", err
	}
	pr := s.catalog.Printer(lang)
	title := c.Title.In(lang)
	if lang == i18n.KKLatn {
		title = kazakh.ToLatin(title)
	}
	key := "courses.chat.accepted"
	if !accept {
		key = "courses.chat.declined"
	}
	return pr.T(key, "title", title, "link", fmt.Sprintf("%s/%s/courses/%d", s.baseURL, lang, c.ID)), nil
}

// ErrUnknownButton: the data is no course button.
var ErrUnknownButton = errors.New("courses: unknown button")
