package meetings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
)

// Update changes a meeting's details (organizers), until it is called off
// or its minutes are approved. The organization stays. A larger capacity
// (or none) moves people up from the waiting list, who are told by email;
// a capacity below the number already registered is refused.
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in NewMeeting) error {
	m, err := s.requireOrganizer(ctx, u, id)
	if err != nil {
		return err
	}
	in.OrgID = m.OrgID
	if err := in.validate(); err != nil {
		return err
	}
	if m.CancelledAt != nil {
		return errs.New(errs.Conflict, "meetings.is_cancelled")
	}
	if m.MinutesApprovedAt != nil {
		return errs.New(errs.Conflict, "meetings.minutes_approved")
	}
	var promoted, queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		promoted = nil
		if err := checkRefs(ctx, tx, &in); err != nil {
			return err
		}
		_, registered, _, err := lockMeeting(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Capacity > 0 && in.Capacity < registered {
			var fs errs.Fields
			fs.Add("capacity", "meetings.capacity_below_registered", "registered", registered)
			return fs.Err()
		}
		// Move people up from the waiting list into the new places.
		q := `UPDATE meeting_registrations SET status = 'registered' WHERE id IN
			(SELECT id FROM meeting_registrations WHERE meeting_id = ? AND status = 'waitlist' ORDER BY created_at, id`
		args := []any{id}
		if in.Capacity > 0 {
			q += " LIMIT ?"
			args = append(args, in.Capacity-registered)
		}
		rows, err := tx.Query(ctx, q+") RETURNING user_id", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid int64
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return err
			}
			promoted = append(promoted, uid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var capacity any
		if in.Capacity > 0 {
			capacity = in.Capacity
		}
		_, err = tx.Exec(ctx, `UPDATE meetings SET programme_id = ?, kind = ?, format = ?, title_kk = ?, title_ru = ?, title_en = ?,
			description = ?, address = ?, online_url = ?, starts_at = ?, ends_at = ?, invite = ?, capacity = ?,
			registered_count = registered_count + ?, registration_closes_at = ?, quorum_pct = ?, updated_at = ? WHERE id = ?`,
			nullInt(in.ProgrammeID), in.Kind, in.Format, in.Title.KK, in.Title.RU, in.Title.EN, in.Description, in.Address,
			strings.TrimSpace(in.OnlineURL), in.StartsAt.UTC(), in.EndsAt.UTC(), in.Invite, capacity, len(promoted),
			db.NullTime(in.RegistrationClosesAt), in.QuorumPct, tx.Now, id)
		if err != nil {
			return err
		}
		after := *m
		after.Title, after.StartsAt = in.Title, in.StartsAt
		if queued, err = s.tellPromoted(ctx, tx, &after, promoted); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.update", TargetType: "meeting",
			TargetID: strconv.FormatInt(id, 10), OrgID: m.OrgID,
			Before: map[string]any{"title": m.Title, "kind": m.Kind, "format": m.Format, "starts_at": m.StartsAt, "ends_at": m.EndsAt,
				"invite": m.Invite, "capacity": m.Capacity, "address": m.Address, "online_url": m.OnlineURL, "programme_id": m.ProgrammeID},
			After: map[string]any{"title": in.Title, "kind": in.Kind, "format": in.Format, "starts_at": in.StartsAt.UTC(), "ends_at": in.EndsAt.UTC(),
				"invite": in.Invite, "capacity": in.Capacity, "address": in.Address, "online_url": in.OnlineURL, "programme_id": in.ProgrammeID,
				"moved_up": len(promoted)}})
	})
	if err != nil {
		return fmt.Errorf("meetings: update %d: %w", id, err)
	}
	s.sendNow(ctx, queued)
	return nil
}

// CancelMeeting calls the meeting off (organizers), before it ends:
// registration and questions close, the page says so, calendars get
// STATUS:CANCELLED, and everyone registered or waiting is told by email in
// their language. It returns how many people are told.
func (s *Service) CancelMeeting(ctx context.Context, u *auth.User, id int64, reason string) (int, error) {
	reason = strings.TrimSpace(reason)
	var fs errs.Fields
	checkText(&fs, "reason", reason, 1000, false)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	m, err := s.requireOrganizer(ctx, u, id)
	if err != nil {
		return 0, err
	}
	var queued []int64
	told := 0
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if !tx.Now.Before(m.EndsAt) {
			return errs.New(errs.Conflict, "meetings.already_over")
		}
		if _, _, _, err := lockMeeting(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE meetings SET cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?", tx.Now, reason, tx.Now, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT COALESCE(u.email, ''), u.lang FROM meeting_registrations r JOIN users u ON u.id = r.user_id
			WHERE r.meeting_id = ? AND u.deleted_at IS NULL ORDER BY r.id`, id)
		if err != nil {
			return err
		}
		n := 0
		var msgs []mail.Message
		for rows.Next() {
			var email, lang string
			if err := rows.Scan(&email, &lang); err != nil {
				rows.Close()
				return err
			}
			n++
			if email != "" {
				l, _ := i18n.Parse(lang)
				msgs = append(msgs, s.cancelledMessage(m, l, email, reason))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		told = len(msgs)
		if queued, err = s.queueMail(ctx, tx, id, msgs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.cancel", TargetType: "meeting",
			TargetID: strconv.FormatInt(id, 10), OrgID: m.OrgID, After: map[string]any{"reason": reason, "registrations": n}})
	})
	if err != nil {
		return 0, err
	}
	s.sendNow(ctx, queued)
	return told, nil
}

// cancelledMessage tells a registered person, in language l, that m is
// called off.
func (s *Service) cancelledMessage(m *Meeting, l i18n.Lang, email, reason string) mail.Message {
	pr := s.catalog.Printer(l)
	title := m.Title.In(l)
	if l == i18n.KKLatn {
		title = latin(title)
	}
	text := pr.T("meetings.cancelled_text", "title", title, "when", pr.DateTime(m.StartsAt),
		"link", fmt.Sprintf("%s/%s/meetings/%d", s.baseURL, l, m.ID))
	if reason != "" {
		text += "\n" + pr.T("meetings.cancel_reason") + ": " + reason
	}
	return mail.Message{To: email, Subject: pr.T("meetings.cancelled_subject", "title", title), Text: text + "\n"}
}

// EditItem changes an agenda item, before the meeting starts.
func (s *Service) EditItem(ctx context.Context, u *auth.User, meetingID, itemID int64, in NewItem) error {
	if err := in.validate(); err != nil {
		return err
	}
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if !tx.Now.Before(m.StartsAt) {
			return errs.New(errs.Conflict, "meetings.agenda_fixed")
		}
		var before string
		err := tx.QueryRow(ctx, "SELECT title FROM meeting_agenda_items WHERE id = ? AND meeting_id = ?", itemID, meetingID).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE meeting_agenda_items SET title = ?, presenter = ?, duration_min = ?, attachments = ? WHERE id = ?",
			strings.TrimSpace(in.Title), strings.TrimSpace(in.Presenter), in.DurationMin, strings.TrimSpace(in.Attachments), itemID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.agenda_edit", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, Before: map[string]any{"item": itemID, "title": before},
			After: map[string]any{"item": itemID, "title": strings.TrimSpace(in.Title)}})
	})
}

// DeleteItem removes an agenda item before the meeting starts; an item
// that already has decisions is kept. An election held under the item
// stays, no longer tied to it.
func (s *Service) DeleteItem(ctx context.Context, u *auth.User, meetingID, itemID int64) error {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if !tx.Now.Before(m.StartsAt) {
			return errs.New(errs.Conflict, "meetings.agenda_fixed")
		}
		decided, err := tx.Exists(ctx, "SELECT 1 FROM meeting_decisions WHERE agenda_item_id = ?", itemID)
		if err != nil {
			return err
		}
		if decided {
			return errs.New(errs.Conflict, "meetings.item_has_decisions")
		}
		var title string
		err = tx.QueryRow(ctx, "DELETE FROM meeting_agenda_items WHERE id = ? AND meeting_id = ? RETURNING title", itemID, meetingID).Scan(&title)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.agenda_delete", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, Before: map[string]any{"item": itemID, "title": title}})
	})
}
