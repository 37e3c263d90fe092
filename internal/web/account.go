package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// parseForm reads a form; an oversized body becomes 413.
func (s *Server) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		if Status(err) == http.StatusRequestEntityTooLarge {
			s.Fail(w, r, errs.New(errs.TooLarge, "error.413.text"))
		} else {
			s.Fail(w, r, errs.New(errs.BadRequest, "error.400.text"))
		}
		return false
	}
	return true
}

// formError re-renders a form with its field errors (422), or fails.
func (s *Server) FormError(w http.ResponseWriter, r *http.Request, page string, err error, d *PageData) {
	fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err)
	if !ok {
		s.Fail(w, r, err)
		return
	}
	d.Errors = fe
	d.Form = r.PostForm
	s.Render(w, r, http.StatusUnprocessableEntity, page, d)
}

func (s *Server) T(r *http.Request, key string, args ...any) string {
	return s.catalog.Printer(LangOf(r)).T(key, args...)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	var cards []Section
	for _, sec := range s.sections {
		if sec.Text != "" {
			cards = append(cards, sec)
		}
	}
	s.Render(w, r, http.StatusOK, "home", &PageData{Title: s.T(r, "nav.home"), Data: map[string]any{
		"Sections": cards, "Panels": s.panels(r, s.nowBoards),
	}})
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "signup", &PageData{Title: s.T(r, "signup.title"), Data: s.signupData(r),
		Form: url.Values{"next": {SafeNext(r.URL.Query().Get("next"), "")}}})
}

func (s *Server) signupData(r *http.Request) map[string]any {
	return map[string]any{"Regions": s.regions.Options(LangOf(r))}
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	lang, ok := i18n.Parse(f.Get("lang"))
	if !ok {
		lang = LangOf(r)
	}
	done, err := s.auth.Register(r.Context(), auth.SignUp{
		Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password"), BirthDate: f.Get("birth_date"),
		Region: f.Get("region"), District: f.Get("district"), Lang: lang,
		GuardianName: f.Get("guardian_name"), GuardianEmail: f.Get("guardian_email"),
	}, auth.Client{IP: s.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		s.FormError(w, r, "signup", err, &PageData{Title: s.T(r, "signup.title"), Data: s.signupData(r)})
		return
	}
	// The same answer whether or not the address had an account: the
	// email tells its owner which.
	text := s.T(r, "signup.done", "email", done.Email)
	if done.GuardianEmail != "" {
		text += " " + s.T(r, "signup.done_minor", "guardian", done.GuardianEmail)
	}
	// Continue to sign in, and from there to the page the person came from.
	signin := "/signin"
	if next := SafeNext(f.Get("next"), ""); next != "" {
		signin += "?next=" + url.QueryEscape(next)
	}
	s.Render(w, r, http.StatusOK, "message", &PageData{Title: s.T(r, "signup.done_title"),
		Data: map[string]any{"Text": text, "Next": signin}})
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "signin", &PageData{Title: s.T(r, "signin.title"),
		Form: url.Values{"next": {SafeNext(r.URL.Query().Get("next"), "")}}, Data: map[string]any{}})
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	token, u, err := s.auth.SignIn(r.Context(), f.Get("email"), f.Get("password"),
		auth.Client{IP: s.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Unauthorized && code != errs.TooMany && code != errs.Invalid {
			s.Fail(w, r, err)
			return
		}
		e, _ := errs.As(err)
		msg := s.T(r, e.Key, e.Args...)
		if code == errs.Invalid {
			msg = s.T(r, "auth.wrong_credentials")
		}
		f.Del("password")
		s.Render(w, r, Status(err), "signin", &PageData{Title: s.T(r, "signin.title"), Form: f, Data: map[string]any{"Error": msg}})
		return
	}
	s.SignedInAs(w, r, token, u, f.Get("next"))
}

// SignedInAs finishes a sign-in: the session's cookie (token from the
// auth service), the person's language from now on, and a redirect to
// next (through SafeNext) or their home. For other ways in than the
// password form, such as the Telegram bot's sign-in link.
func (s *Server) SignedInAs(w http.ResponseWriter, r *http.Request, token string, u *auth.User, next string) {
	s.setSession(w, token)
	if u.Lang != LangOf(r) {
		// Their language from now on (rememberLang set the page's; the
		// later cookie wins).
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(u.Lang), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, SafeNext(next, "/"+string(u.Lang)+"/me"), http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.SignOut(r.Context(), c.Value); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.clearSession(w)
	s.Redirect(w, r, "/", "auth.signed_out")
}

func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "confirm", &PageData{Title: s.T(r, "confirm.title"),
		Form: url.Values{"token": {r.URL.Query().Get("token")}}})
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	if _, err := s.auth.ConfirmEmail(r.Context(), r.PostForm.Get("token")); err != nil {
		s.Fail(w, r, err)
		return
	}
	next := "/signin"
	if UserOf(r) != nil {
		next = "/me"
	}
	s.Redirect(w, r, next, "auth.email_confirmed")
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "forgot", &PageData{Title: s.T(r, "forgot.title")})
}

func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	if err := s.auth.RequestPasswordReset(r.Context(), r.PostForm.Get("email"), LangOf(r), auth.Client{IP: s.ClientIP(r)}); err != nil {
		s.FormError(w, r, "forgot", err, &PageData{Title: s.T(r, "forgot.title")})
		return
	}
	s.Render(w, r, http.StatusOK, "message", &PageData{Title: s.T(r, "forgot.title"),
		Data: map[string]any{"Text": s.T(r, "forgot.sent")}})
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.auth.CheckResetLink(r.Context(), token); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "reset", &PageData{Title: s.T(r, "reset.title"), Form: url.Values{"token": {token}}})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	if err := s.auth.ResetPassword(r.Context(), r.PostForm.Get("token"), r.PostForm.Get("password")); err != nil {
		s.FormError(w, r, "reset", err, &PageData{Title: s.T(r, "reset.title")})
		return
	}
	s.clearSession(w)
	s.Redirect(w, r, "/signin", "auth.password_changed")
}

func (s *Server) consentForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	req, err := s.auth.Consent(r.Context(), token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "consent", &PageData{Title: s.T(r, "consent.title"), Data: req,
		Form: url.Values{"token": {token}, "guardian_name": {req.GuardianName}}})
}

func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	if _, err := s.auth.GiveConsent(r.Context(), token, r.PostForm.Get("guardian_name")); err != nil {
		req, _ := s.auth.Consent(r.Context(), token)
		s.FormError(w, r, "consent", err, &PageData{Title: s.T(r, "consent.title"), Data: req})
		return
	}
	s.Render(w, r, http.StatusOK, "message", &PageData{Title: s.T(r, "consent.title"),
		Data: map[string]any{"Text": s.T(r, "consent.done")}})
}

// signedIn returns the person or answers 401 (a redirect to sign in).
func (s *Server) SignedIn(w http.ResponseWriter, r *http.Request) *auth.User {
	u := UserOf(r)
	if u == nil {
		if r.Method != http.MethodGet && !isAPI(r) {
			// A form posted after the session ended: 401 with the sign-in page.
			w.Header().Set("WWW-Authenticate", `Cookie realm="ortaq"`)
			s.Render(w, r, http.StatusUnauthorized, "signin", &PageData{Title: s.T(r, "signin.title"),
				Data: map[string]any{"Error": s.T(r, "auth.signin_required")}})
			return nil
		}
		s.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
	}
	return u
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	s.profilePage(w, r, http.StatusOK, &PageData{})
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, status int, d *PageData) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	sessions, err := s.auth.Sessions(r.Context(), u.ID, sessionOf(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	tokens, err := s.auth.Tokens(r.Context(), u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	data, _ := d.Data.(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	data["Sessions"], data["Tokens"] = sessions, tokens
	parts, err := s.parts(r, u, s.profileParts)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	data["Parts"] = parts
	if reg, ok := s.regions.Get(u.Region); ok {
		data["Region"] = reg.NameIn(LangOf(r))
	}
	d.Title, d.Data = s.T(r, "profile.title"), data
	s.Render(w, r, status, "profile", d)
}

func (s *Server) resendConfirm(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	if err := s.auth.ResendConfirmation(r.Context(), u, auth.Client{IP: s.ClientIP(r)}); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/profile", "profile.confirm_sent")
}

func (s *Server) setHidden(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	if err := s.auth.SetHidden(r.Context(), u, r.PostForm.Get("hidden") == "1"); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/profile", "profile.saved")
}

func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "error.404.text")
	}
	return id, nil
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := PathID(r, "id")
	if err == nil {
		err = s.auth.RevokeSession(r.Context(), u.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/profile#sessions", "profile.session_revoked")
}

func (s *Server) signoutAll(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	if err := s.auth.SignOutEverywhere(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.clearSession(w)
	s.Redirect(w, r, "/signin", "auth.signed_out_everywhere")
}

// changePassword sets a new password; the other sessions end and the API
// tokens are revoked (this session stays).
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	err := s.auth.ChangePassword(r.Context(), u, sessionOf(r), f.Get("current_password"), f.Get("new_password"),
		auth.Client{IP: s.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		if fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err); ok {
			s.profilePage(w, r, http.StatusUnprocessableEntity, &PageData{Errors: fe})
			return
		}
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/profile", "profile.password_changed")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	token, err := s.auth.CreateToken(r.Context(), u, r.PostForm.Get("token_name"), u.ID)
	if err != nil {
		if fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err); ok {
			if m, ok := fe["name"]; ok {
				fe["token_name"] = m
			}
			s.profilePage(w, r, http.StatusUnprocessableEntity, &PageData{Errors: fe, Form: r.PostForm})
			return
		}
		s.Fail(w, r, err)
		return
	}
	// Shown once, on this response only; the database keeps just a hash.
	s.profilePage(w, r, http.StatusCreated, &PageData{Data: map[string]any{"NewToken": token}})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := PathID(r, "id")
	if err == nil {
		err = s.auth.DeleteToken(r.Context(), u.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Redirect(w, r, "/profile#tokens", "profile.token_revoked")
}

func (s *Server) exportData(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	e, err := s.auth.ExportData(r.Context(), u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ortaq-my-data.json"`)
	w.Header().Set("Cache-Control", "private, no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		s.log.Warn("export write", "err", err)
	}
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil || !s.ParseForm(w, r) {
		return
	}
	if err := s.auth.DeleteAccount(audit.WithIP(r.Context(), s.ClientIP(r)), u, r.PostForm.Get("password"), auth.Client{IP: s.ClientIP(r), UserAgent: r.UserAgent()}); err != nil {
		if fe, ok := FieldErrors(s.catalog.Printer(LangOf(r)), err); ok {
			s.profilePage(w, r, http.StatusUnprocessableEntity, &PageData{Errors: fe})
			return
		}
		s.Fail(w, r, err)
		return
	}
	s.clearSession(w)
	s.Redirect(w, r, "/", "profile.deleted")
}
