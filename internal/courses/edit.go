package courses

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Editing a course (its organizers): texts, teachers, capacity,
// eligibility, place and link, threshold, offer and reminder hours, and
// the schedule. A larger capacity offers the new seats to the waiting list
// in order at once; a capacity below the seats held is refused, saying how
// many are enrolled (and hold offers). A new schedule regenerates the
// future sessions only: sessions that started, and any with marks, stay
// with their attendance; the others are replaced by the new schedule's
// sessions after now, and the people holding a seat are told the new
// times. Eligibility applies to enrolments from then on: nobody enrolled
// is removed by it.

// Changes says what an edit did beyond the course's own fields.
type Changes struct {
	Offered         int  // seats offered to the waiting list (capacity raised)
	Rescheduled     bool // the schedule changed: future sessions regenerated
	SessionsRemoved int  // future sessions replaced
	SessionsAdded   int  // sessions of the new schedule
}

// scheduleKey is a schedule in one spelling, to tell whether it changed.
func scheduleKey(s Schedule) string {
	days := slices.Clone(s.Weekdays)
	slices.SortFunc(days, func(a, b string) int { return slices.Index(Weekdays, a) - slices.Index(Weekdays, b) })
	h, m, _ := parseHHMM(s.Start)
	return fmt.Sprintf("%s|%02d:%02d|%d|%s|%s", strings.Join(days, ","), h, m, s.Minutes, strings.TrimSpace(s.From), strings.TrimSpace(s.To))
}

// Update changes course id to in (in.OrgID is ignored: a course stays with
// its organization). Its organizers only (moderators of the organization).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in NewCourse) (*Course, *Changes, error) {
	if u == nil {
		return nil, nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return nil, nil, err
	}
	in.OrgID = c.OrgID
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	ch := &Changes{Rescheduled: scheduleKey(in.Schedule) != scheduleKey(c.Schedule)}
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		*ch = Changes{Rescheduled: ch.Rescheduled}
		queued = nil
		_, taken, _, _, err := lockCourse(ctx, tx, id)
		if err != nil {
			return err
		}
		var fs errs.Fields
		var enrolled int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND status = 'enrolled'", id).Scan(&enrolled); err != nil {
			return err
		}
		switch {
		case in.Capacity < enrolled:
			fs.Add("capacity", "courses.capacity_below_enrolled", "count", enrolled)
		case in.Capacity < taken:
			fs.Add("capacity", "courses.capacity_below_offers", "count", enrolled, "offered", taken-enrolled)
		}
		if err := checkRefs(ctx, tx, &in, &fs); err != nil {
			return err
		}
		if err := fs.Err(); err != nil {
			return err
		}
		if ch.Rescheduled {
			renamed := *c // the message names the course as it is now called
			renamed.Title = in.Title
			q, err := s.reschedule(ctx, tx, &renamed, in.Schedule, ch)
			if err != nil {
				return err
			}
			queued = append(queued, q...)
		}
		sc := in.Schedule
		if _, err := tx.Exec(ctx, `UPDATE courses SET title_kk = ?, title_ru = ?, title_en = ?, description_kk = ?, description_ru = ?,
			description_en = ?, capacity = ?, weekdays = ?, start_time = ?, minutes = ?, date_from = ?, date_to = ?, place = ?, online_url = ?,
			age_min = ?, age_max = ?, regions = ?, members_only = ?, threshold_pct = ?, offer_hours = ?, remind_hours = ?,
			ends_at = (SELECT MAX(ends_at) FROM course_sessions WHERE course_id = ?), sheet_version = sheet_version + 1, updated_at = ?
			WHERE id = ?`,
			in.Title.KK, in.Title.RU, in.Title.EN, in.Description.KK, in.Description.RU, in.Description.EN, in.Capacity,
			strings.Join(sc.Weekdays, ","), sc.Start, sc.Minutes, sc.From, sc.To, in.Place, in.OnlineURL,
			in.Eligibility.AgeMin, in.Eligibility.AgeMax, strings.Join(in.Eligibility.Regions, ","), in.Eligibility.MembersOnly,
			in.Threshold, in.OfferHours, *in.RemindHours, id, tx.Now, id); err != nil {
			return fmt.Errorf("courses: update %d: %w", id, err)
		}
		oldTeachers := make([]int64, 0, len(c.Teachers))
		for _, t := range c.Teachers {
			oldTeachers = append(oldTeachers, t.ID)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM course_teachers WHERE course_id = ?", id); err != nil {
			return err
		}
		for _, t := range in.Teachers {
			if _, err := tx.Exec(ctx, "INSERT INTO course_teachers (course_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", id, t); err != nil {
				return err
			}
		}
		if in.Capacity > taken {
			// The new seats go to the waiting list in order, at once.
			var waiting int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND status = 'waiting'", id).Scan(&waiting); err != nil {
				return err
			}
			q, err := s.offerFreeSeats(ctx, tx, c)
			if err != nil {
				return err
			}
			ch.Offered = min(waiting, in.Capacity-taken)
			queued = append(queued, q...)
		}
		before, after := diff(c, oldTeachers, &in)
		if ch.Rescheduled {
			after["sessions_removed"], after["sessions_added"] = ch.SessionsRemoved, ch.SessionsAdded
		}
		if ch.Offered > 0 {
			after["seats_offered"] = ch.Offered
		}
		return recordAudit(ctx, tx, u.ID, "courses.update", id, c.OrgID, before, after)
	})
	if err != nil {
		return nil, nil, err
	}
	s.send(queued)
	got, err := s.Get(ctx, id)
	return got, ch, err
}

// reschedule replaces the future sessions of locked course c by those of
// the new schedule: a session that started, or has marks, stays (with its
// attendance); a new session falls after now and not on a kept one's
// start. The people holding a seat are told.
func (s *Service) reschedule(ctx context.Context, tx *db.Tx, c *Course, sc Schedule, ch *Changes) ([]int64, error) {
	// Kept: sessions that started, and any with marks (a check-in opens
	// before the start).
	rows, err := tx.Query(ctx, `SELECT starts_at FROM course_sessions s WHERE s.course_id = ? AND (s.starts_at <= ?
		OR EXISTS (SELECT 1 FROM course_attendance a WHERE a.session_id = s.id))`, c.ID, tx.Now)
	if err != nil {
		return nil, err
	}
	keptStarts := map[int64]bool{}
	kept := 0
	for rows.Next() {
		var t db.Time
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		keptStarts[t.Time.Unix()] = true
		kept++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var fresh []Session
	for _, se := range sc.Sessions() {
		if se.StartsAt.After(tx.Now) && !keptStarts[se.StartsAt.Unix()] {
			fresh = append(fresh, se)
		}
	}
	var fs errs.Fields
	switch {
	case kept+len(fresh) == 0:
		fs.Add("schedule.weekdays", "courses.no_sessions")
	case kept+len(fresh) > MaxSessions:
		fs.Add("schedule.to", "courses.too_many_sessions", "max", MaxSessions)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, `DELETE FROM course_sessions WHERE course_id = ? AND starts_at > ?
		AND NOT EXISTS (SELECT 1 FROM course_attendance a WHERE a.session_id = course_sessions.id)`, c.ID, tx.Now)
	if err != nil {
		return nil, fmt.Errorf("courses: reschedule %d: %w", c.ID, err)
	}
	n, _ := res.RowsAffected()
	ch.SessionsRemoved = int(n)
	for _, se := range fresh {
		if _, err := tx.Exec(ctx, `INSERT INTO course_sessions (course_id, starts_at, ends_at, checkin_secret) VALUES (?, ?, ?, ?)`,
			c.ID, se.StartsAt, se.EndsAt, newSecret()); err != nil {
			return nil, fmt.Errorf("courses: reschedule %d: %w", c.ID, err)
		}
	}
	ch.SessionsAdded = len(fresh)
	if len(fresh) == 0 && ch.SessionsRemoved == 0 {
		return nil, nil // nothing ahead changed (the course is over)
	}
	ids, err := enrolledIDs(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	return s.tell(ctx, tx, ids, c, "courses.msg.rescheduled_subject", "courses.msg.rescheduled_text",
		func(pr *i18n.Printer) []any {
			next := pr.T("courses.msg.no_next_session")
			if len(fresh) > 0 {
				next = pr.DateTime(fresh[0].StartsAt)
			}
			return []any{"schedule", describeSchedule(pr, sc), "next", next, "count", len(fresh)}
		})
}

// describeSchedule says a schedule in words: "Tue, Thu 18:00–19:30,
// 12 January 2027 – 30 April 2027" (Almaty time).
func describeSchedule(pr *i18n.Printer, sc Schedule) string {
	var days []string
	for _, d := range Weekdays {
		if slices.Contains(sc.Weekdays, d) {
			days = append(days, pr.T("courses.day."+d))
		}
	}
	h, m, _ := parseHHMM(sc.Start)
	start := time.Date(2000, 1, 1, h, m, 0, 0, time.UTC)
	end := start.Add(time.Duration(sc.Minutes) * time.Minute)
	from, _ := parseDay(sc.From)
	to, _ := parseDay(sc.To)
	return fmt.Sprintf("%s %s–%s, %s – %s", strings.Join(days, ", "), start.Format("15:04"), end.Format("15:04"), pr.Date(from), pr.Date(to))
}

// diff is the audit log's before and after: the fields an edit changed.
func diff(c *Course, teachers []int64, in *NewCourse) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	add := func(key string, was, now any, changed bool) {
		if changed {
			before[key], after[key] = was, now
		}
	}
	add("title", c.Title, in.Title, c.Title != in.Title)
	add("description", c.Description, in.Description, c.Description != in.Description)
	add("capacity", c.Capacity, in.Capacity, c.Capacity != in.Capacity)
	add("schedule", c.Schedule, in.Schedule, scheduleKey(c.Schedule) != scheduleKey(in.Schedule))
	add("place", c.Place, in.Place, c.Place != in.Place)
	add("online_url", c.OnlineURL, in.OnlineURL, c.OnlineURL != in.OnlineURL)
	add("eligibility", c.Eligibility, in.Eligibility, fmt.Sprint(c.Eligibility) != fmt.Sprint(in.Eligibility))
	add("certificate_threshold", c.Threshold, in.Threshold, c.Threshold != in.Threshold)
	add("offer_hours", c.OfferHours, in.OfferHours, c.OfferHours != in.OfferHours)
	add("remind_hours", c.RemindHours, *in.RemindHours, c.RemindHours != *in.RemindHours)
	sorted := slices.Sorted(slices.Values(in.Teachers))
	add("teachers", teachers, sorted, fmt.Sprint(slices.Sorted(slices.Values(teachers))) != fmt.Sprint(sorted))
	return before, after
}

// Editable is course c as the edit form and PATCH start from.
func (c *Course) Editable() NewCourse {
	h := c.RemindHours
	in := NewCourse{OrgID: c.OrgID, Title: c.Title, Description: c.Description, Capacity: c.Capacity, Schedule: c.Schedule,
		Place: c.Place, OnlineURL: c.OnlineURL, Eligibility: c.Eligibility, Threshold: c.Threshold, OfferHours: c.OfferHours,
		RemindHours: &h}
	in.Schedule.Weekdays = slices.Clone(c.Schedule.Weekdays)
	in.Eligibility.Regions = slices.Clone(c.Eligibility.Regions)
	for _, t := range c.Teachers {
		in.Teachers = append(in.Teachers, t.ID)
	}
	return in
}
