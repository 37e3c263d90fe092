package mentorship

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/web"
)

// scheduleView is the schedule part of the organizer's view.
type scheduleView struct {
	Days        []option
	Dates       string
	Time        string
	Off         bool
	NextAt      time.Time
	LastRunAt   time.Time
	LastRoundID int64
	LastResult  string
}

func (h *handler) scheduleView(r *http.Request, sc *Schedule, form map[string][]string) *scheduleView {
	pr := h.srv.Printer(r)
	v := &scheduleView{Dates: strings.Join(sc.Dates, "\n"), Time: sc.Time, Off: sc.Off(), NextAt: sc.NextAt, LastRunAt: sc.LastRunAt,
		LastRoundID: sc.LastRoundID, LastResult: sc.LastResult}
	days := sc.Weekdays
	if form != nil { // the refused form, as it was sent
		days, v.Dates, v.Time = form["weekdays"], first(form["dates"]), first(form["time"])
	}
	for _, d := range Weekdays {
		v.Days = append(v.Days, option{Value: d, Label: pr.T("mentorship.weekday." + d), Checked: contains(days, d)})
	}
	return v
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// scheduleFromForm reads weekdays (checkboxes), dates (one a line, or
// separated by commas or spaces) and time (HH:MM); "off" clears both.
func scheduleFromForm(f map[string][]string) ScheduleIn {
	if first(f["off"]) != "" {
		return ScheduleIn{Time: first(f["time"])}
	}
	dates := strings.FieldsFunc(first(f["dates"]), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == ';' })
	return ScheduleIn{Weekdays: f["weekdays"], Dates: dates, Time: first(f["time"])}
}

func (h *handler) setSchedule(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	sc, err := h.svc.SetSchedule(ctxIP(h, r).Context(), req.User, req.ID, scheduleFromForm(r.PostForm))
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.renderManageForm(w, r, req.ID, http.StatusUnprocessableEntity, fe, r.PostForm)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	flash := "mentorship.flash.schedule"
	if sc.Off() {
		flash = "mentorship.flash.schedule_off"
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/mentor-pools/%d/manage#schedule", req.ID), flash)
}

// ScheduleBody is PUT /api/v1/mentor-pools/{id}/schedule: weekdays
// ("mon" … "sun") and/or dates (YYYY-MM-DD), each at time (HH:MM) in
// Kazakhstan's time (UTC+5); both empty turn the schedule off.
type ScheduleBody struct {
	Weekdays []string `json:"weekdays"`
	Dates    []string `json:"dates"`
	Time     string   `json:"time,omitempty"`
}

// ScheduleOut is a pool's schedule with its next slot and last run.
type ScheduleOut struct {
	Weekdays    []string `json:"weekdays"`
	Dates       []string `json:"dates"`
	Time        string   `json:"time"`
	TimeZone    string   `json:"time_zone"`
	NextAt      string   `json:"next_at,omitempty"`
	LastRunAt   string   `json:"last_run_at,omitempty"`
	LastRoundID string   `json:"last_round_id,omitempty"`
	LastResult  string   `json:"last_result,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func scheduleOut(sc *Schedule) ScheduleOut {
	return ScheduleOut{Weekdays: nonNil(sc.Weekdays), Dates: nonNil(sc.Dates), Time: sc.Time, TimeZone: "Asia/Almaty",
		NextAt: rfc3339(sc.NextAt), LastRunAt: rfc3339(sc.LastRunAt), LastRoundID: s64(sc.LastRoundID), LastResult: sc.LastResult}
}

func (h *handler) apiSchedule(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	sc, err := h.svc.Schedule(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, scheduleOut(sc))
}

func (h *handler) apiSetSchedule(r *http.Request, u *auth.User, id int64, in ScheduleBody) (ScheduleOut, error) {
	sc, err := h.svc.SetSchedule(r.Context(), u, id, ScheduleIn(in))
	if err != nil {
		return ScheduleOut{}, err
	}
	return scheduleOut(sc), nil
}
