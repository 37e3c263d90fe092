package web

import (
	"net/http"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
)

// A minor's guardian from the profile (docs/decisions/0003-minors.md): the
// account holder sends the consent request again (once an hour) or
// corrects the guardian's address once, confirmed with their password;
// platform administrators ask again for accounts they made.

func (s *Server) registerGuardian() {
	s.Page("POST /profile/guardian/resend", s.resendGuardian)
	s.Page("POST /profile/guardian", s.changeGuardian)
	s.APIOperation(api.Operation{Method: "POST", Path: "/people/{id}/guardian-request", ID: "requestPersonGuardianConsent",
		Summary: "Ask a minor's guardian for consent again (platform admins)",
		Description: "Names the guardian when none is recorded (once); a recorded guardian is not replaced — only the account " +
			"holder may correct the address. At most once an hour per account (429).",
		Tags: []string{"accounts"}, Auth: true, Request: GuardianInput{}, Response: Person{},
		Errors: []int{401, 403, 404, 409, 422, 429}}, JSONAction(s, http.StatusOK, true,
		func(r *http.Request, u *auth.User, id int64, in GuardianInput) (Person, error) {
			p, err := s.auth.AskGuardian(r.Context(), u, 0, id, auth.GuardianInput{Name: in.GuardianName, Email: in.GuardianEmail})
			if err != nil {
				return Person{}, err
			}
			return personOf(p), nil
		}))
}

// GuardianInput names a minor's guardian.
type GuardianInput struct {
	GuardianName  string `json:"guardian_name,omitempty" maxLength:"200"`
	GuardianEmail string `json:"guardian_email,omitempty" format:"email"`
}

// guardianProblem shows a refusal (too soon, nothing to resend, changed
// already) in the profile's guardian section.
func (s *Server) guardianProblem(w http.ResponseWriter, r *http.Request, err error, d *PageData) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.TooMany && e.Code != errs.Conflict) {
		s.Fail(w, r, err)
		return
	}
	d.Data = map[string]any{"GuardianProblem": s.T(r, e.Key, e.Args...)}
	s.profilePage(w, r, Status(err), d)
}

func (s *Server) resendGuardian(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	if err := s.auth.ResendGuardianRequest(r.Context(), u); err != nil {
		s.guardianProblem(w, r, err, &PageData{})
		return
	}
	s.Redirect(w, r, "/profile#guardian", "consent.profile.resent")
}

func (s *Server) changeGuardian(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	err := s.auth.ChangeGuardian(audit.WithIP(r.Context(), s.ClientIP(r)), u, f.Get("guardian_password"), f.Get("guardian_name"), f.Get("guardian_email"), auth.Client{IP: s.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		if fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err); ok {
			if m, ok := fe["password"]; ok {
				fe["guardian_password"] = m
				delete(fe, "password")
			}
			form := map[string][]string{"guardian_name": f["guardian_name"], "guardian_email": f["guardian_email"]}
			s.profilePage(w, r, http.StatusUnprocessableEntity, &PageData{Errors: fe, Form: form})
			return
		}
		s.guardianProblem(w, r, err, &PageData{})
		return
	}
	s.Redirect(w, r, "/profile#guardian", "consent.profile.changed")
}
