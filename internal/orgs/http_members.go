package orgs

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// ---- members ----

type memberView struct {
	ID                int64
	Name, Email, Role string
	Since, Until      string
	Hidden            bool
	Source            string
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	h.membersPage(w, r, http.StatusOK, nil, nil)
}

// membersPage renders the member list; err (a form's) is shown next to its
// fields, imported (a finished import) as a notice.
func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request, status int, formErr error, imported *ImportResult) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	ctx := r.Context()
	// Whether, and how much of, the list the reader may see: one query,
	// before anything of the list is looked at.
	view, err := h.svc.CanSeeMembers(ctx, u, id)
	if err != nil {
		if _, gerr := h.svc.Get(ctx, id); errs.CodeOf(gerr) == errs.NotFound {
			err = gerr
		}
		h.fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	q := r.URL.Query()
	f := MemberFilter{History: q.Get("history") == "1", Cursor: q.Get("cursor"), Limit: 50}
	// What the rows show differs by what the reader may see, so each kind
	// of reader has its own copy.
	seen := "member"
	switch {
	case view.ShowEmail:
		seen = "admin"
	case view.ShowHidden:
		seen = "moderator"
	}
	key := url.Values{"org": {strconv.FormatInt(id, 10)}, "cursor": {f.Cursor}, "seen": {seen}}
	if f.History {
		key.Set("history", "1")
	}
	if r.Method != http.MethodGet {
		// After an import, or beside a form's errors: the rows as they are
		// now, not a copy from before the change (this copy is forgotten
		// when the change succeeds).
		key.Set("now", strconv.FormatInt(time.Now().UnixNano(), 10))
	}
	rows, v, err := h.srv.Fragment(r, "orgs_members", "orgs_members_rows", key.Encode(), func() (any, error) {
		return h.memberBlock(r, id, view, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := v.(*memberBlock)
	if b.Err != nil {
		h.fail(w, r, b.Err)
		return
	}
	data := map[string]any{"Org": b.Org, "Rows": rows, "History": f.History, "CanAdmin": view.Role >= auth.OrgAdmin,
		"Roles": b.Roles, "Sources": b.Sources}
	if view.Role >= auth.OrgAdmin {
		// What waits for its administrators (requests to join, open
		// invitations, minors waiting for consent) is the same for each of
		// them: four statements once per moment, not on every request
		// (docs/benchmarks.md, "PostgreSQL regressions of issue 14").
		pk := pendingKey{Org: id}
		if r.Method != http.MethodGet {
			pk.Now = time.Now().UnixNano()
		}
		pending, _, err := h.srv.Fragment(r, "orgs_members", "orgs_members_pending", pk, func() (any, error) {
			d := map[string]any{"Org": b.Org}
			if err := h.adminLists(r, u, id, d); err != nil {
				return nil, err
			}
			return d, nil
		})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Pending"] = pending
	}
	if view.Role >= auth.OrgAdmin && formErr == nil {
		// The forms as every administrator first sees them.
		forms, _, err := h.srv.Fragment(r, "orgs_members", "orgs_members_forms", key.Encode(), func() (any, error) { return b, nil })
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Forms"] = forms
	}
	d := &web.PageData{Title: p.T("orgs.members.title", "name", b.Org.Name), Data: data, Form: url.Values{}}
	if formErr != nil {
		e, _ := errs.As(formErr)
		if e != nil && e.Code == errs.Invalid && hasRows(e) {
			var report []importError
			for i, f := range e.Fields {
				if i == 200 {
					data["ReportMore"] = len(e.Fields) - i
					break
				}
				report = append(report, importError{Row: f.Row, Field: f.Name, Message: p.T(f.Key, f.Args...)})
			}
			data["Report"] = report
			data["ReportCount"] = len(e.Fields)
		} else if e != nil && e.Code == errs.Invalid && len(e.Fields) == 0 {
			data["ImportError"] = p.T(e.Key, e.Args...)
		} else {
			fe, ok := web.FieldErrors(p, formErr)
			if !ok {
				h.fail(w, r, formErr)
				return
			}
			d.Errors = fe
			d.Form = r.PostForm
		}
	}
	if imported != nil {
		d.Flash = p.T("orgs.import.done", "created", imported.Created, "updated", imported.Updated, "unchanged", imported.Unchanged)
		if imported.Limited > 0 {
			d.Flash += " " + p.T("orgs.import.limited", "count", imported.Limited)
		}
		if imported.Guardians > 0 {
			d.Flash += " " + p.T("orgs.import.guardians", "count", imported.Guardians)
		}
		if imported.Invited > 0 {
			d.Flash += " " + p.T("orgs.import.invited", "count", imported.Invited)
		}
	}
	h.srv.Render(w, r, status, "orgs_members", d)
}

// pendingKey names the administrators' part of a member list: the
// organization, and a moment of its own after a POST (the part as it is
// now, beside a form's errors).
type pendingKey struct {
	Org int64
	Now int64
}

// memberBlock is a page of a member list as one kind of reader sees it
// (web.Server.Fragment): the organization, its member organizations and
// the rows.
type memberBlock struct {
	Org      orgRow
	Roles    []option
	Sources  []option
	Rows     []memberView
	History  bool
	CanAdmin bool
	Next     string
	Today    string
	Err      error // a bad cursor
}

func (h *Handler) memberBlock(r *http.Request, id int64, view MemberView, f MemberFilter) (*memberBlock, error) {
	ctx := r.Context()
	if err := h.svc.EnsureCounts(ctx); err != nil {
		return nil, err
	}
	o, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p := h.srv.Printer(r)
	b := &memberBlock{Org: h.row(p, o), Roles: roleOptions(p), History: f.History, CanAdmin: view.Role >= auth.OrgAdmin, Today: today(h.svc.db.Now())}
	list, next, err := h.svc.memberRows(ctx, id, view, f)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return nil, err
		}
		b.Err = err
	}
	sources, err := h.svc.Sources(ctx, id)
	if err != nil {
		return nil, err
	}
	srcName := map[int64]string{}
	for _, s := range sources {
		srcName[s.ID] = s.Name.In(p.Lang())
		b.Sources = append(b.Sources, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name.In(p.Lang())})
	}
	b.Rows = make([]memberView, len(list))
	for i, m := range list {
		b.Rows[i] = memberView{ID: m.ID, Name: m.Name, Email: m.Email, Role: RoleLabel(p, m.Role), Since: dateText(p, m.Since),
			Until: dateText(p, m.Until), Hidden: m.Hidden, Source: srcName[m.SourceID]}
	}
	if next != "" {
		nq := url.Values{"cursor": {next}}
		if f.History {
			nq.Set("history", "1")
		}
		b.Next = "/organizations/" + strconv.FormatInt(id, 10) + "/members?" + nq.Encode()
	}
	return b, nil
}

type importError struct {
	Row            int
	Field, Message string
}

func hasRows(e *errs.Error) bool {
	for _, f := range e.Fields {
		if f.Row > 0 {
			return true
		}
	}
	return false
}

func (h *Handler) addMember(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	f := r.PostForm
	role := f.Get("role")
	if role == "custom" {
		role = f.Get("custom_role")
	}
	sid, _ := strconv.ParseInt(f.Get("source_id"), 10, 64)
	_, inv, err := h.svc.AddOrInvite(r.Context(), u, o.ID, MemberInput{Email: f.Get("email"), Role: role, Since: f.Get("since"),
		Until: f.Get("until"), SourceID: sid})
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.membersPage(w, r, http.StatusUnprocessableEntity, err, nil)
		return
	}
	if inv != nil {
		// The same answer whether or not the address has an account.
		h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members#invitations", "orgs.invitation.sent")
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members", "orgs.flash.member_added")
}

func (h *Handler) endMember(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	req, ok := h.srv.BeginGuest(w, r, "mid")
	if !ok {
		return
	}
	mid := req.ID
	if err := h.svc.EndMember(r.Context(), u, o.ID, mid, strings.TrimSpace(r.PostForm.Get("until"))); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members", "orgs.flash.member_ended")
}

func (h *Handler) importMembers(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	o, ok := h.orgFromPath(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	if err := h.svc.auth.Require(r.Context(), u, o.ID, auth.OrgAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := readUpload(r, MaxImportBytes)
	var res ImportResult
	if err == nil {
		res, err = h.svc.ImportMembers(r.Context(), u, o.ID, data)
	}
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.membersPage(w, r, http.StatusUnprocessableEntity, err, nil)
		return
	}
	h.membersPage(w, r, http.StatusOK, nil, &res)
}

func (h *Handler) exportMembers(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	o, ok := h.orgFromPath(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if err := CheckFormat(format); err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.svc.ExportMembers(r.Context(), u, o.ID, &buf, format); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, format, "members-"+strconv.FormatInt(o.ID, 10), buf.Bytes())
}
