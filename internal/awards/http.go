package awards

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

type handler struct {
	srv *web.Server
	svc *Service
}

// Register adds the templates, pages, API and published key to srv, and
// the person's awards to their profile page and data export.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &handler{srv: srv, svc: s}
	srv.Page("GET /awards", h.mine)
	srv.PageCached("GET /awards/{code}", h.show) // also {code}.pdf; guests may get a copy up to --page-cache-ttl old
	srv.Page("POST /awards/{code}/revoke", h.revoke)
	srv.Page("GET /organizations/{id}/awards", h.orgPage)
	srv.Page("POST /organizations/{id}/awards", h.issue)
	srv.Page("GET /organizations/{id}/awards/print", h.print)

	tags := []string{"awards"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/awards", ID: "issueAwards",
		Summary: "Issue an award to one or many recipients (organizers: moderators of the organization)",
		Tags:    tags, Auth: true, Request: IssueIn{}, Response: IssueOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiIssue)
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/awards/{id}", ID: "revokeAward",
		Summary: "Revoke an award with a reason (body {\"reason\"} or ?reason=); revoking twice is 409",
		Tags:    tags, Auth: true, Request: RevokeIn{}, Response: VerifyOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiRevoke)
	srv.APIShared("GET /api/v1/awards/{a}/{b}", h.apiCode,
		api.Operation{Method: "GET", Path: "/awards/verify/{code}", ID: "verifyAward", Summary: "Whether an award is valid (public)",
			Tags: tags, Response: VerifyOut{}, Errors: []int{404}},
		api.Operation{Method: "GET", Path: "/awards/{code}/credential", ID: "awardCredential",
			Summary: "The award's Open Badges 3.0 credential, a VC-JWT signed with EdDSA (JSON; the bare token with Accept: application/vc+jwt)",
			Tags:    tags, Response: CredentialOut{}, Errors: []int{404}})
	srv.HandleWellKnown("GET "+certificate.JWKSPath, h.jwks)

	srv.AddProfilePart(h.profilePart)
	srv.AddHomePart(h.homePart)
	s.auth.AddExportPart("awards", s.exportPart)
	return nil
}

// IssueIn is POST /api/v1/awards.
type IssueIn struct {
	OrganizationID string           `json:"organization_id"`
	Kind           string           `json:"kind"`
	Title          certificate.Text `json:"title"`
	CallID         string           `json:"call_id,omitempty"`
	CourseID       string           `json:"course_id,omitempty"`
	// To takes the recipients from the call: "participants" or "winners".
	To         string        `json:"to,omitempty"`
	Recipients []RecipientIn `json:"recipients"`
}

// RecipientIn is one recipient: "person_id" or "name", and "place".
type RecipientIn struct {
	PersonID string `json:"person_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Place    int    `json:"place,omitempty"`
}

// IssueOut lists the new awards.
type IssueOut struct {
	Items []Issued `json:"items"`
}

// RevokeIn is DELETE /api/v1/awards/{id}.
type RevokeIn struct {
	Reason string `json:"reason"`
}

// VerifyOut is GET /api/v1/awards/verify/{code}.
type VerifyOut struct {
	Valid        bool             `json:"valid"`
	Revoked      bool             `json:"revoked"`
	RevokedAt    *time.Time       `json:"revoked_at,omitempty"`
	RevokeReason string           `json:"revoke_reason,omitempty"`
	Code         string           `json:"code"`
	Kind         string           `json:"kind"`
	Recipient    string           `json:"recipient"`
	Title        certificate.Text `json:"title"`
	Place        int              `json:"place,omitempty"`
	Organization certificate.Text `json:"organization"`
	OrgID        string           `json:"organization_id"`
	IssuedAt     time.Time        `json:"issued_at"`
	VerifyURL    string           `json:"verify_url"`
	Credential   string           `json:"credential_url"`
}

// CredentialOut is GET /api/v1/awards/{code}/credential as JSON.
type CredentialOut struct {
	Format     string `json:"format"`     // "vc+jwt"
	Credential string `json:"credential"` // the compact JWS
	KeyID      string `json:"kid"`
	JWKSURL    string `json:"jwks_url"` // where the public key is published
	Revoked    bool   `json:"revoked"`
}

func (s *Service) verifyOut(a *Award) VerifyOut {
	v := VerifyOut{Valid: !a.Revoked, Revoked: a.Revoked, RevokeReason: a.RevokeReason, Code: certificate.FormatCode(a.Code), Kind: string(a.Kind),
		Recipient: a.Recipient, Title: a.Title, Place: a.Place, Organization: a.Org, OrgID: strconv.FormatInt(a.OrgID, 10),
		IssuedAt: a.IssuedAt.UTC(), VerifyURL: s.VerifyURL("kk", a.Code), Credential: s.base + "/api/v1/awards/" + a.Code + "/credential"}
	if a.Revoked {
		t := a.RevokedAt.UTC()
		v.RevokedAt = &t
	}
	return v
}

func parseID(field, s string, fs *errs.Fields) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(field, "validation.invalid_value")
	}
	return n
}

func (in *IssueIn) batch() (Batch, error) {
	var fs errs.Fields
	b := Batch{Kind: certificate.Kind(in.Kind), Title: in.Title, To: in.To}
	b.OrgID = parseID("organization_id", in.OrganizationID, &fs)
	if in.OrganizationID == "" {
		fs.Add("organization_id", "validation.required")
	}
	b.CallID = parseID("call_id", in.CallID, &fs)
	b.CourseID = parseID("course_id", in.CourseID, &fs)
	for i, r := range in.Recipients {
		b.Recipients = append(b.Recipients, Recipient{PersonID: parseID(fmt.Sprintf("recipients[%d].person_id", i), r.PersonID, &fs), Name: r.Name, Place: r.Place})
	}
	return b, fs.Err()
}

func ctxIP(h *handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}

func (h *handler) apiIssue(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in IssueIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	b, err := in.batch()
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out, err := h.svc.Issue(ctxIP(h, r), u, b)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, IssueOut{Items: out})
}

func (h *handler) apiRevoke(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, notFound())
		return
	}
	in := RevokeIn{Reason: r.URL.Query().Get("reason")}
	if r.ContentLength != 0 && in.Reason == "" {
		if err := h.srv.Decode(r, &in); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	a, err := h.svc.Revoke(ctxIP(h, r), u, id, in.Reason)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, h.svc.verifyOut(a))
}

// apiCode serves GET /api/v1/awards/verify/{code} and
// GET /api/v1/awards/{code}/credential.
func (h *handler) apiCode(w http.ResponseWriter, r *http.Request) {
	a, b := r.PathValue("a"), r.PathValue("b")
	switch {
	case a == "verify":
		aw, err := h.svc.ByCode(r.Context(), b)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		api.WriteJSON(w, http.StatusOK, h.svc.verifyOut(aw))
	case b == "credential":
		tok, aw, err := h.svc.Credential(r.Context(), a)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		if strings.Contains(r.Header.Get("Accept"), "application/vc+jwt") {
			w.Header().Set("Content-Type", "application/vc+jwt")
			w.Write([]byte(tok))
			return
		}
		api.WriteJSON(w, http.StatusOK, CredentialOut{Format: "vc+jwt", Credential: tok, KeyID: h.svc.signer.KeyID(),
			JWKSURL: h.svc.signer.JWKSURL(), Revoked: aw.Revoked})
	default:
		h.srv.Fail(w, r, notFound())
	}
}

func (h *handler) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(h.svc.signer.JWKS())
}

// showData is the verification page's.
type showData struct {
	A          *Award
	Code       string // grouped
	Title      string // in the reader's language
	Org        string
	Place      string
	CanRevoke  bool
	PDF        string
	Credential string
	Verify     string
}

func (h *handler) showData(r *http.Request, a *Award) *showData {
	l := string(web.LangOf(r))
	base := l
	if base == "kk-Latn" {
		base = "kk"
	}
	d := &showData{A: a, Code: certificate.FormatCode(a.Code), Title: a.Title.In(base, true), Org: a.Org.In(base, true),
		PDF: "/awards/" + certificate.FormatCode(a.Code) + ".pdf", Credential: "/api/v1/awards/" + a.Code + "/credential",
		Verify: h.svc.VerifyURL(l, a.Code)}
	if a.Place > 0 {
		d.Place = h.srv.T(r, "awards.place", "n", a.Place)
	}
	if u := web.UserOf(r); u != nil && !a.Revoked {
		role, err := h.svc.auth.ViewRole(r.Context(), u, a.OrgID)
		d.CanRevoke = err == nil && role >= auth.Moderator
	}
	return d
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	pdf := false
	if c, ok := strings.CutSuffix(strings.ToLower(code), ".pdf"); ok {
		code, pdf = c, true
	}
	a, err := h.svc.ByCode(r.Context(), code)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if pdf {
		h.sendPDF(w, r, []*Award{a}, "award-"+a.Code+".pdf")
		return
	}
	d := h.showData(r, a)
	h.srv.Render(w, r, http.StatusOK, "awards_show", &web.PageData{Title: d.Title, Data: d})
}

func (h *handler) sendPDF(w http.ResponseWriter, r *http.Request, list []*Award, name string) {
	b, err := h.svc.PDF(string(web.LangOf(r)), list)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	a, err := h.svc.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if _, err := h.svc.Revoke(ctxIP(h, r), u, a.ID, r.PostForm.Get("reason")); err != nil {
		d := h.showData(r, a)
		h.srv.FormError(w, r, "awards_show", err, &web.PageData{Title: d.Title, Data: d})
		return
	}
	h.srv.Redirect(w, r, "/awards/"+certificate.FormatCode(a.Code), "awards.flash.revoked")
}

type item struct {
	A     *Award
	Code  string
	Title string
	Org   string
}

func (h *handler) items(r *http.Request, list []*Award) []item {
	base := string(web.LangOf(r))
	if base == "kk-Latn" {
		base = "kk"
	}
	out := make([]item, len(list))
	for i, a := range list {
		out[i] = item{A: a, Code: certificate.FormatCode(a.Code), Title: a.Title.In(base, true), Org: a.Org.In(base, true)}
	}
	return out
}

func (h *handler) mine(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	list, err := h.svc.ForPerson(r.Context(), u.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "awards_mine", &web.PageData{Title: h.srv.T(r, "awards.mine.title"), Data: h.items(r, list)})
}

// homePart lists a person's newest awards on their home page; nothing
// when they have none.
func (h *handler) homePart(r *http.Request, u *auth.User) (*web.ProfileSection, error) {
	sec, err := h.profilePart(r, u)
	if err != nil || sec == nil || len(sec.Items) == 0 {
		return nil, err
	}
	if len(sec.Items) > 3 {
		sec.Items = sec.Items[:3]
		sec.More = &web.ProfileItem{Text: h.srv.T(r, "awards.mine.all"), URL: "/" + string(web.LangOf(r)) + "/awards"}
	}
	return sec, nil
}

func (h *handler) profilePart(r *http.Request, u *auth.User) (*web.ProfileSection, error) {
	list, err := h.svc.ForPerson(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	sec := &web.ProfileSection{ID: "awards", Title: h.srv.T(r, "awards.mine.title"), Empty: h.srv.T(r, "awards.mine.none")}
	p := h.srv.Printer(r)
	for i, it := range h.items(r, list) {
		if i == 10 {
			sec.More = &web.ProfileItem{Text: h.srv.T(r, "awards.mine.all"), URL: "/" + string(web.LangOf(r)) + "/awards"}
			break
		}
		note := it.Org + " · " + p.Date(it.A.IssuedAt)
		if it.A.Revoked {
			note += " · " + h.srv.T(r, "awards.status.revoked")
		}
		sec.Items = append(sec.Items, web.ProfileItem{Text: h.srv.T(r, "awards.kind."+string(it.A.Kind)) + ": " + it.Title, Note: note,
			URL: "/" + string(web.LangOf(r)) + "/awards/" + it.Code})
	}
	return sec, nil
}

// ExportItem is one award in a person's data export.
type ExportItem struct {
	Code         string           `json:"code"`
	Kind         string           `json:"kind"`
	Title        certificate.Text `json:"title"`
	Place        int              `json:"place,omitempty"`
	Recipient    string           `json:"recipient"`
	Organization certificate.Text `json:"organization"`
	IssuedAt     time.Time        `json:"issued_at"`
	Revoked      bool             `json:"revoked"`
	RevokeReason string           `json:"revoke_reason,omitempty"`
	VerifyURL    string           `json:"verify_url"`
	Credential   string           `json:"credential_url"`
}

func (s *Service) exportPart(ctx context.Context, userID int64) (any, error) {
	list, err := s.ForPerson(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]ExportItem, 0, len(list))
	for _, a := range list {
		v := s.verifyOut(a)
		out = append(out, ExportItem{Code: v.Code, Kind: v.Kind, Title: a.Title, Place: a.Place, Recipient: a.Recipient, Organization: a.Org,
			IssuedAt: v.IssuedAt, Revoked: a.Revoked, RevokeReason: a.RevokeReason, VerifyURL: v.VerifyURL, Credential: v.Credential})
	}
	return out, nil
}

// orgData is the organizer page's.
type orgData struct {
	OrgID   int64
	OrgName string
	Kinds   []string
	Tos     []string // recipients from the call: "", "participants", "winners"
	Items   []item
	Batches []int64
	Issued  []Issued // just issued (after a redirect: none)
	Next    int64    // cursor for older awards
}

func (h *handler) orgData(r *http.Request, u *auth.User, orgID int64) (*orgData, error) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := h.svc.ForOrg(r.Context(), u, orgID, before, 101)
	if err != nil {
		return nil, err
	}
	d := &orgData{OrgID: orgID, Kinds: []string{"certificate", "diploma", "thanks"}, Tos: []string{"", "participants", "winners"}}
	if len(list) == 101 {
		list = list[:100]
		d.Next = list[99].ID
	}
	var name, nameRU, nameEN string
	if err := h.svc.d.QueryRow(r.Context(), "SELECT name_kk, COALESCE(name_ru, ''), COALESCE(name_en, '') FROM organizations WHERE id = ?", orgID).Scan(&name, &nameRU, &nameEN); err != nil {
		return nil, notFound()
	}
	base := string(web.LangOf(r))
	if base == "kk-Latn" {
		base = "kk"
	}
	d.OrgName = certificate.Text{KK: name, RU: nameRU, EN: nameEN}.In(base, true)
	d.Items = h.items(r, list)
	seen := map[int64]bool{}
	for _, a := range list {
		if !seen[a.BatchID] {
			seen[a.BatchID] = true
			d.Batches = append(d.Batches, a.BatchID)
		}
	}
	return d, nil
}

func (h *handler) orgPage(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d, err := h.orgData(r, u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "awards_org", &web.PageData{Title: h.srv.T(r, "awards.org.title"), Data: d,
		Form: url.Values{"kind": {"certificate"}}})
}

// ParseRecipients reads the form's recipients, one a line: a name, or
// "#123" for the person with id 123, optionally followed by ";" and a
// place ("Айгүл Серікова; 1").
func ParseRecipients(text string) ([]Recipient, error) {
	var out []Recipient
	var fs errs.Fields
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var rec Recipient
		who, place, hasPlace := strings.Cut(line, ";")
		who = strings.TrimSpace(who)
		if hasPlace {
			n, err := strconv.Atoi(strings.TrimSpace(place))
			if err != nil || n <= 0 {
				fs = append(fs, errs.Field{Name: "recipients", Key: "awards.error.line_place", Args: []any{"line", i + 1}})
				continue
			}
			rec.Place = n
		}
		if id, ok := strings.CutPrefix(who, "#"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
			if err != nil || n <= 0 {
				fs = append(fs, errs.Field{Name: "recipients", Key: "awards.error.line_person", Args: []any{"line", i + 1}})
				continue
			}
			rec.PersonID = n
		} else {
			rec.Name = who
		}
		out = append(out, rec)
	}
	return out, fs.Err()
}

func (h *handler) issue(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := r.PostForm
	var fs errs.Fields
	b := Batch{OrgID: id, Kind: certificate.Kind(f.Get("kind")), Title: certificate.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		CallID: parseID("call_id", strings.TrimSpace(f.Get("call_id")), &fs), To: f.Get("to")}
	recs, perr := ParseRecipients(f.Get("recipients"))
	b.Recipients = recs
	fail := func(err error) {
		d, derr := h.orgData(r, u, id)
		if derr != nil {
			h.srv.Fail(w, r, derr)
			return
		}
		h.srv.FormError(w, r, "awards_org", formFields(err), &web.PageData{Title: h.srv.T(r, "awards.org.title"), Data: d})
	}
	if err := fs.Err(); err != nil {
		fail(err)
		return
	}
	if perr != nil {
		fail(perr)
		return
	}
	if _, err := h.svc.Issue(ctxIP(h, r), u, b); err != nil {
		fail(err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/organizations/%d/awards", id), "awards.flash.issued")
}

// formFields maps the service's field names onto the form's: the titles'
// "title.kk" to "title_kk", a recipient's "recipients[3].name" to the
// recipients box (with its line number).
func formFields(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		switch {
		case f.Name == "title":
			f.Name = "title_kk"
		case strings.HasPrefix(f.Name, "title."):
			f.Name = "title_" + strings.TrimPrefix(f.Name, "title.")
		case strings.HasPrefix(f.Name, "recipients["):
			f.Name = "recipients"
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

func (h *handler) print(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	batch, err := strconv.ParseInt(r.URL.Query().Get("batch"), 10, 64)
	if err != nil || batch <= 0 {
		h.srv.Fail(w, r, notFound())
		return
	}
	list, err := h.svc.Batch(r.Context(), u, id, batch)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.sendPDF(w, r, list, fmt.Sprintf("awards-%d.pdf", batch))
}
