package orgs

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// RegistrationJSON is a state registration in the API.
type RegistrationJSON struct {
	Number    string `json:"number" maxLength:"60"`
	Date      string `json:"date" format:"date"`
	Authority string `json:"authority" maxLength:"300"`
	Status    string `json:"status" enum:"registered,re_registered,suspended,liquidated"`
}

// Contacts of an organization.
type Contacts struct {
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Website string `json:"website"`
	Address string `json:"address"`
}

// OrgJSON is an organization in the API.
type OrgJSON struct {
	ID                 string            `json:"id"`
	ParentID           *string           `json:"parent_id" doc:"null for a top-level organization"`
	Kind               string            `json:"kind"`
	Name               i18n.Text         `json:"name"`
	ShortName          i18n.Text         `json:"short_name"`
	Description        i18n.Text         `json:"description"`
	Purpose            i18n.Text         `json:"purpose" doc:"what a council or working group is for"`
	Region             string            `json:"region" doc:"region code from /api/v1/regions, or empty"`
	District           string            `json:"district"`
	Contacts           Contacts          `json:"contacts"`
	Registration       *RegistrationJSON `json:"registration" doc:"the latest registration record, or null"`
	MemberCount        int               `json:"member_count" doc:"people with a current membership"`
	SubtreeMemberCount int               `json:"subtree_member_count" doc:"member_count summed over this organization and all below it"`
	Archived           bool              `json:"archived"`
}

// OrgInput creates (POST) or changes (PATCH: only the fields given) an
// organization. A registration with a new number adds a record to the
// history; parent_id in a PATCH moves the organization.
type OrgInput struct {
	ParentID     *string           `json:"parent_id,omitempty"`
	Kind         *string           `json:"kind,omitempty" enum:"party,party_branch,primary_organization,youth_wing,assembly,ethnocultural_association,council,working_group,public_institution,akimat,school,college,university,company,ngo,other"`
	Name         *i18n.Text        `json:"name,omitempty"`
	ShortName    *i18n.Text        `json:"short_name,omitempty"`
	Description  *i18n.Text        `json:"description,omitempty"`
	Purpose      *i18n.Text        `json:"purpose,omitempty"`
	Region       *string           `json:"region,omitempty"`
	District     *string           `json:"district,omitempty"`
	Contacts     *Contacts         `json:"contacts,omitempty"`
	Registration *RegistrationJSON `json:"registration,omitempty"`
}

// MemberJSON is a membership in a list.
type MemberJSON struct {
	ID                   string `json:"id"`
	PersonID             string `json:"person_id"`
	Name                 string `json:"name"`
	Email                string `json:"email,omitempty" doc:"shown to the organization's administrators, for people who are members by their own act (joined, accepted an invitation) or whose account the organization's import made"`
	Source               string `json:"source,omitempty" doc:"how the membership came to be (administrators only): self, invitation, import, created, platform_admin, legacy"`
	Role                 string `json:"role"`
	Since                string `json:"since,omitempty" format:"date"`
	Until                string `json:"until,omitempty" format:"date"`
	MemberOrganizationID string `json:"member_organization_id,omitempty"`
}

// MemberInput is the body of POST /organizations/{id}/members.
type MemberInputJSON struct {
	PersonID             string `json:"person_id,omitempty"`
	Email                string `json:"email,omitempty" format:"email"`
	Role                 string `json:"role" doc:"chair, deputy_chair, secretary, member, delegate, mentor, or a custom role"`
	Since                string `json:"since,omitempty" format:"date"`
	Until                string `json:"until,omitempty" format:"date"`
	MemberOrganizationID string `json:"member_organization_id,omitempty"`
}

// ImportFile documents the multipart body of an import.
type ImportFile struct {
	File []byte `json:"file" contentEncoding:"binary" doc:"CSV (UTF-8) or XLSX with a header row: name, email, role, and optionally since, until, birth_date, region, guardian_name, guardian_email (a minor's guardian is asked for consent by email); Kazakh and Russian headers are accepted"`
}

func (h *Handler) registerAPI() {
	tags := []string{"organizations"}
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/organizations", ID: "listOrganizations",
		Summary: "The directory of organizations, by name", Tags: tags, Response: api.Page[OrgJSON]{},
		Query: api.ListQuery(api.Param{Name: "q", Description: "name search in any script or spelling"},
			api.Param{Name: "kind"}, api.Param{Name: "region", Description: "region or district code"},
			api.Param{Name: "parent", Description: "only the organizations directly below this one"}),
		Errors: []int{422}}, h.apiList)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations", ID: "createOrganization",
		Summary: "Add an organization", Tags: tags, Auth: true, Request: OrgInput{}, Response: OrgJSON{}, Status: 201,
		Errors: []int{401, 403, 404, 409, 422}}, h.apiCreate)
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/organizations/{id}", ID: "getOrganization",
		Summary: "One organization", Tags: tags, Response: OrgJSON{}, Errors: []int{404}}, h.apiGet)
	h.srv.APIOperation(api.Operation{Method: "PATCH", Path: "/organizations/{id}", ID: "updateOrganization",
		Summary: "Change an organization (only the fields given)", Tags: tags, Auth: true, Request: OrgInput{}, Response: OrgJSON{},
		Errors: []int{401, 403, 404, 409, 422}}, h.apiPatch)
	h.srv.APIOperation(api.Operation{Method: "GET", Path: "/organizations/{id}/members", ID: "listMembers",
		Summary: "Members (for the organization's members and administrators)", Tags: tags, Auth: true,
		Response: api.Page[MemberJSON]{}, Query: api.ListQuery(api.Param{Name: "history", Type: "boolean", Description: "ended memberships instead of current ones"}),
		Errors: []int{401, 403, 404, 422}}, h.apiMembers)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/members", ID: "addMember",
		Summary: "Add a member, or invite them",
		Description: "Platform administrators add the person at once (201 with the membership), and so do an organization's " +
			"administrators for an account the organization's import made. Anyone else named by person_id or email is sent an " +
			"invitation: 202 with {\"status\":\"invited\",\"detail\",\"invitation\"} — the same answer whether or not an account " +
			"matched; the person becomes a member only by accepting it (POST /invitations/{id}/accept).",
		Tags: tags, Auth: true, Request: MemberInputJSON{}, Response: MemberJSON{}, Status: 201,
		Errors: []int{401, 403, 404, 409, 422}}, h.apiAddMember)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/organizations/{id}/members/import", ID: "importMembers",
		Summary:     "Import members from a file, all or nothing",
		Description: "multipart/form-data with the field file. 200 with counts, or 422 with every bad row in errors (row counts the header as 1) and nothing written.",
		Tags:        tags, Auth: true, Response: ImportResult{}, Errors: []int{401, 403, 404, 409, 413, 422}}, h.apiImport)
	h.srv.APIOperation(api.Operation{Method: "POST", Path: "/regions/import", ID: "importRegions",
		Summary: "Import a fuller list of regions, cities and districts, all or nothing (platform administrators)",
		Description: "multipart/form-data with the field file: CSV (UTF-8) or XLSX with a header row code, kind (region, city, district), " +
			"parent_code (KZ for a region or a city of republican significance), name_kk, name_ru and optionally name_en. " +
			"Entries are added or renamed by code, never deleted or moved. 200 with counts, or 422 with every bad row in errors " +
			"(row counts the header as 1) and nothing written.",
		Tags: []string{"reference"}, Auth: true, Response: RegionImportResult{}, Errors: []int{401, 403, 413, 422}}, h.apiImportRegions)
}

func orgJSON(o *Org, reg *Registration) OrgJSON {
	j := OrgJSON{ID: strconv.FormatInt(o.ID, 10), Kind: o.Kind, Name: o.Name, ShortName: o.Short, Description: o.Description,
		Purpose: o.Purpose, Region: o.Region, District: o.District,
		Contacts:    Contacts{Phone: o.Phone, Email: o.Email, Website: o.Website, Address: o.Address},
		MemberCount: o.MemberCount, SubtreeMemberCount: o.SubtreeCount, Archived: o.Archived()}
	if o.ParentID != 0 {
		p := strconv.FormatInt(o.ParentID, 10)
		j.ParentID = &p
	}
	if reg != nil {
		j.Registration = &RegistrationJSON{Number: reg.Number, Date: reg.Date, Authority: reg.Authority, Status: reg.Status}
	}
	return j
}

// latestRegistrations returns each organization's latest record in one query.
func (s *Service) latestRegistrations(ctx context.Context, ids []int64) (map[int64]*Registration, error) {
	out := map[int64]*Registration{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT org_id, number, date, authority, status FROM org_registrations
		WHERE org_id IN (`+db.Placeholders(len(ids))+`) ORDER BY org_id, date DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r Registration
		if err := rows.Scan(&id, &r.Number, &r.Date, &r.Authority, &r.Status); err != nil {
			return nil, err
		}
		if _, seen := out[id]; !seen {
			out[id] = &r
		}
	}
	return out, rows.Err()
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := Filter{Q: q.Get("q"), Kind: q.Get("kind"), Region: q.Get("region"), Cursor: q.Get("cursor"), Limit: limit}
	if v := q.Get("parent"); v != "" {
		p, err := strconv.ParseInt(v, 10, 64)
		if err != nil || p <= 0 {
			var fs errs.Fields
			fs.Add("parent", "validation.invalid_value")
			h.fail(w, r, fs.Err())
			return
		}
		f.Parent = p
	}
	if err := h.svc.EnsureCounts(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	list, next, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make([]int64, len(list))
	for i, o := range list {
		ids[i] = o.ID
	}
	regs, err := h.svc.latestRegistrations(r.Context(), ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := api.Page[OrgJSON]{Items: make([]OrgJSON, len(list)), NextCursor: next}
	for i, o := range list {
		page.Items[i] = orgJSON(o, regs[o.ID])
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) writeOrg(w http.ResponseWriter, r *http.Request, status int, id int64) {
	o, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	regs, err := h.svc.latestRegistrations(r.Context(), []int64{id})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, status, orgJSON(o, regs[id]))
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if err := h.svc.EnsureCounts(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeOrg(w, r, http.StatusOK, id)
}

func (in OrgInput) patch() Patch {
	p := Patch{Kind: in.Kind, Name: in.Name, Short: in.ShortName, Description: in.Description, Purpose: in.Purpose,
		Region: in.Region, District: in.District}
	if c := in.Contacts; c != nil {
		p.Phone, p.Email, p.Website, p.Address = &c.Phone, &c.Email, &c.Website, &c.Address
	}
	if g := in.Registration; g != nil {
		p.Registration = &RegInput{Number: g.Number, Date: g.Date, Authority: g.Authority, Status: g.Status}
	}
	return p
}

func parseParent(v *string) (int64, error) {
	if v == nil || *v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(*v, 10, 64)
	if err != nil || n <= 0 {
		var fs errs.Fields
		fs.Add("parent_id", "validation.invalid_value")
		return 0, fs.Err()
	}
	return n, nil
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in OrgInput
	if err := h.srv.Decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	parent, err := parseParent(in.ParentID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := in.patch()
	if p.Kind == nil {
		var fs errs.Fields
		fs.Add("kind", "validation.required")
		if p.Name == nil {
			fs.Add("name.kk", "validation.required")
		}
		h.fail(w, r, fs.Err())
		return
	}
	o, err := h.svc.Create(auditCtx(h, r).Context(), u, parent, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeOrg(w, r, http.StatusCreated, o.ID)
}

func (h *Handler) apiPatch(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	var in OrgInput
	if err := h.srv.Decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := auditCtx(h, r).Context()
	if in.ParentID != nil {
		parent, err := parseParent(in.ParentID)
		if err == nil {
			err = h.svc.Move(ctx, u, id, parent)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if _, err := h.svc.Update(ctx, u, id, in.patch()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeOrg(w, r, http.StatusOK, id)
}

func memberJSON(m Member) MemberJSON {
	j := MemberJSON{ID: strconv.FormatInt(m.ID, 10), PersonID: strconv.FormatInt(m.PersonID, 10), Name: m.Name, Email: m.Email,
		Role: m.Role, Since: m.Since, Until: m.Until, Source: m.Source}
	if m.SourceID != 0 {
		j.MemberOrganizationID = strconv.FormatInt(m.SourceID, 10)
	}
	return j
}

func (h *Handler) apiMembers(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	limit, err := h.srv.Limit(r, 50, 500)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	list, next, _, err := h.svc.Members(r.Context(), web.UserOf(r), id, MemberFilter{History: q.Get("history") == "true" || q.Get("history") == "1",
		Cursor: q.Get("cursor"), Limit: limit})
	if err != nil || len(list) == 0 {
		// An organization that does not exist is a 404 to everyone. Members
		// listed show that it exists, so it is looked up only otherwise: one
		// round trip less for a page of members.
		if _, gerr := h.svc.Get(r.Context(), id); gerr != nil {
			h.fail(w, r, gerr)
			return
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := api.Page[MemberJSON]{Items: make([]MemberJSON, len(list)), NextCursor: next}
	for i, m := range list {
		page.Items[i] = memberJSON(m)
	}
	api.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) apiAddMember(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	var in MemberInputJSON
	if err := h.srv.Decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	var fs errs.Fields
	var pid, sid int64
	var err error
	if in.PersonID != "" {
		if pid, err = strconv.ParseInt(in.PersonID, 10, 64); err != nil || pid <= 0 {
			fs.Add("person_id", "validation.invalid_value")
		}
	}
	if in.MemberOrganizationID != "" {
		if sid, err = strconv.ParseInt(in.MemberOrganizationID, 10, 64); err != nil || sid <= 0 {
			fs.Add("member_organization_id", "validation.invalid_value")
		}
	}
	if err := fs.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.svc.Get(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	m, inv, err := h.svc.AddOrInvite(auditCtx(h, r).Context(), u, id, MemberInput{PersonID: pid, Email: strings.TrimSpace(in.Email),
		Role: in.Role, Since: in.Since, Until: in.Until, SourceID: sid})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if inv != nil {
		// The same answer whether or not an account has this id or address.
		api.WriteJSON(w, http.StatusAccepted, InvitationSentJSON{Status: "invited",
			Detail: h.srv.Printer(r).T("orgs.invitation.sent"), Invitation: invitationJSON(*inv)})
		return
	}
	api.WriteJSON(w, http.StatusCreated, memberJSON(*m))
}

func (h *Handler) apiImport(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	ctx := auditCtx(h, r).Context()
	if _, err := h.svc.Get(ctx, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.auth.Require(ctx, u, id, orgAdminOr(id)); err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := readUpload(r, MaxImportBytes)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.ImportMembers(ctx, u, id, data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}
