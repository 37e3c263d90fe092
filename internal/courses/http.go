package courses

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

// handler serves the course pages and API.
type handler struct {
	srv *web.Server
	svc *Service
}

// Register adds the templates, pages, API and the navigation section.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &handler{srv: srv, svc: s}
	srv.Section(web.Section{Path: "/courses", Title: "courses.title", Text: "courses.home.text", Order: 45})
	s.auth.AddExportPart("courses", s.exportPart) // a person's enrolments and marks in their data export

	srv.Page("GET /courses", h.list)
	srv.Page("GET /courses/new", h.newForm)
	srv.Page("POST /courses", h.create)
	srv.Page("GET /courses/{id}", h.show)
	srv.Page("GET /courses/{id}/edit", h.editForm)
	srv.Page("POST /courses/{id}/edit", h.update)
	srv.Page("POST /courses/{id}/enrol", h.enrol)
	srv.Page("POST /courses/{id}/leave", h.leave)
	srv.Page("POST /courses/{id}/enrolments/import", h.importEnrolments)
	srv.Page("POST /courses/{id}/offer", h.offer)
	srv.Page("POST /courses/{id}/reminders", h.reminders)
	srv.Page("GET /courses/{id}/checkin", h.checkinForm)
	srv.Page("POST /courses/{id}/checkin", h.checkin)
	srv.Page("GET /courses/{id}/sessions/{session}", h.roll)
	srv.Page("POST /courses/{id}/sessions/{session}/attendance", h.mark)
	srv.Page("POST /courses/{id}/sessions/{session}/move", h.move)
	srv.Page("POST /courses/{id}/sessions/{session}/cancel", h.cancelSession)
	srv.Page("GET /courses/{id}/sessions/{session}/code", h.code)
	srv.Page("GET /courses/{id}/attendance", h.sheet)
	srv.Page("GET /courses/{id}/attendance.xlsx", h.sheetXLSX)
	srv.Page("POST /courses/{id}/certificates", h.certificates)
	srv.Page("GET /courses/{id}/course.ics", h.ics)

	tags := []string{"courses"}
	srv.APIOperation(api.Operation{Method: "GET", Path: "/courses", ID: "listCourses", Summary: "Courses, newest first",
		Tags: tags, Response: api.Page[CourseOut]{}, Query: api.ListQuery(api.Param{Name: "organization_id", Description: "only this organization's courses"}),
		Errors: []int{422}}, h.apiList)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/courses", ID: "createCourse",
		Summary: "Create a course; its schedule makes the sessions (organizers: moderators of the organization)",
		Tags:    tags, Auth: true, Request: CourseIn{}, Response: CourseOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/courses/{id}", ID: "getCourse", Summary: "A course with its sessions",
		Tags: tags, Response: CourseOut{}, Errors: []int{404}}, h.apiGet)
	srv.APIOperation(api.Operation{Method: "PATCH", Path: "/courses/{id}", ID: "updateCourse",
		Summary: "Edit a course: the fields given change (organizers). A larger capacity offers seats to the waiting list; " +
			"a capacity below the seats held is refused; a new schedule regenerates the sessions to come and tells the learners",
		Tags: tags, Auth: true, Request: CoursePatch{}, Response: CourseOut{}, Errors: []int{401, 403, 404, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiUpdate))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/courses/{id}/enrolments", ID: "enrolInCourse",
		Summary: "Enrol yourself, or {\"person_id\"} (organizers; a member of the organization); the waiting list when full",
		Tags:    tags, Auth: true, Request: EnrolIn{}, Response: EnrolmentOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		h.apiEnrol)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/courses/{id}/enrolments/import", ID: "importCourseEnrolments",
		Summary: "Enrol the people of a file, all or nothing (organizers)",
		Description: "multipart/form-data with the field file: CSV (UTF-8) or XLSX with a header row and a column email (Kazakh and Russian " +
			"headers accepted, other columns ignored). Each person must be a member of the organization. 200 with counts, or 422 with " +
			"every bad row in errors (row counts the header as 1) and nothing written.",
		Tags: tags, Auth: true, Request: ImportFile{}, Response: ImportResult{}, Errors: []int{401, 403, 404, 409, 413, 422}}, h.apiImport)
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/courses/{id}/enrolments/{person_id}", ID: "leaveCourse",
		Summary: "End an enrolment (your own, or anyone's for organizers); a freed seat is offered to the first waiting",
		Tags:    tags, Auth: true, Response: EnrolmentOut{}, Errors: []int{401, 403, 404}}, h.apiLeave)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/courses/{id}/offer", ID: "answerCourseOffer",
		Summary: "Accept or decline your offer of a seat: {\"answer\":\"accept\"|\"decline\"}",
		Tags:    tags, Auth: true, Request: OfferIn{}, Response: EnrolmentOut{}, Errors: []int{401, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiOffer))
	srv.APIOperation(api.Operation{Method: "GET", Path: "/courses/{id}/attendance", ID: "courseAttendance",
		Summary: "Attendance per person: sessions attended, held so far, rate, completed (teachers and organizers)",
		Tags:    tags, Auth: true, Response: api.Page[AttendanceOut]{}, Errors: []int{401, 403, 404}}, h.apiAttendance)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/courses/{id}/certificates", ID: "issueCourseCertificates",
		Summary: "Issue certificates through awards to everyone who completed the course and has none yet (organizers)",
		Tags:    tags, Auth: true, Response: CertificatesOut{}, Errors: []int{401, 403, 404, 409}}, h.apiCertificates)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/sessions/{id}", ID: "updateCourseSession",
		Summary: "Move a session ({\"starts_at\",\"minutes\"}) or cancel it ({\"cancelled\":true}); the enrolled are told (teachers and organizers)",
		Tags:    tags, Auth: true, Request: SessionIn{}, Response: SessionOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiSession))
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/sessions/{id}/attendance", ID: "markAttendance",
		Summary: "Mark a person present, absent or excused (teachers and organizers)",
		Tags:    tags, Auth: true, Request: MarkIn{}, Response: MarkIn{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiMark))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/sessions/{id}/checkin", ID: "checkIn",
		Summary: "Check yourself in with the session's current code (enrolled people, during the session)",
		Tags:    tags, Auth: true, Request: CheckinIn{}, Response: CheckinOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiCheckin))
	return nil
}

func withIP(h *handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}

func (h *handler) back(w http.ResponseWriter, r *http.Request, id int64, flash, anchor string) {
	p := fmt.Sprintf("/courses/%d", id)
	if anchor != "" {
		p += "#" + anchor
	}
	h.srv.Redirect(w, r, p, flash)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// parseLocal reads "2006-01-02T15:04" (a datetime-local field) as
// Kazakhstan time.
func parseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), i18n.Almaty); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// sessionIn is the path's session when it belongs to the path's course.
func (h *handler) sessionIn(ctx context.Context, courseID, sessionID int64) (*Session, *Course, error) {
	se, c, err := h.svc.session(ctx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	if se.CourseID != courseID {
		return nil, nil, notFound()
	}
	return se, c, nil
}
