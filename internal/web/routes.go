package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/regions"
)

// routesCore registers the shell's own pages, API and operations endpoints.
func (s *Server) routesCore() {
	s.PageCached("GET /", s.home)
	s.Page("GET /pick/{kind}", s.pickJSON)
	s.Page("GET /signup", s.signupForm)
	s.Page("POST /signup", s.signup)
	s.Page("GET /signin", s.signinForm)
	s.Page("POST /signin", s.signin)
	s.Page("POST /signout", s.signout)
	s.Page("GET /confirm", s.confirmForm)
	s.Page("POST /confirm", s.confirm)
	s.Page("GET /forgot", s.forgotForm)
	s.Page("POST /forgot", s.forgot)
	s.Page("GET /reset", s.resetForm)
	s.Page("POST /reset", s.reset)
	s.Page("GET /consent", s.consentForm)
	s.Page("POST /consent", s.consent)
	s.Page("GET /me", s.me)
	s.Page("GET /profile", s.profile)
	s.Page("POST /profile/confirm", s.resendConfirm)
	s.Page("POST /profile/hidden", s.setHidden)
	s.Page("POST /profile/sessions/{id}/revoke", s.revokeSession)
	s.Page("POST /profile/signout-all", s.signoutAll)
	s.Page("POST /profile/password", s.changePassword)
	s.Page("POST /profile/tokens", s.createToken)
	s.Page("POST /profile/tokens/{id}/delete", s.deleteToken)
	s.Page("GET /profile/export", s.exportData)
	s.Page("POST /profile/delete", s.deleteAccount)
	s.Page("GET /admin/audit", s.auditPage)
	s.Page("GET /admin/roles", s.rolesPage)
	s.Page("POST /admin/roles", s.grantRole)
	s.Page("POST /admin/roles/{id}/revoke", s.revokeRole)
	s.registerGuardian()

	s.handleOther("GET /healthz", s.healthz)
	s.handleOther("GET /metrics", s.serveMetrics)
	s.handleOther("GET /static/", s.assets.ServeHTTP)
	s.handleOther("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("User-agent: *\nDisallow: /api/\nDisallow: /*/profile\nDisallow: /*/admin/\n"))
	})
	s.handleOther("GET /api/v1/openapi.json", s.openapi)

	s.APIOperation(api.Operation{Method: "GET", Path: "/me", ID: "getMe", Summary: "The person the token belongs to",
		Tags: []string{"accounts"}, Auth: true, Response: Me{}, Errors: []int{401}}, s.apiMe)
	s.APIOperation(api.Operation{Method: "GET", Path: "/regions", ID: "listRegions", Summary: "Regions, cities and districts of Kazakhstan",
		Tags: []string{"reference"}, Response: api.Page[regions.Region]{}}, s.apiRegions)
	s.APIOperation(api.Operation{Method: "POST", Path: "/people", ID: "createPerson", Summary: "Create a person (platform admins, for bulk onboarding)",
		Tags: []string{"accounts"}, Auth: true, Request: NewPerson{}, Response: Person{}, Status: 201, Errors: []int{401, 403, 422}}, s.apiCreatePerson)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// A frozen database must not freeze the health check: one second.
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("healthz: database", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	b, err := s.API.OpenAPI()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

// Me is the signed-in person as the API shows them.
type Me struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email" format:"email"`
	Lang      string `json:"lang" enum:"kk,kk-Latn,ru,en"`
	Region    string `json:"region,omitempty"`
	BirthDate string `json:"birth_date,omitempty" format:"date"`
	Admin     bool   `json:"platform_admin"`
	Limited   bool   `json:"limited" doc:"true while a minor's guardian has not consented: the person can read but not take part"`
	Confirmed bool   `json:"email_confirmed"`
}

func meOf(u *auth.User) Me {
	return Me{ID: u.IDString(), Name: u.Name, Email: u.Email, Lang: string(u.Lang), Region: u.Region, BirthDate: u.BirthDate,
		Admin: u.IsAdmin, Limited: u.Limited(), Confirmed: u.EmailConfirmed}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	u := UserOf(r)
	if u == nil {
		s.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	api.WriteJSON(w, http.StatusOK, meOf(u))
}

func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, http.StatusOK, api.Page[regions.Region]{Items: s.regions.All()})
}

// NewPerson is the body of POST /api/v1/people.
type NewPerson struct {
	Name          string `json:"name" maxLength:"200"`
	Email         string `json:"email" format:"email"`
	BirthDate     string `json:"birth_date,omitempty" format:"date"`
	Region        string `json:"region,omitempty" doc:"region code from /api/v1/regions"`
	GuardianName  string `json:"guardian_name,omitempty" maxLength:"200" doc:"a minor's parent or guardian: sent the consent request at once (ignored for adults)"`
	GuardianEmail string `json:"guardian_email,omitempty" format:"email"`
}

// Person is a person as the API shows them to administrators.
type Person struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	BirthDate     string `json:"birth_date,omitempty"`
	Region        string `json:"region,omitempty"`
	Limited       bool   `json:"limited"`
	GuardianName  string `json:"guardian_name,omitempty"`
	GuardianEmail string `json:"guardian_email,omitempty"`
}

func personOf(p *auth.User) Person {
	return Person{ID: p.IDString(), Name: p.Name, Email: p.Email, BirthDate: p.BirthDate, Region: p.Region, Limited: p.Limited(),
		GuardianName: p.GuardianName, GuardianEmail: p.GuardianEmail}
}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	u := UserOf(r)
	if err := s.auth.Require(r.Context(), u, 0, auth.PlatformAdmin); err != nil {
		s.Fail(w, r, err)
		return
	}
	var in NewPerson
	if err := s.Decode(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	p, _, err := s.auth.CreateConfirmed(audit.WithIP(r.Context(), s.ClientIP(r)), u.ID,
		auth.NewUser{Name: in.Name, Email: in.Email, BirthDate: in.BirthDate, Region: in.Region,
			GuardianName: in.GuardianName, GuardianEmail: in.GuardianEmail})
	if err != nil && p == nil {
		s.Fail(w, r, err)
		return
	}
	if err != nil {
		// The account is made; only the consent request failed (logged):
		// it can be sent again (POST /people/{id}/guardian-request).
		s.log.Error("people: guardian request", "user", p.ID, "err", err)
	}
	api.WriteJSON(w, http.StatusCreated, personOf(p))
}

// decode reads a strict JSON body, turning decoding problems into an
// Invalid error whose messages are translated like any other.
func (s *Server) Decode(r *http.Request, dst any) error {
	err := api.Decode(r, dst)
	if err == nil {
		return nil
	}
	de, ok := err.(*api.DecodeError)
	if !ok {
		return err
	}
	if de.TooLarge {
		return errs.New(errs.TooLarge, "error.413.text")
	}
	if len(de.Fields) == 0 {
		key := de.Key
		if key == "" {
			key = "api.invalid_json"
		}
		return errs.New(errs.BadRequest, key)
	}
	e := &errs.Error{Code: errs.Invalid, Key: "error.invalid"}
	for _, f := range de.Fields {
		e.Fields = append(e.Fields, errs.Field{Name: f.Field, Key: f.Key, Args: f.Args})
	}
	return e
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	if err := s.auth.Require(r.Context(), u, 0, auth.PlatformAdmin); err != nil {
		s.Fail(w, r, err)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	const limit = 50
	rows, err := audit.List(r.Context(), s.db, audit.Filter{Before: before, Limit: limit})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	data := map[string]any{"Rows": rows}
	if len(rows) == limit {
		data["Next"] = rows[len(rows)-1].ID
	}
	s.Render(w, r, http.StatusOK, "admin_audit", &PageData{Title: s.T(r, "audit.title"), Data: data})
}

func (s *Server) rolesPage(w http.ResponseWriter, r *http.Request) {
	s.rolesPageWith(w, r, http.StatusOK, &PageData{})
}

func (s *Server) rolesPageWith(w http.ResponseWriter, r *http.Request, status int, d *PageData) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	grants, err := s.auth.Grants(r.Context(), u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// The organization of a new grant, named by typing (what was sent,
	// when the form comes back).
	pk, err := s.Pick(r, "org", PickFields(d.Form, "org_id"), "org_id")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Title, d.Data = s.T(r, "roles.title"), map[string]any{"Grants": grants, "Org": pk}
	s.Render(w, r, status, "admin_roles", d)
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	var fs errs.Fields
	pk, err := s.Pick(r, "org", PickFields(f, "org_id"), "org_id")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	orgID := pk.ID
	if orgID == 0 {
		fs.Add("org_id", pk.Err)
	}
	target, err := s.auth.UserByEmail(r.Context(), f.Get("email"))
	if err != nil {
		if errs.CodeOf(err) != errs.NotFound {
			s.Fail(w, r, err)
			return
		}
		fs.Add("email", "roles.no_such_person")
	}
	err = fs.Err()
	if err == nil {
		err = s.auth.GrantRole(audit.WithIP(r.Context(), s.ClientIP(r)), u, target.ID, orgID, f.Get("role"))
	}
	if err != nil {
		if fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err); ok {
			s.rolesPageWith(w, r, http.StatusUnprocessableEntity, &PageData{Errors: fe, Form: f})
			return
		}
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/admin/roles", "roles.granted")
}

func (s *Server) revokeRole(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := PathID(r, "id")
	if err == nil {
		err = s.auth.RevokeRole(audit.WithIP(r.Context(), s.ClientIP(r)), u, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/admin/roles", "roles.revoked")
}

// Limit reads ?limit= for a list (default def, at most max) as a
// translatable error.
func (s *Server) Limit(r *http.Request, def, max int) (int, error) {
	n, err := api.ParseLimit(r, def, max)
	if err != nil {
		return 0, &errs.Error{Code: errs.Invalid, Key: "error.invalid",
			Fields: []errs.Field{{Name: "limit", Key: "validation.invalid_limit", Args: []any{"min", 1, "max", max}}}}
	}
	return n, nil
}
