package awards

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

type item struct {
	A     *Award
	Code  string
	Title string
	Org   string
}

func (h *handler) items(r *http.Request, list []*Award) []item {
	base, latin := string(web.LangOf(r)), false
	if base == "kk-Latn" {
		base, latin = "kk", true
	}
	out := make([]item, len(list))
	for i, a := range list {
		out[i] = item{A: a, Code: certificate.FormatCode(a.Code), Title: a.Title.In(base, true), Org: a.Org.In(base, true)}
		if latin { // kk-Latn readers get the Kazakh in Latin letters, as everywhere
			out[i].Title, out[i].Org = kazakh.ToLatin(out[i].Title), kazakh.ToLatin(out[i].Org)
		}
	}
	return out
}

func (h *handler) mine(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	list, err := h.svc.ForPerson(r.Context(), u.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "awards_mine", &web.PageData{Title: h.srv.T(r, "awards.mine.title"), Data: h.items(r, list)})
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

// AwardOut is one award in GET /api/v1/awards.
type AwardOut struct {
	ID             string           `json:"id"`
	Code           string           `json:"code"`
	Kind           string           `json:"kind" enum:"certificate,diploma,thanks"`
	Title          certificate.Text `json:"title"`
	Place          int              `json:"place,omitempty"`
	Recipient      string           `json:"recipient" doc:"the name as printed"`
	PersonID       string           `json:"person_id,omitempty" doc:"the recipient's account, when awarded by id"`
	OrganizationID string           `json:"organization_id"`
	CallID         string           `json:"call_id,omitempty"`
	CourseID       string           `json:"course_id,omitempty"`
	IssuedAt       time.Time        `json:"issued_at"`
	Revoked        bool             `json:"revoked"`
	RevokedAt      *time.Time       `json:"revoked_at,omitempty"`
	RevokeReason   string           `json:"revoke_reason,omitempty"`
	VerifyURL      string           `json:"verify_url"`
}

func optID(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// apiList: GET /api/v1/awards?organization_id= for the organization's
// organizers (names as printed are the organization's record), or the
// signed-in person's own awards without it.
func (h *handler) apiList(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var before int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := api.DecodeCursor(c, &before); err != nil || before <= 0 {
			h.srv.Fail(w, r, errs.New(errs.BadRequest, "api.bad_cursor"))
			return
		}
	}
	var list []*Award
	if o := r.URL.Query().Get("organization_id"); o != "" {
		org, err := strconv.ParseInt(o, 10, 64)
		if err != nil || org <= 0 {
			var fs errs.Fields
			fs.Add("organization_id", "awards.error.no_org")
			h.srv.Fail(w, r, fs.Err())
			return
		}
		list, err = h.svc.ForOrg(r.Context(), req.User, org, before, limit+1)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	} else {
		if before <= 0 {
			before = 1 << 62
		}
		list, err = h.svc.list(r.Context(), "WHERE a.recipient_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?", req.User.ID, before, limit+1)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	out := api.Page[AwardOut]{Items: []AwardOut{}}
	for i, a := range list {
		if i == limit {
			out.NextCursor = api.EncodeCursor(list[i-1].ID)
			break
		}
		o := AwardOut{ID: optID(a.ID), Code: certificate.FormatCode(a.Code), Kind: string(a.Kind), Title: a.Title, Place: a.Place, Recipient: a.Recipient,
			PersonID: optID(a.RecipientID), OrganizationID: optID(a.OrgID), CallID: optID(a.CallID), CourseID: optID(a.CourseID),
			IssuedAt: a.IssuedAt.UTC(), Revoked: a.Revoked, RevokeReason: a.RevokeReason, VerifyURL: h.svc.VerifyURL("kk", a.Code)}
		if a.Revoked {
			t := a.RevokedAt.UTC()
			o.RevokedAt = &t
		}
		out.Items = append(out.Items, o)
	}
	api.WriteJSON(w, http.StatusOK, out)
}
