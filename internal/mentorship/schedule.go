package mentorship

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Weekdays are the keys of a schedule's days, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// MaxScheduleDates is how many calendar dates a schedule may list.
const MaxScheduleDates = 60

// Results of a scheduled slot (Schedule.LastResult).
const (
	ScheduleDone   = "done"   // the round ran
	ScheduleBusy   = "busy"   // another round was running: tried again at the next tick
	ScheduleFailed = "failed" // the round failed (logged); the slot is spent
)

// Schedule is when a pool's matching rounds run by themselves: on the
// Weekdays and on the Dates (YYYY-MM-DD), each at Time (HH:MM) in
// Kazakhstan's time (i18n.Almaty). Both empty: off (the default).
type Schedule struct {
	PoolID   int64
	Weekdays []string
	Dates    []string
	Time     string
	// Since: slots at or before it never run (when the schedule was set).
	Since       time.Time
	LastSlot    time.Time // the latest slot claimed (zero: none)
	LastRunAt   time.Time
	LastRoundID int64
	LastResult  string    // ScheduleDone, ScheduleBusy, ScheduleFailed or ""
	NextAt      time.Time // the next slot (zero: none)
}

// Off reports whether the schedule never runs a round.
func (sc *Schedule) Off() bool { return len(sc.Weekdays) == 0 && len(sc.Dates) == 0 }

// slotOn is the slot on calendar day d (in Almaty), if the schedule has one.
func (sc *Schedule) slotOn(d time.Time) (time.Time, bool) {
	wd := Weekdays[(int(d.Weekday())+6)%7]
	if !slices.Contains(sc.Weekdays, wd) && !slices.Contains(sc.Dates, d.Format("2006-01-02")) {
		return time.Time{}, false
	}
	hm, err := time.Parse("15:04", sc.Time)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, i18n.Almaty).UTC(), true
}

// horizon bounds the days a slot is looked for (dates are refused
// further ahead than this; weekdays recur within a week).
const horizon = 400

// latest is the latest slot t with after < t <= now.
func (sc *Schedule) latest(after, now time.Time) (time.Time, bool) {
	if sc.Off() {
		return time.Time{}, false
	}
	d := now.In(i18n.Almaty)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, i18n.Almaty)
	for range horizon {
		if t, ok := sc.slotOn(d); ok && !t.After(now) && t.After(after) {
			return t, true
		}
		if !d.After(after) { // every earlier day's slot is before after
			break
		}
		d = d.AddDate(0, 0, -1)
	}
	return time.Time{}, false
}

// next is the earliest slot t > after.
func (sc *Schedule) next(after time.Time) (time.Time, bool) {
	if sc.Off() {
		return time.Time{}, false
	}
	d := after.In(i18n.Almaty)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, i18n.Almaty)
	for range horizon {
		if t, ok := sc.slotOn(d); ok && t.After(after) {
			return t, true
		}
		d = d.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}

// ScheduleIn is what an organizer sets.
type ScheduleIn struct {
	Weekdays []string
	Dates    []string
	Time     string
}

func (in *ScheduleIn) validate(now time.Time) error {
	var fs errs.Fields
	var days []string
	for _, w := range in.Weekdays {
		w = strings.ToLower(strings.TrimSpace(w))
		if !slices.Contains(Weekdays, w) {
			fs.Add("weekdays", "validation.invalid_choice")
			continue
		}
		if !slices.Contains(days, w) {
			days = append(days, w)
		}
	}
	slices.SortFunc(days, func(a, b string) int { return slices.Index(Weekdays, a) - slices.Index(Weekdays, b) })
	in.Weekdays = days
	today := now.In(i18n.Almaty).Format("2006-01-02")
	last := now.In(i18n.Almaty).AddDate(0, 0, horizon-1).Format("2006-01-02")
	var dates []string
	for _, d := range in.Dates {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d); err != nil {
			fs.Add("dates", "mentorship.error.schedule_date", "date", d)
			continue
		}
		if d < today {
			fs.Add("dates", "mentorship.error.schedule_past", "date", d)
			continue
		}
		if d > last {
			fs.Add("dates", "mentorship.error.schedule_far", "date", d)
			continue
		}
		if !slices.Contains(dates, d) {
			dates = append(dates, d)
		}
	}
	slices.Sort(dates)
	if len(dates) > MaxScheduleDates {
		fs.Add("dates", "mentorship.error.too_many", "max", MaxScheduleDates)
	}
	in.Dates = dates
	in.Time = strings.TrimSpace(in.Time)
	if in.Time == "" {
		in.Time = "10:00"
	}
	if t, err := time.Parse("15:04", in.Time); err != nil {
		fs.Add("time", "mentorship.error.schedule_time")
	} else {
		in.Time = t.Format("15:04")
	}
	return fs.Err()
}

const scheduleCols = `pool_id, weekdays, dates, at_time, since, last_slot, last_run_at, COALESCE(last_round_id, 0), last_result, next_at`

func scanSchedule(sc scanner) (*Schedule, error) {
	var s Schedule
	var wd, dates string
	var since, last, run, next db.Time
	if err := sc.Scan(&s.PoolID, &wd, &dates, &s.Time, &since, &last, &run, &s.LastRoundID, &s.LastResult, &next); err != nil {
		return nil, err
	}
	s.Weekdays, s.Dates, s.Since = unJSON[[]string](wd), unJSON[[]string](dates), since.Time
	s.LastSlot, s.LastRunAt, s.NextAt = last.Time, run.Time, next.Time
	return &s, nil
}

// Schedule returns pool poolID's schedule (off when none was set). Only
// its organizers read it.
func (s *Service) Schedule(ctx context.Context, actor *auth.User, poolID int64) (*Schedule, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	return s.schedule(ctx, poolID)
}

func (s *Service) schedule(ctx context.Context, poolID int64) (*Schedule, error) {
	sc, err := scanSchedule(s.db.QueryRow(ctx, `SELECT `+scheduleCols+` FROM mentor_schedules WHERE pool_id = ?`, poolID))
	if errors.Is(err, sql.ErrNoRows) {
		return &Schedule{PoolID: poolID, Time: "10:00"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mentorship: schedule: %w", err)
	}
	return sc, nil
}

// SetSchedule sets (or, with no weekdays and no dates, turns off) pool
// poolID's schedule; organizers only. Slots from now on count: a slot
// that passed before the change does not run because of it.
func (s *Service) SetSchedule(ctx context.Context, actor *auth.User, poolID int64, in ScheduleIn) (*Schedule, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	if err := in.validate(s.db.Now()); err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := s.schedule(ctx, p.ID)
		if err != nil {
			return err
		}
		sc := &Schedule{Weekdays: in.Weekdays, Dates: in.Dates, Time: in.Time}
		var next any
		if t, ok := sc.next(tx.Now); ok {
			next = t
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mentor_schedules (pool_id, weekdays, dates, at_time, since, next_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pool_id) DO UPDATE SET weekdays = excluded.weekdays, dates = excluded.dates,
			at_time = excluded.at_time, since = excluded.since, next_at = excluded.next_at, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, p.ID, mustJSON(nonNil(in.Weekdays)), mustJSON(nonNil(in.Dates)), in.Time, tx.Now, next,
			actor.ID, tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "mentorship.schedule", TargetType: "mentor_pool",
			TargetID: fmt.Sprint(p.ID), OrgID: p.OrgID,
			Before: map[string]any{"weekdays": before.Weekdays, "dates": before.Dates, "time": before.Time},
			After:  map[string]any{"weekdays": in.Weekdays, "dates": in.Dates, "time": in.Time}})
	})
	if err != nil {
		return nil, fmt.Errorf("mentorship: set schedule: %w", err)
	}
	return s.schedule(ctx, p.ID)
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// RunSchedules runs the rounds whose slot has come, each once: the slot
// is claimed by a compare-and-set of the schedule's last_slot, so of
// several nodes (or several ticks) only one runs it, and after downtime
// only the latest missed slot runs. A slot that finds another round
// running is released and tried again at the next tick. It returns how
// many rounds ran. The background loop (Run) calls it every minute; tests
// call it with a moved clock.
func (s *Service) RunSchedules(ctx context.Context) (int, error) {
	now := s.db.Now().UTC()
	rows, err := s.db.Query(ctx, `SELECT `+scheduleCols+` FROM mentor_schedules WHERE next_at IS NOT NULL AND next_at <= ?
		ORDER BY next_at LIMIT 100`, now)
	if err != nil {
		return 0, fmt.Errorf("mentorship: schedules: %w", err)
	}
	var due []*Schedule
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, sc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ran := 0
	for _, sc := range due {
		ok, err := s.runSlot(ctx, sc, now)
		if err != nil {
			if ctx.Err() != nil {
				return ran, ctx.Err()
			}
			s.log.Warn("mentorship: scheduled round", "pool", sc.PoolID, "err", err)
		}
		if ok {
			ran++
		}
	}
	return ran, nil
}

// runSlot claims and runs sc's latest due slot; ok: a round ran.
func (s *Service) runSlot(ctx context.Context, sc *Schedule, now time.Time) (ok bool, err error) {
	after := sc.Since
	if sc.LastSlot.After(after) {
		after = sc.LastSlot
	}
	var next any
	if t, found := sc.next(now); found {
		next = t
	}
	slot, found := sc.latest(after, now)
	claimed := false
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if !found { // nothing due after all (the schedule changed): move next_at on
			_, err := tx.Exec(ctx, `UPDATE mentor_schedules SET next_at = ? WHERE pool_id = ? AND since = ?`, next, sc.PoolID, sc.Since)
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE mentor_schedules SET last_slot = ?, next_at = ? WHERE pool_id = ? AND since < ?
			AND (last_slot IS NULL OR last_slot < ?)`, slot, next, sc.PoolID, slot, slot)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	if err != nil || !claimed {
		return false, err
	}
	p, err := s.Pool(ctx, sc.PoolID)
	if err != nil {
		return false, err
	}
	r, rerr := s.runRound(ctx, 0, p)
	result := ScheduleDone
	var roundID any
	switch {
	case rerr == nil:
		roundID = r.ID
	case code(rerr) == errs.Conflict || ctx.Err() != nil: // another round runs, or this node is stopping
		result = ScheduleBusy
	default:
		result = ScheduleFailed
	}
	wctx := context.WithoutCancel(ctx) // recorded even when the node is stopping
	err = s.db.Write(wctx, func(tx *db.Tx) error {
		if result == ScheduleBusy {
			// Give the slot back: the next tick tries again once the
			// other round has finished.
			_, err := tx.Exec(wctx, `UPDATE mentor_schedules SET last_slot = ?, next_at = ?, last_result = ? WHERE pool_id = ? AND last_slot = ?`,
				db.NullTime(nullable(sc.LastSlot)), slot, result, sc.PoolID, slot)
			return err
		}
		_, err := tx.Exec(wctx, `UPDATE mentor_schedules SET last_run_at = ?, last_round_id = ?, last_result = ? WHERE pool_id = ?`,
			tx.Now, roundID, result, sc.PoolID)
		return err
	})
	if err != nil {
		return false, err
	}
	if rerr != nil && result == ScheduleFailed {
		return false, rerr
	}
	return result == ScheduleDone, nil
}

func nullable(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func code(err error) errs.Code {
	if e, ok := errs.As(err); ok {
		return e.Code
	}
	return ""
}
