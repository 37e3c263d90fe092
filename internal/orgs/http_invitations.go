package orgs

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// Pages and API of invitations and of the guardian requests an
// organization sends for the accounts its imports made
// (docs/decisions/0012-member-invitations.md).

func (h *Handler) registerInvitations() {
	h.srv.Page("GET /invitations", h.myInvitations)
	h.srv.Page("POST /invitations/{iid}/accept", h.acceptInvitation)
	h.srv.Page("POST /invitations/{iid}/decline", h.declineInvitation)
	h.srv.Page("POST /organizations/{id}/invitations/{iid}/revoke", h.revokeInvitation)
	h.srv.Page("POST /organizations/{id}/people/{pid}/guardian-request", h.guardianRequest)

	tags := []string{"organizations"}
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/organizations/{id}/invitations", ID: "listInvitations",
		Summary: "Open invitations to become a member (the organization's administrators)",
		Description: "What the administrator typed (an address, or # and a person's id), never whom it reached: " +
			"an invitation leaves the list when it is accepted, declined, revoked or expired.",
		Tags: tags, Auth: true, Response: api.Page[InvitationJSON]{}, Errors: []int{401, 403, 404}}, h.apiInvitations)
	h.srv.APIOperation(api.Operation{Method: "DELETE", Path: "/organizations/{id}/invitations/{invitation_id}", ID: "revokeInvitation",
		Summary: "Withdraw an open invitation", Tags: tags, Auth: true, Status: 204, Errors: []int{401, 403, 404}}, h.apiRevokeInvitation)
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/invitations", ID: "listMyInvitations",
		Summary: "The invitations waiting for the signed-in person", Tags: tags, Auth: true,
		Response: api.Page[MyInvitationJSON]{}, Errors: []int{401}}, h.apiMyInvitations)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/invitations/{id}/accept", ID: "acceptInvitation",
		Summary: "Accept an invitation: become a member", Description: "403 consent_required for a minor whose guardian has not consented yet.",
		Tags: tags, Auth: true, Response: MemberJSON{}, Status: 201, Errors: []int{401, 403, 404, 409}}, h.apiAcceptInvitation)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/invitations/{id}/decline", ID: "declineInvitation",
		Summary: "Decline an invitation", Tags: tags, Auth: true, Status: 204, Errors: []int{401, 404}}, h.apiDeclineInvitation)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/people/{person_id}/guardian-request", ID: "requestGuardianConsent",
		Summary: "Ask a minor's guardian for consent again (for an account the organization's import made)",
		Description: "Names the guardian when none is recorded (once); a recorded guardian is not replaced — only the account holder " +
			"may correct the address. At most once an hour per account (429). 404 for an account the organization did not make.",
		Tags: tags, Auth: true, Request: GuardianJSON{}, Response: GuardianRequestJSON{}, Errors: []int{401, 403, 404, 409, 422, 429}},
		h.apiGuardianRequest)
}

// InvitationJSON is an open invitation as the organization sees it.
type InvitationJSON struct {
	ID                   string    `json:"id"`
	OrganizationID       string    `json:"organization_id"`
	Target               string    `json:"target" doc:"what was typed: an address, or # and a person's id"`
	Role                 string    `json:"role"`
	Since                string    `json:"since,omitempty" format:"date"`
	Until                string    `json:"until,omitempty" format:"date"`
	MemberOrganizationID string    `json:"member_organization_id,omitempty"`
	Status               string    `json:"status" enum:"pending"`
	ExpiresAt            time.Time `json:"expires_at"`
}

// InvitationSentJSON answers an administrator's "add a member" that became
// an invitation (202): the same whether or not an account matched.
type InvitationSentJSON struct {
	Status     string         `json:"status" enum:"invited"`
	Detail     string         `json:"detail"`
	Invitation InvitationJSON `json:"invitation"`
}

// MyInvitationJSON is an invitation as the invited person sees it.
type MyInvitationJSON struct {
	ID           string     `json:"id"`
	Organization OrgRefJSON `json:"organization"`
	Role         string     `json:"role"`
	Since        string     `json:"since,omitempty" format:"date"`
	Until        string     `json:"until,omitempty" format:"date"`
	ExpiresAt    time.Time  `json:"expires_at"`
}

// OrgRefJSON names an organization.
type OrgRefJSON struct {
	ID   string    `json:"id"`
	Name i18n.Text `json:"name"`
}

// GuardianJSON names a guardian (only when none is recorded yet).
type GuardianJSON struct {
	GuardianName  string `json:"guardian_name,omitempty" maxLength:"200"`
	GuardianEmail string `json:"guardian_email,omitempty" format:"email"`
}

// GuardianRequestJSON answers a guardian request.
type GuardianRequestJSON struct {
	PersonID     string    `json:"person_id"`
	GuardianName string    `json:"guardian_name"`
	RequestedAt  time.Time `json:"requested_at"`
}

func invitationJSON(v Invitation) InvitationJSON {
	j := InvitationJSON{ID: strconv.FormatInt(v.ID, 10), OrganizationID: strconv.FormatInt(v.OrgID, 10), Target: v.Target,
		Role: v.Role, Since: v.Since, Until: v.Until, Status: "pending", ExpiresAt: v.ExpiresAt.UTC()}
	if v.SourceID != 0 {
		j.MemberOrganizationID = strconv.FormatInt(v.SourceID, 10)
	}
	return j
}

// ---- pages ----

type invitationView struct {
	ID                      int64
	OrgID                   int64
	Org, Target, Role, Term string
	Expires                 string
}

func (h *Handler) invitationViews(p *i18n.Printer, list []Invitation) []invitationView {
	out := make([]invitationView, len(list))
	for i, v := range list {
		term := dateText(p, v.Since)
		if v.Since != "" || v.Until != "" {
			term += " – " + dateText(p, v.Until)
		}
		out[i] = invitationView{ID: v.ID, OrgID: v.OrgID, Org: v.OrgName.In(p.Lang()), Target: v.Target, Role: RoleLabel(p, v.Role),
			Term: strings.TrimSpace(term), Expires: p.Date(v.ExpiresAt)}
	}
	return out
}

// adminLists are what an organization's administrators see below the
// member list: open invitations, and the accounts its imports made that
// wait for a guardian's consent.
func (h *Handler) adminLists(r *http.Request, u *auth.User, orgID int64, data map[string]any) error {
	invs, err := h.svc.Invitations(r.Context(), u, orgID)
	if err != nil {
		return err
	}
	waiting, err := h.svc.WaitingForConsent(r.Context(), u, orgID)
	if err != nil {
		return err
	}
	p := h.srv.Printer(r)
	data["Invitations"] = h.invitationViews(p, invs)
	type waitingView struct {
		Waiting
		Asked string
	}
	views := make([]waitingView, len(waiting))
	for i, w := range waiting {
		views[i].Waiting = w
		if w.RequestedAt != nil {
			views[i].Asked = p.DateTime(*w.RequestedAt)
		}
	}
	data["Waiting"] = views
	return h.joinAdmin(r, u, orgID, data)
}

func (h *Handler) myInvitations(w http.ResponseWriter, r *http.Request) {
	h.myInvitationsPage(w, r, http.StatusOK, "")
}

func (h *Handler) myInvitationsPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	list, err := h.svc.MyInvitations(r.Context(), u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	h.srv.Render(w, r, status, "orgs_invitations", &web.PageData{Title: p.T("orgs.invitation.title"),
		Data: map[string]any{"Items": h.invitationViews(p, list), "Limited": u.Limited(), "Problem": problem}})
}

func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "iid")
	if !ok {
		return
	}
	_, err := h.svc.AcceptInvitation(auditCtx(h, r).Context(), req.User, req.ID)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.ConsentRequired {
			// Said on the page, next to the invitation that waits.
			h.myInvitationsPage(w, r, http.StatusForbidden, h.srv.T(r, e.Key))
			return
		}
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, answeredTo(r), "orgs.invitation.accepted")
}

func (h *Handler) declineInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "iid")
	if !ok {
		return
	}
	if err := h.svc.DeclineInvitation(auditCtx(h, r).Context(), req.User, req.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, answeredTo(r), "orgs.invitation.declined")
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	id, err := web.PathID(r, "iid")
	if err == nil {
		err = h.svc.RevokeInvitation(auditCtx(h, r).Context(), u, o.ID, id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members#invitations", "orgs.invitation.revoked")
}

func (h *Handler) guardianRequest(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	pid, err := web.PathID(r, "pid")
	if err == nil {
		_, err = h.svc.auth.AskGuardian(auditCtx(h, r).Context(), u, o.ID, pid,
			auth.GuardianInput{Name: r.PostForm.Get("guardian_name"), Email: r.PostForm.Get("guardian_email")})
	}
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			h.membersPage(w, r, http.StatusUnprocessableEntity, err, nil)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members#waiting", "orgs.guardian.sent")
}

// ---- API ----

func (h *Handler) apiInvitations(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if _, err := h.svc.Get(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.Invitations(r.Context(), web.UserOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := api.Page[InvitationJSON]{Items: make([]InvitationJSON, len(list))}
	for i, v := range list {
		page.Items[i] = invitationJSON(v)
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) apiRevokeInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "invitation_id")
	if !ok {
		return
	}
	u, id, iid := req.User, req.ID, req.PathID("invitation_id")
	if err := h.svc.RevokeInvitation(auditCtx(h, r).Context(), u, id, iid); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiMyInvitations(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.MyInvitations(r.Context(), web.UserOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := api.Page[MyInvitationJSON]{Items: make([]MyInvitationJSON, len(list))}
	for i, v := range list {
		page.Items[i] = MyInvitationJSON{ID: strconv.FormatInt(v.ID, 10),
			Organization: OrgRefJSON{ID: strconv.FormatInt(v.OrgID, 10), Name: v.OrgName},
			Role:         v.Role, Since: v.Since, Until: v.Until, ExpiresAt: v.ExpiresAt.UTC()}
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) apiAcceptInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	m, err := h.svc.AcceptInvitation(auditCtx(h, r).Context(), web.UserOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, memberJSON(*m))
}

func (h *Handler) apiDeclineInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if err := h.svc.DeclineInvitation(auditCtx(h, r).Context(), web.UserOf(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiGuardianRequest(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "person_id")
	if !ok {
		return
	}
	u, id, pid := req.User, req.ID, req.PathID("person_id")
	var in GuardianJSON
	if err := h.srv.Decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.svc.Get(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.auth.AskGuardian(auditCtx(h, r).Context(), u, id, pid, auth.GuardianInput{Name: in.GuardianName, Email: in.GuardianEmail})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := GuardianRequestJSON{PersonID: p.IDString(), GuardianName: p.GuardianName}
	if p.GuardianRequestedAt != nil {
		out.RequestedAt = p.GuardianRequestedAt.UTC()
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// answeredTo is where an answered invitation leads: back to the person's
// home when answered there (the form's next), else the invitations page.
func answeredTo(r *http.Request) string {
	if r.PostFormValue("next") == "/me" {
		return "/me"
	}
	return "/invitations"
}
