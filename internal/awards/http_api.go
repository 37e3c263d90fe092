package awards

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

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
	Withheld     bool             `json:"recipient_withheld,omitempty" doc:"the recipient's account was deleted: the name is no longer published (recipient says so); the award stays valid"`
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
		Recipient: a.Recipient, Withheld: a.Withheld, Title: a.Title, Place: a.Place, Organization: a.Org, OrgID: strconv.FormatInt(a.OrgID, 10),
		IssuedAt: a.IssuedAt.UTC(), VerifyURL: s.VerifyURL("kk", a.Code), Credential: s.base + "/api/v1/awards/" + a.Code + "/credential"}
	if a.Revoked {
		t := a.RevokedAt.UTC()
		v.RevokedAt = &t
	}
	return v
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

func (h *handler) apiIssue(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
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
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	// Not in the preamble: a bad id here is the awards' own "no such award".
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
