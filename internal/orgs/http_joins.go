package orgs

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// Pages and API of joining an organization (joins.go).

func (h *Handler) registerJoins() {
	h.srv.Page("GET /organizations/{id}/join", h.joinForm)
	h.srv.Page("POST /organizations/{id}/join", h.join)
	h.srv.Page("POST /organizations/{id}/join/withdraw", h.withdrawJoin)
	h.srv.Page("POST /organizations/{id}/joining", h.setJoining)
	h.srv.Page("POST /organizations/{id}/join-requests/{rid}/accept", h.acceptJoin)
	h.srv.Page("POST /organizations/{id}/join-requests/{rid}/decline", h.declineJoin)

	tags := []string{"organizations"}
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/join-requests", ID: "requestToJoin",
		Summary: "Ask to join an organization that takes members",
		Description: "A second open request → 409; an organization that does not take members, or a current member → 409; " +
			"a minor whose guardian has not consented → 403 consent_required.",
		Tags: tags, Auth: true, Request: JoinRequestInJSON{}, Response: JoinRequestJSON{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in JoinRequestInJSON) (JoinRequestJSON, error) {
			jr, err := h.svc.RequestJoin(r.Context(), u, id, in.Message)
			if err != nil {
				return JoinRequestJSON{}, err
			}
			return joinRequestJSON(*jr), nil
		}))
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/organizations/{id}/join-requests", ID: "listJoinRequests",
		Summary: "Open requests to join (the organization's administrators), oldest first", Tags: tags, Auth: true,
		Response: api.Page[JoinRequestJSON]{}, Errors: []int{401, 403, 404}}, h.apiJoinRequests)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/join-requests/{request_id}/accept", ID: "acceptJoinRequest",
		Summary: "Accept a request to join: the person becomes a member", Description: "403 consent_required while the person is a minor without a guardian's consent.",
		Tags: tags, Auth: true, Response: JoinRequestJSON{}, Errors: []int{401, 403, 404, 409}}, h.apiAnswerJoin(true))
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/join-requests/{request_id}/decline", ID: "declineJoinRequest",
		Summary: "Decline a request to join", Tags: tags, Auth: true, Response: JoinRequestJSON{}, Errors: []int{401, 403, 404}}, h.apiAnswerJoin(false))
	h.srv.APIOperation(api.Operation{Method: "PUT", Path: "/organizations/{id}/joining", ID: "setJoining",
		Summary: "Open or close the organization to requests to join (its administrators)", Tags: tags, Auth: true,
		Request: JoiningJSON{}, Response: JoiningJSON{}, Errors: []int{401, 403, 404, 409}},
		web.JSONAction(h.srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in JoiningJSON) (JoiningJSON, error) {
			if err := h.svc.SetTakesMembers(r.Context(), u, id, in.TakesMembers); err != nil {
				return JoiningJSON{}, err
			}
			return in, nil
		}))
}

// JoinRequestInJSON asks to join.
type JoinRequestInJSON struct {
	Message string `json:"message,omitempty" maxLength:"1000" doc:"a short note to the administrators"`
}

// JoinRequestJSON is a request to join.
type JoinRequestJSON struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	PersonID       string    `json:"person_id"`
	Name           string    `json:"name,omitempty"`
	Message        string    `json:"message,omitempty"`
	Status         string    `json:"status" enum:"pending,accepted,declined,withdrawn"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
}

// JoiningJSON is whether an organization takes requests to join.
type JoiningJSON struct {
	TakesMembers bool `json:"takes_members"`
}

func joinRequestJSON(r JoinRequest) JoinRequestJSON {
	j := JoinRequestJSON{ID: strconv.FormatInt(r.ID, 10), OrganizationID: strconv.FormatInt(r.OrgID, 10),
		PersonID: strconv.FormatInt(r.PersonID, 10), Name: r.Name, Message: r.Message, Status: r.Status}
	if !r.CreatedAt.IsZero() {
		j.CreatedAt = r.CreatedAt.UTC()
	}
	return j
}

// ---- pages ----

// joinBox is what an organization's page says about joining to its
// reader: nil when it says nothing. b (the page's shared part, at most a
// moment old) tells whether the organization takes members and how many
// requests are open: when it takes none and none wait, no reader has
// anything to be told and nothing is asked (the usual case: a statement
// fewer on every signed-in page, docs/benchmarks.md, "PostgreSQL
// regressions of issue 14"); otherwise the reader's own state, in one
// statement.
func (h *Handler) joinBox(r *http.Request, b *showBlock, role auth.Role) (map[string]any, error) {
	u := web.UserOf(r)
	orgID := b.Org.ID
	var st JoinState
	if u == nil || (!b.TakesMembers && b.OpenRequests == 0) {
		st = JoinState{TakesMembers: b.TakesMembers}
	} else {
		var err error
		if st, err = h.svc.JoinStateFor(r.Context(), u, orgID, role >= auth.OrgAdmin); err != nil {
			return nil, err
		}
	}
	if !st.TakesMembers && st.Waiting == 0 && st.Pending == nil {
		return nil, nil
	}
	return map[string]any{"OrgID": orgID, "State": st, "Guest": u == nil, "Admin": role >= auth.OrgAdmin,
		"Next": url.QueryEscape(r.URL.Path)}, nil
}

func (h *Handler) joinForm(w http.ResponseWriter, r *http.Request) {
	h.joinPage(w, r, http.StatusOK, nil)
}

// joinPage is the page to ask to join: the form, or why it cannot be sent
// and what to do. A refused form keeps what was typed.
func (h *Handler) joinPage(w http.ResponseWriter, r *http.Request, status int, problem error) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	o, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.svc.JoinStateFor(r.Context(), req.User, o.ID, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	d := &web.PageData{Title: p.T("orgs.join.title"), Form: r.PostForm,
		Data: map[string]any{"Org": h.row(p, o), "State": st}}
	if problem != nil {
		if fe, ok := web.FieldErrors(p, problem); ok {
			d.Errors = fe
		} else if e, ok := errs.As(problem); ok {
			d.Data.(map[string]any)["Problem"] = p.T(e.Key, e.Args...)
		}
	}
	h.srv.Render(w, r, status, "orgs_join", d)
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	_, err := h.svc.RequestJoin(auditCtx(h, r).Context(), req.User, req.ID, r.PostForm.Get("message"))
	if err != nil {
		if st := web.Status(err); st < 500 && st != http.StatusNotFound && st != http.StatusUnauthorized {
			// Said on the page, with what was typed kept.
			h.joinPage(w, r, st, err)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(req.ID, 10)+"/join", "orgs.join.sent")
}

func (h *Handler) withdrawJoin(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.WithdrawJoin(r.Context(), req.User, req.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(req.ID, 10), "orgs.join.withdrawn")
}

func (h *Handler) setJoining(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	open := r.PostForm.Get("takes_members") == "1"
	if err := h.svc.SetTakesMembers(auditCtx(h, r).Context(), u, o.ID, open); err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "orgs.joining.closed"
	if open {
		flash = "orgs.joining.opened"
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members#joining", flash)
}

func (h *Handler) acceptJoin(w http.ResponseWriter, r *http.Request)  { h.answerJoin(w, r, true) }
func (h *Handler) declineJoin(w http.ResponseWriter, r *http.Request) { h.answerJoin(w, r, false) }

func (h *Handler) answerJoin(w http.ResponseWriter, r *http.Request, accept bool) {
	req, ok := h.srv.Begin(w, r, "id", "rid")
	if !ok {
		return
	}
	_, err := h.svc.AnswerJoin(auditCtx(h, r).Context(), req.User, req.ID, req.PathID("rid"), accept)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "orgs.join.declined"
	if accept {
		flash = "orgs.join.accepted"
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(req.ID, 10)+"/members#join-requests", flash)
}

// joinAdmin adds what an organization's administrators see on its member
// page about joining: the setting and the waiting requests.
func (h *Handler) joinAdmin(r *http.Request, u *auth.User, orgID int64, data map[string]any) error {
	takes, err := h.svc.TakesMembers(r.Context(), orgID)
	if err != nil {
		return err
	}
	list, err := h.svc.JoinRequests(r.Context(), u, orgID)
	if err != nil {
		return err
	}
	p := h.srv.Printer(r)
	type view struct {
		JoinRequest
		Asked string
	}
	views := make([]view, len(list))
	for i, v := range list {
		views[i] = view{v, p.DateTime(v.CreatedAt)}
	}
	data["TakesMembers"] = takes
	data["JoinRequests"] = views
	return nil
}

// ---- API ----

func (h *Handler) apiJoinRequests(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.Get(r.Context(), req.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.JoinRequests(r.Context(), req.User, req.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := api.Page[JoinRequestJSON]{Items: make([]JoinRequestJSON, len(list))}
	for i, v := range list {
		page.Items[i] = joinRequestJSON(v)
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) apiAnswerJoin(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := h.srv.Begin(w, r, "id", "request_id")
		if !ok {
			return
		}
		jr, err := h.svc.AnswerJoin(auditCtx(h, r).Context(), req.User, req.ID, req.PathID("request_id"), accept)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, joinRequestJSON(*jr))
	}
}
