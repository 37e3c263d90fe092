package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// NoticeKind is the outbox kind of what calls tell people (decision
// 0105). A row of it points at a call_notices row; its text is written at
// sending time, in the person's language then, and it goes by Telegram to
// a person who linked it, else by email. (A plain outbox mail row keeps
// only the address and the text, so "by Telegram when linked" would be
// lost between storing and sending.)
const NoticeKind = "calls"

// notice is one message to one person about one application.
type notice struct {
	What    string // team_invite, advanced, backfilled, winner
	UserID  int64  // 0: an address without an account (an invitation)
	Email   string
	Lang    i18n.Lang // for an address without an account: the inviter's
	CallID  int64
	StageID int64 // 0 for an invitation
	AppID   int64
	Due     time.Time // zero: now
}

// addNotices stores notices and their outbox rows inside tx; the caller
// sends the returned outbox ids after the commit.
func (s *Service) addNotices(ctx context.Context, tx *db.Tx, ns []notice) ([]int64, error) {
	if s.Outbox == nil || s.Catalog == nil || len(ns) == 0 {
		return nil, nil
	}
	entries := make([]outbox.Entry, 0, len(ns))
	for _, n := range ns {
		var uid, stage any
		if n.UserID != 0 {
			uid = n.UserID
		}
		if n.StageID != 0 {
			stage = n.StageID
		}
		lang := n.Lang
		if lang == "" {
			lang = i18n.KK
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO call_notices (what, user_id, email, lang, call_id, stage_id, application_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.What, uid, n.Email, string(lang), n.CallID, stage, n.AppID, tx.Now).Scan(&id); err != nil {
			return nil, fmt.Errorf("calls: notice: %w", err)
		}
		entries = append(entries, outbox.Entry{Kind: NoticeKind, Ref: id, Due: n.Due, Message: outbox.Message{UserID: n.UserID, To: n.Email}})
	}
	return s.Outbox.Add(ctx, tx, entries...)
}

// renderNotice writes notice id for its reader at sending time.
func (s *Service) renderNotice(ctx context.Context, id int64) (outbox.Message, error) {
	var what, email, lang string
	var uid, stageID sql.NullInt64
	var callID, appID int64
	var live bool
	var userEmail sql.NullString
	var userLang sql.NullString
	err := s.DB.QueryRow(ctx, `SELECT n.what, n.user_id, n.email, n.lang, n.call_id, n.stage_id, n.application_id,
		u.email, u.lang, COALESCE(u.deleted_at IS NULL, TRUE)
		FROM call_notices n LEFT JOIN users u ON u.id = n.user_id WHERE n.id = ?`, id).
		Scan(&what, &uid, &email, &lang, &callID, &stageID, &appID, &userEmail, &userLang, &live)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !live) {
		return outbox.Message{}, outbox.ErrNobody // the call or the account is gone
	}
	if err != nil {
		return outbox.Message{}, fmt.Errorf("calls: notice %d: %w", id, err)
	}
	if uid.Valid {
		email = userEmail.String
		lang = userLang.String
	}
	l, ok := i18n.Parse(lang)
	if !ok {
		l = i18n.KK
	}
	c, err := s.Get(ctx, callID)
	if err != nil {
		return outbox.Message{}, outbox.ErrNobody
	}
	p := s.Catalog.Printer(l)
	m := outbox.Message{UserID: uid.Int64, Telegram: uid.Valid, To: email}
	if what == "team_invite" {
		var leader string
		if err := s.DB.QueryRow(ctx, "SELECT u.name FROM call_applications a JOIN users u ON u.id = a.user_id WHERE a.id = ?", appID).Scan(&leader); err != nil {
			return outbox.Message{}, outbox.ErrNobody
		}
		link := fmt.Sprintf("%s/%s/calls/%d#invitations", s.BaseURL, l, c.ID)
		m.Subject = p.T("calls.email.team_invite.subject", "call", c.Title.In(l))
		m.Text = p.T("calls.email.team_invite.body", "name", leader, "call", c.Title.In(l), "email", email, "link", link, "site", s.SiteName,
			"min", c.TeamMin, "max", c.TeamMax)
		return m, nil
	}
	st := c.Stage(stageID.Int64)
	if st == nil {
		return outbox.Message{}, outbox.ErrNobody
	}
	nextTitle := ""
	if next := c.Next(st); next != nil {
		nextTitle = next.Title.In(l)
	}
	link := fmt.Sprintf("%s/%s/calls/%d", s.BaseURL, l, c.ID)
	key := "calls.email." + what
	m.Subject = p.T(key+".subject", "call", c.Title.In(l))
	m.Text = p.T(key+".body", "call", c.Title.In(l), "stage", st.Title.In(l), "next", nextTitle, "link", link, "site", s.SiteName)
	return m, nil
}
