package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Enrolment statuses. An offered person holds a seat until the offer
// expires.
const (
	Enrolled = "enrolled"
	Waiting  = "waiting"
	Offered  = "offered"
)

// Enrolment is a person's place in a course.
type Enrolment struct {
	Status         string // Enrolled, Waiting, Offered, or "" for none
	Position       int    // place on the waiting list (1 = next)
	OfferExpiresAt *time.Time
	Reminders      bool
}

func recordAudit(ctx context.Context, tx *db.Tx, actor int64, action string, courseID, orgID int64, before, after any) error {
	return audit.Record(ctx, tx, audit.Entry{ActorID: actor, Action: action, TargetType: "course",
		TargetID: strconv.FormatInt(courseID, 10), OrgID: orgID, Before: before, After: after})
}

// lockCourse holds the course row for the rest of the transaction, so that
// enrolments of one course take turns on every node (SQLite's one writer
// does this anyway); the order in which they get it is the order of
// arrival.
func lockCourse(ctx context.Context, tx *db.Tx, id int64) (capacity, taken, offerHours int, ends time.Time, err error) {
	var e db.Time
	err = tx.QueryRow(ctx, "SELECT capacity, seats_taken, offer_hours, ends_at FROM courses WHERE id = ?"+tx.ForUpdate(), id).
		Scan(&capacity, &taken, &offerHours, &e)
	if errors.Is(err, sql.ErrNoRows) {
		err = notFound()
	}
	return capacity, taken, offerHours, e.Time, err
}

// eligible returns nil when p may take the course, else a 403 saying why.
func (s *Service) eligible(ctx context.Context, p *auth.User, c *Course) error {
	if p.Limited() {
		return errs.New(errs.ConsentRequired, "courses.consent_required")
	}
	e := c.Eligibility
	if e.AgeMin > 0 || e.AgeMax > 0 {
		age, ok := ageOn(p.BirthDate, s.db.Now())
		if !ok {
			return errs.New(errs.Forbidden, "courses.ineligible_age_unknown")
		}
		if (e.AgeMin > 0 && age < e.AgeMin) || (e.AgeMax > 0 && age > e.AgeMax) {
			return errs.New(errs.Forbidden, "courses.ineligible_age", "min", e.AgeMin, "max", e.AgeMax)
		}
	}
	if len(e.Regions) > 0 && !slices.Contains(e.Regions, p.Region) {
		return errs.New(errs.Forbidden, "courses.ineligible_region")
	}
	if e.MembersOnly {
		r, err := s.auth.RoleIn(ctx, p, c.OrgID)
		if err != nil {
			return err
		}
		if r < auth.Member {
			return errs.New(errs.Forbidden, "courses.ineligible_member")
		}
	}
	return nil
}

func ageOn(birth string, now time.Time) (int, bool) {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return 0, false
	}
	d := now.In(i18n.Almaty)
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || (d.Month() == b.Month() && d.Day() < b.Day()) {
		age--
	}
	return age, true
}

// Enrol gives a person a seat, or a place on the waiting list when the
// course is full. personID 0 (or u's own id) enrols u, who must be
// eligible; the course's organizers may enrol a member of the
// organization. Enrolling twice, or after the course ended, is refused.
func (s *Service) Enrol(ctx context.Context, u *auth.User, courseID, personID int64) (*Enrolment, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return nil, err
	}
	p := u
	if personID != 0 && personID != u.ID {
		if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
			return nil, err
		}
		p, err = s.auth.UserByID(ctx, personID)
		if err != nil || p.Deleted {
			return nil, errs.Fields{{Name: "person_id", Key: "courses.not_member"}}.Err()
		}
		if p.Limited() {
			return nil, errs.New(errs.ConsentRequired, "courses.consent_required")
		}
	} else if err := s.eligible(ctx, u, c); err != nil {
		return nil, err
	}
	var out Enrolment
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if p != u {
			ok, err := isMember(ctx, tx, c.OrgID, p.ID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.Fields{{Name: "person_id", Key: "courses.not_member"}}.Err()
			}
		}
		capacity, taken, _, ends, err := lockCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if !tx.Now.Before(ends) {
			return errs.New(errs.Conflict, "courses.ended")
		}
		var arrival int
		if err := tx.QueryRow(ctx, "UPDATE courses SET arrivals = arrivals + 1 WHERE id = ? RETURNING arrivals", courseID).Scan(&arrival); err != nil {
			return err
		}
		out.Status = Enrolled
		if taken >= capacity {
			out.Status = Waiting
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO course_enrolments (course_id, user_id, status, arrival, enrolled_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (course_id, user_id) DO NOTHING RETURNING id`,
			courseID, p.ID, out.Status, arrival, u.ID, tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "courses.already_enrolled")
		}
		if err != nil {
			return fmt.Errorf("courses: enrol: %w", err)
		}
		if p != u {
			if err := recordAudit(ctx, tx, u.ID, "courses.enrol", courseID, c.OrgID, nil,
				map[string]any{"person_id": p.ID, "status": out.Status}); err != nil {
				return err
			}
			subject, text := "courses.msg.enrolled_subject", "courses.msg.enrolled_text"
			if out.Status == Waiting {
				subject, text = "courses.msg.waitlisted_subject", "courses.msg.waitlisted_text"
			}
			queued, err = s.tell(ctx, tx, []int64{p.ID}, c, subject, text, nil)
			if err != nil {
				return err
			}
		}
		if out.Status == Enrolled {
			_, err = tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken + 1, sheet_version = sheet_version + 1 WHERE id = ?", courseID)
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND status = 'waiting' AND arrival <= ?`,
			courseID, arrival).Scan(&out.Position)
	})
	if err != nil {
		return nil, err
	}
	s.send(queued)
	return &out, nil
}

// Leave ends a person's enrolment (their own, or anyone's for the
// course's organizers). A freed seat is offered to the first waiting.
func (s *Service) Leave(ctx context.Context, u *auth.User, courseID, personID int64) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return err
	}
	if personID == 0 {
		personID = u.ID
	}
	if personID != u.ID {
		if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
			return err
		}
	}
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, _, _, _, err := lockCourse(ctx, tx, courseID); err != nil {
			return err
		}
		var status string
		err := tx.QueryRow(ctx, "DELETE FROM course_enrolments WHERE course_id = ? AND user_id = ? RETURNING status", courseID, personID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "courses.not_enrolled")
		}
		if err != nil {
			return err
		}
		if personID != u.ID {
			if err := recordAudit(ctx, tx, u.ID, "courses.unenrol", courseID, c.OrgID, map[string]any{"person_id": personID, "status": status}, nil); err != nil {
				return err
			}
		}
		if status == Waiting {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken - 1, sheet_version = sheet_version + 1 WHERE id = ?", courseID); err != nil {
			return err
		}
		queued, err = s.offerFreeSeats(ctx, tx, c)
		return err
	})
	if err != nil {
		return err
	}
	s.send(queued)
	return nil
}

// offerFreeSeats offers every free seat of a locked course to the first
// waiting people, in order of arrival, and tells them.
func (s *Service) offerFreeSeats(ctx context.Context, tx *db.Tx, c *Course) ([]int64, error) {
	capacity, taken, hours, ends, err := lockCourse(ctx, tx, c.ID)
	if err != nil || !tx.Now.Before(ends) {
		return nil, err
	}
	expires := tx.Now.Add(time.Duration(hours) * time.Hour)
	var offers []outbox.Entry
	for ; taken < capacity; taken++ {
		var id, uid int64
		err := tx.QueryRow(ctx, `UPDATE course_enrolments SET status = 'offered', offer_expires_at = ? WHERE id =
			(SELECT id FROM course_enrolments WHERE course_id = ? AND status = 'waiting' ORDER BY arrival LIMIT 1)
			RETURNING id, user_id`, expires, c.ID).Scan(&id, &uid)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("courses: offer: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken + 1, sheet_version = sheet_version + 1 WHERE id = ?", c.ID); err != nil {
			return nil, err
		}
		// Written at sending time (renderOffer): in the person's language
		// then, with Accept / Decline buttons in Telegram, and not at all
		// once the offer is answered or over.
		offers = append(offers, outbox.Entry{Kind: offerKind, Ref: id, Message: outbox.Message{UserID: uid}})
	}
	if s.outbox == nil || len(offers) == 0 {
		return nil, nil
	}
	ids, err := s.outbox.Add(ctx, tx, offers...)
	if err != nil {
		return nil, fmt.Errorf("courses: queue offers for course %d: %w", c.ID, err)
	}
	return ids, nil
}

// AnswerOffer accepts or declines u's offer of a seat. An expired offer
// cannot be accepted; declining passes the seat to the next person.
func (s *Service) AnswerOffer(ctx context.Context, u *auth.User, courseID int64, accept bool) (*Enrolment, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return nil, errs.New(errs.ConsentRequired, "courses.consent_required")
	}
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return nil, err
	}
	var queued []int64
	out := &Enrolment{}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, _, _, _, err := lockCourse(ctx, tx, courseID); err != nil {
			return err
		}
		var status string
		var expires db.Time
		err := tx.QueryRow(ctx, "SELECT status, offer_expires_at FROM course_enrolments WHERE course_id = ? AND user_id = ?", courseID, u.ID).
			Scan(&status, &expires)
		if err == nil && status == Enrolled {
			// Accepted already (a second press, from the web or the chat).
			return errs.New(errs.Conflict, "courses.offer_already_accepted")
		}
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != Offered) {
			return errs.New(errs.Conflict, "courses.no_offer")
		}
		if err != nil {
			return err
		}
		if !tx.Now.Before(expires.Time) {
			return errs.New(errs.Conflict, "courses.offer_expired")
		}
		if accept {
			out.Status = Enrolled
			if _, err := tx.Exec(ctx, "UPDATE course_enrolments SET status = 'enrolled', offer_expires_at = NULL WHERE course_id = ? AND user_id = ?", courseID, u.ID); err != nil {
				return err
			}
			return bumpSheet(ctx, tx, courseID)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM course_enrolments WHERE course_id = ? AND user_id = ?", courseID, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken - 1, sheet_version = sheet_version + 1 WHERE id = ?", courseID); err != nil {
			return err
		}
		queued, err = s.offerFreeSeats(ctx, tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.send(queued)
	return out, nil
}

// ExpireOffers ends the offers whose time ran out and offers their seats
// to the next waiting people. It returns how many offers expired.
func (s *Service) ExpireOffers(ctx context.Context) (int, error) {
	courses, err := db.ScanIDs(s.db.Query(ctx, `SELECT DISTINCT course_id FROM course_enrolments
		WHERE status = 'offered' AND offer_expires_at <= ?`, s.db.Now()))
	if err != nil {
		return 0, fmt.Errorf("courses: expired offers: %w", err)
	}
	total := 0
	for _, id := range courses {
		c, err := s.Get(ctx, id)
		if err != nil {
			return total, err
		}
		var queued []int64
		n := 0
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if _, _, _, _, err := lockCourse(ctx, tx, id); err != nil {
				return err
			}
			gone, err := db.ScanIDs(tx.Query(ctx, `DELETE FROM course_enrolments WHERE course_id = ? AND status = 'offered'
				AND offer_expires_at <= ? RETURNING user_id`, id, tx.Now))
			if err != nil {
				return err
			}
			n = len(gone)
			if n == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken - ?, sheet_version = sheet_version + 1 WHERE id = ?", n, id); err != nil {
				return err
			}
			q1, err := s.tell(ctx, tx, gone, c, "courses.msg.expired_subject", "courses.msg.expired_text", nil)
			if err != nil {
				return err
			}
			q2, err := s.offerFreeSeats(ctx, tx, c)
			queued = append(q1, q2...)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		s.send(queued)
	}
	return total, nil
}

// Mine returns u's enrolment ("" status when none).
func (s *Service) Mine(ctx context.Context, u *auth.User, courseID int64) (*Enrolment, error) {
	var e Enrolment
	if u == nil {
		return &e, nil
	}
	var arrival int
	var expires db.Time
	err := s.db.QueryRow(ctx, `SELECT status, arrival, offer_expires_at, reminders,
		(SELECT COUNT(*) FROM course_enrolments w WHERE w.course_id = e.course_id AND w.status = 'waiting' AND w.arrival <= e.arrival)
		FROM course_enrolments e WHERE course_id = ? AND user_id = ?`, courseID, u.ID).Scan(&e.Status, &arrival, &expires, &e.Reminders, &e.Position)
	if errors.Is(err, sql.ErrNoRows) {
		return &e, nil
	}
	if err != nil {
		return nil, fmt.Errorf("courses: mine: %w", err)
	}
	if e.Status != Waiting {
		e.Position = 0
	}
	e.OfferExpiresAt = expires.Ptr()
	return &e, nil
}

// SetReminders turns u's reminders before sessions on or off.
func (s *Service) SetReminders(ctx context.Context, u *auth.User, courseID int64, on bool) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "courses.consent_required")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE course_enrolments SET reminders = ? WHERE course_id = ? AND user_id = ?", on, courseID, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "courses.not_enrolled")
		}
		return nil
	})
}

// Learner is an enrolled or waiting person, as the organizers see them.
type Learner struct {
	Person
	Status         string
	Position       int
	OfferExpiresAt *time.Time
}

// Learners lists a course's people: enrolled by name, then offered, then
// waiting in order (its teachers and organizers only).
func (s *Service) Learners(ctx context.Context, u *auth.User, c *Course) ([]Learner, error) {
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name, e.status, e.offer_expires_at FROM course_enrolments e JOIN users u ON u.id = e.user_id
		WHERE e.course_id = ? AND u.deleted_at IS NULL
		ORDER BY CASE e.status WHEN 'enrolled' THEN 0 WHEN 'offered' THEN 1 ELSE 2 END,
			CASE WHEN e.status = 'waiting' THEN e.arrival ELSE 0 END, u.name, u.id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("courses: learners: %w", err)
	}
	defer rows.Close()
	var out []Learner
	pos := 0
	for rows.Next() {
		var l Learner
		var ex db.Time
		if err := rows.Scan(&l.ID, &l.Name, &l.Status, &ex); err != nil {
			return nil, err
		}
		l.OfferExpiresAt = ex.Ptr()
		if l.Status == Waiting {
			pos++
			l.Position = pos
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// IsLearner says whether a person is or was enrolled in a course of the
// organization (awards accepts them as recipients).
func (s *Service) IsLearner(ctx context.Context, orgID, personID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM course_enrolments e JOIN courses c ON c.id = e.course_id
		WHERE c.org_id = ? AND e.user_id = ? AND e.status = 'enrolled')`, orgID, personID).Scan(&ok)
	return ok, err
}

// bumpSheet counts up the course's sheet version: its kept copy of the
// attendance sheet is no longer read.
func bumpSheet(ctx context.Context, tx *db.Tx, courseID int64) error {
	_, err := tx.Exec(ctx, "UPDATE courses SET sheet_version = sheet_version + 1 WHERE id = ?", courseID)
	return err
}
