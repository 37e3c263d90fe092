package meetings

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// ElectionLink is an election held at a meeting, as the meeting page lists
// it: under its agenda item when it has one, with its results once
// published.
type ElectionLink struct {
	ID     int64
	ItemID int64 // 0: the meeting as a whole
	Title  string
	Status string
	// Results, once published.
	Ballots, Electorate int
	QuorumReached       bool
	SecondRound         bool
	Elected             []string
}

// Elections lists the elections of a meeting (the elections package).
type Elections interface {
	LinksForMeeting(ctx context.Context, meetingID int64, l i18n.Lang) ([]ElectionLink, error)
}

// Handler serves the meeting pages and API.
type Handler struct {
	srv       *web.Server
	svc       *Service
	elections Elections
}

// Register adds the templates and routes to the server.
func (svc *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &Handler{srv: srv, svc: svc, elections: svc.elections}
	srv.PageCached("GET /meetings", h.list)
	srv.Page("GET /meetings/new", h.newForm)
	srv.AddNewLink(web.NewLink{Path: "/meetings/new", Title: "meetings.new", Order: 10})
	srv.AddPart("orgs_show", h.orgSection)
	srv.Page("POST /meetings", h.create)
	srv.PageCached("GET /meetings/{id}", h.show)
	srv.Page("POST /meetings/{id}/agenda", h.addItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/move", h.moveItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/minutes", h.minutes)
	srv.Page("POST /meetings/{id}/agenda/{item}/edit", h.editItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/delete", h.deleteItem)
	srv.Page("GET /meetings/{id}/edit", h.editForm)
	srv.Page("POST /meetings/{id}/edit", h.update)
	srv.Page("POST /meetings/{id}/cancel-meeting", h.cancelMeeting)
	srv.Page("GET /meetings/{id}/quorum", h.quorum)
	srv.Page("POST /meetings/{id}/register", h.register)
	srv.Page("POST /meetings/{id}/cancel", h.cancel)
	srv.Page("GET /meetings/{id}/pass", h.pass)
	srv.Page("GET /meetings/{id}/attendance", h.attendance)
	srv.Page("POST /meetings/{id}/attendance", h.markPresent)
	srv.Page("GET /meetings/{id}/checkin", h.checkinForm)
	srv.Page("POST /meetings/{id}/checkin", h.checkin)
	srv.Page("POST /meetings/{id}/questions", h.ask)
	srv.Page("POST /meetings/{id}/questions/{q}/vote", h.upvote)
	srv.Page("POST /meetings/{id}/questions/{q}/moderate", h.moderate)
	srv.Page("POST /meetings/{id}/decisions", h.addDecision)
	srv.Page("POST /meetings/{id}/decisions/{d}/vote", h.voteDecision)
	srv.Page("POST /meetings/{id}/decisions/{d}/close", h.closeDecision)
	srv.Page("POST /meetings/{id}/minutes/approve", h.approve)
	srv.Page("GET /meetings/{id}/minutes.pdf", h.minutesPDF)
	srv.Page("GET /meetings/{id}/meeting.ics", h.ics)
	srv.Page("GET /organizations/{id}/meetings.ics", h.feed)

	tags := []string{"meetings"}
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings", ID: "listMeetings",
		Summary: "Meetings, past and coming, by start time (the link to join online only for those who may attend)",
		Tags:    tags, Response: api.Page[MeetingOut]{}, Query: listQuery(), Errors: []int{422}}, h.apiList)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings/{id}/agenda", ID: "getMeetingAgenda", Summary: "A meeting's agenda, in order",
		Tags: tags, Response: api.Page[ItemOut]{}, Errors: []int{404}}, h.apiAgenda)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings/{id}/minutes", ID: "getMeetingMinutes",
		Summary: "A meeting's minutes by agenda item: approved minutes for everyone, the draft for its organizers",
		Tags:    tags, Response: MinutesOut{}, Errors: []int{404}}, h.apiMinutes)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings/{id}/decisions", ID: "listMeetingDecisions",
		Summary: "A meeting's decisions, with the counts once each vote is closed",
		Tags:    tags, Response: api.Page[DecisionOut]{}, Errors: []int{404}}, h.apiDecisions)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/meetings", ID: "createMeeting", Summary: "Create a meeting (organizers)",
		Tags: tags, Auth: true, Request: MeetingIn{}, Response: MeetingOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings/{id}", ID: "getMeeting", Summary: "A meeting with its agenda",
		Tags: tags, Response: MeetingOut{}, Errors: []int{404}}, h.apiGet)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/meetings/{id}/registration", ID: "registerForMeeting",
		Summary: "Register (or join the waiting list when full)", Tags: tags, Auth: true, Response: RegistrationOut{},
		Errors: []int{401, 403, 404, 409}}, h.apiRegister)
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/meetings/{id}/registration", ID: "cancelMeetingRegistration",
		Summary: "Cancel a registration; the first on the waiting list moves up", Tags: tags, Auth: true, Response: RegistrationOut{},
		Errors: []int{401, 404}}, h.apiCancel)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/meetings/{id}/questions", ID: "askQuestion", Summary: "Ask a question",
		Tags: tags, Auth: true, Request: QuestionIn{}, Response: QuestionOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, h.apiAsk))
	return nil
}

func withIP(h *Handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}

func (h *Handler) back(w http.ResponseWriter, r *http.Request, id int64, flash, anchor string) {
	p := fmt.Sprintf("/meetings/%d", id)
	if anchor != "" {
		p += "#" + anchor
	}
	h.srv.Redirect(w, r, p, flash)
}

// ParseLocal reads "2006-01-02T15:04" (a datetime-local field) as
// Kazakhstan time.
func ParseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), i18n.Almaty); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// formFail re-renders the meeting page with field errors (422), or fails.
func (h *Handler) formFail(w http.ResponseWriter, r *http.Request, id int64, err error) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	d, lerr := h.load(r.Context(), r, id)
	if lerr != nil {
		h.srv.Fail(w, r, lerr)
		return
	}
	h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: r.PostForm})
}
