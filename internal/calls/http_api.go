package calls

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/selection"
	"github.com/ortaq/ortaq/internal/web"
)

// EligibilityIO is who may apply.
type EligibilityIO struct {
	AgeMin   int      `json:"age_min,omitempty"`
	AgeMax   int      `json:"age_max,omitempty"`
	Regions  []string `json:"regions,omitempty"`
	MemberOf string   `json:"member_of,omitempty" doc:"an organization id: members of its subtree"`
}

// TeamIO is the size of a team application.
type TeamIO struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// StageIn is a stage in POST /calls.
type StageIn struct {
	Title          i18n.Text   `json:"title"`
	Hosts          []string    `json:"hosts,omitempty" doc:"organization ids holding the stage; default: the call's organization"`
	OpensAt        time.Time   `json:"opens_at"`
	ClosesAt       time.Time   `json:"closes_at"`
	Criteria       []Criterion `json:"criteria"`
	Advance        int         `json:"advance" doc:"how many each holding advances"`
	Blind          bool        `json:"blind"`
	KeepTies       bool        `json:"keep_ties,omitempty"`
	Normalization  string      `json:"normalization,omitempty" enum:"raw,zscore,rank"`
	PerApplication int         `json:"jurors_per_application,omitempty" doc:"default 3"`
}

// CallIn is the body of POST /calls.
type CallIn struct {
	OrganizationID string        `json:"organization_id"`
	ProgrammeID    string        `json:"programme_id,omitempty"`
	Kind           string        `json:"kind" enum:"selection,contest,festival,grant"`
	Title          i18n.Text     `json:"title"`
	Description    i18n.Text     `json:"description"`
	Eligibility    EligibilityIO `json:"eligibility"`
	Form           []Field       `json:"form"`
	Team           *TeamIO       `json:"team,omitempty"`
	PublishScores  bool          `json:"publish_scores,omitempty" doc:"applicants see their sheets and comments after each stage"`
	Stages         []StageIn     `json:"stages"`
}

// HostOut is a holding organization.
type HostOut struct {
	ID   string    `json:"id"`
	Name i18n.Text `json:"name"`
}

// StageOut is a stage as the API shows it.
type StageOut struct {
	ID             string      `json:"id"`
	Title          i18n.Text   `json:"title"`
	Hosts          []HostOut   `json:"hosts"`
	OpensAt        time.Time   `json:"opens_at"`
	ClosesAt       time.Time   `json:"closes_at"`
	Criteria       []Criterion `json:"criteria"`
	Advance        int         `json:"advance"`
	Blind          bool        `json:"blind"`
	KeepTies       bool        `json:"keep_ties"`
	Normalization  string      `json:"normalization"`
	PerApplication int         `json:"jurors_per_application"`
	Seed           string      `json:"seed" doc:"the stage's draw seed: anyone can recompute the tie-break draws"`
	ClosedAt       *time.Time  `json:"closed_at"`
}

// CallOut is a call as the API shows it.
type CallOut struct {
	ID             string        `json:"id"`
	OrganizationID string        `json:"organization_id"`
	ProgrammeID    string        `json:"programme_id,omitempty"`
	Kind           string        `json:"kind"`
	Title          i18n.Text     `json:"title"`
	Description    i18n.Text     `json:"description"`
	Eligibility    EligibilityIO `json:"eligibility"`
	Form           []Field       `json:"form"`
	Team           *TeamIO       `json:"team,omitempty" doc:"a team application's size, the applicant included; absent: individual applications"`
	Stages         []StageOut    `json:"stages"`
}

func callOut(c *Call) CallOut {
	o := CallOut{ID: idStr(c.ID), OrganizationID: idStr(c.OrgID), ProgrammeID: idStr(c.ProgrammeID), Kind: c.Kind, Title: c.Title,
		Description: c.Description, Form: c.Form, Stages: []StageOut{},
		Eligibility: EligibilityIO{AgeMin: c.AgeMin, AgeMax: c.AgeMax, Regions: c.Regions, MemberOf: idStr(c.MemberOf)}}
	if o.Form == nil {
		o.Form = []Field{}
	}
	if c.Team() {
		o.Team = &TeamIO{Min: c.TeamMin, Max: c.TeamMax}
	}
	for _, st := range c.Stages {
		so := StageOut{ID: idStr(st.ID), Title: st.Title, OpensAt: st.OpensAt, ClosesAt: st.ClosesAt, Criteria: st.Criteria, Advance: st.Advance,
			Blind: st.Blind, KeepTies: st.KeepTies, Normalization: st.Normalization, PerApplication: st.PerApplication,
			Seed: strconv.FormatUint(st.Seed, 10), ClosedAt: st.ClosedAt, Hosts: []HostOut{}}
		for _, h := range st.Hosts {
			so.Hosts = append(so.Hosts, HostOut{ID: idStr(h.ID), Name: h.Name})
		}
		o.Stages = append(o.Stages, so)
	}
	return o
}

// parseID reads an optional id field; a malformed one is a field error.
func parseID(fs *errs.Fields, field, s string) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(field, "calls.error.unknown_org")
		return 0
	}
	return n
}

func (in CallIn) input() (Input, error) {
	var fs errs.Fields
	out := Input{Kind: in.Kind, Title: in.Title, Description: in.Description, Form: in.Form, PublishScores: in.PublishScores,
		AgeMin: in.Eligibility.AgeMin, AgeMax: in.Eligibility.AgeMax, Regions: in.Eligibility.Regions}
	out.OrgID = parseID(&fs, "organization_id", in.OrganizationID)
	out.ProgrammeID = parseID(&fs, "programme_id", in.ProgrammeID)
	out.MemberOf = parseID(&fs, "eligibility.member_of", in.Eligibility.MemberOf)
	if in.Team != nil {
		out.TeamMin, out.TeamMax = in.Team.Min, in.Team.Max
		if in.Team.Max == 0 { // {"min":0,"max":0} would read as "individual": say it is not a team size
			out.TeamMax = -1
		}
	}
	for i, st := range in.Stages {
		si := StageInput{Title: st.Title, OpensAt: st.OpensAt, ClosesAt: st.ClosesAt, Criteria: st.Criteria, Advance: st.Advance,
			Blind: st.Blind, KeepTies: st.KeepTies, Normalization: st.Normalization, PerApplication: st.PerApplication}
		for _, h := range st.Hosts {
			if id := parseID(&fs, "stages."+strconv.Itoa(i)+".hosts", h); id > 0 {
				si.Hosts = append(si.Hosts, id)
			}
		}
		out.Stages = append(out.Stages, si)
	}
	return out, fs.Err()
}

// ApplicationIn is the body of POST /calls/{id}/applications.
type ApplicationIn struct {
	Answers map[string]any `json:"answers"`
	HostID  string         `json:"host_id,omitempty"`
	Members []string       `json:"members,omitempty" doc:"a team application's other members by email address: each is invited (by Telegram when linked, else email) and confirms with an account of that address; the team, the applicant included, must be within the call's team min–max"`
}

// ApplicationOut is an application's id and status.
type ApplicationOut struct {
	ID     string `json:"id"`
	Status string `json:"status" enum:"submitted,awaiting_team" doc:"awaiting_team: a team application takes part once the call's minimum of its members confirmed"`
}

// PublicationIn is the body of PUT …/holdings/{org_id}.
type PublicationIn struct {
	PublishAt *time.Time `json:"publish_at" doc:"when the holding's results become public; null: at the stage's close"`
}

// PublicationOut confirms a holding's publication time.
type PublicationOut struct {
	HoldingID string     `json:"holding_id"`
	PublishAt *time.Time `json:"publish_at"`
}

// TeamAnswerIn is the body of POST /applications/{id}/team.
type TeamAnswerIn struct {
	Accept bool `json:"accept" doc:"true joins the team, false declines the invitation"`
}

// TeamAnswerOut is the invitation's new status.
type TeamAnswerOut struct {
	Status string `json:"status" enum:"confirmed,declined"`
}

// Answers turns JSON answers (strings, numbers, booleans) into text.
func answersText(in map[string]any) (map[string]string, error) {
	out := map[string]string{}
	var fs errs.Fields
	for k, v := range in {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case nil:
		default:
			fs.Add("answers."+k, "calls.error.bad_answer")
		}
	}
	return out, fs.Err()
}

// JurorIn is the body of POST …/jurors.
type JurorIn struct {
	PersonID string `json:"person_id"`
	HostID   string `json:"host_id,omitempty"`
	Chair    bool   `json:"chair,omitempty" doc:"the jury's chair signs the protocol"`
}

// JurorOut confirms a juror.
type JurorOut struct {
	PersonID string `json:"person_id"`
	HostID   string `json:"host_id"`
}

// AssignmentOut is one application on a juror's list.
type AssignmentOut struct {
	ApplicationID string             `json:"application_id"`
	Name          string             `json:"name,omitempty" doc:"absent when the stage is blind"`
	Answers       map[string]string  `json:"answers"`
	Scored        bool               `json:"scored"`
	Scores        map[string]float64 `json:"scores,omitempty"`
	Comment       string             `json:"comment,omitempty"`
}

// AssignOut is what an assignment run did.
type AssignOut struct {
	Added           int `json:"added"`
	Removed         int `json:"removed"`
	ScoredConflicts int `json:"scored_conflicts"`
}

// ScoresIn is the body of PUT /applications/{id}/scores.
type ScoresIn struct {
	StageID string             `json:"stage_id"`
	Scores  map[string]float64 `json:"scores"`
	Comment string             `json:"comment,omitempty"`
}

// ScoresOut is the stored sheet's total.
type ScoresOut struct {
	ApplicationID string  `json:"application_id"`
	StageID       string  `json:"stage_id"`
	Total         float64 `json:"total" doc:"0–100: 100 × Σ weight·score/max ÷ Σ weight"`
}

// CloseOut is the answer of closing a stage.
type CloseOut struct {
	Advanced []string              `json:"advanced"`
	Ties     []selection.CutoffTie `json:"ties"`
	Report   *Report               `json:"report"`
}

// ResultOut is one application's place at a closed stage.
type ResultOut struct {
	ApplicationID string  `json:"application_id"`
	HoldingID     string  `json:"holding_id"`
	Rank          int     `json:"rank"`
	Score         float64 `json:"score"`
	RawScore      float64 `json:"raw_score"`
	Advanced      bool    `json:"advanced"`
	Status        string  `json:"status" enum:"advanced,declined,not_advanced,unscored"`
	InPlaceOf     string  `json:"in_place_of,omitempty"`
}

// ResultsOut is a stage's results.
type ResultsOut struct {
	Items  []ResultOut `json:"items"`
	Report *Report     `json:"report"`
}

// DeclineIn is the body of POST /applications/{id}/decline.
type DeclineIn struct {
	StageID string `json:"stage_id"`
}

// DeclineOut confirms a decline.
type DeclineOut struct {
	Declined bool `json:"declined"`
}

func (h *handler) registerAPI() {
	s := h.srv
	tags := []string{"calls"}
	s.APIOperation(api.Operation{Method: "GET", Path: "/calls", ID: "listCalls", Summary: "Calls, newest first", Tags: tags,
		Response: api.Page[CallOut]{}, Query: api.ListQuery(api.Param{Name: "organization_id", Description: "only this organization's calls"})}, h.apiList)
	s.APIOperation(api.Operation{Method: "GET", Path: "/calls/{id}", ID: "getCall", Summary: "A call with its stages", Tags: tags,
		Response: CallOut{}, Errors: []int{404}}, h.apiGet)
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls", ID: "createCall", Summary: "Create a call with its stages (moderators of the organization)",
		Tags: tags, Auth: true, Request: CallIn{}, Response: CallOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls/{id}/applications", ID: "applyToCall", Summary: "Apply (once per person)",
		Description: "A JSON body, or multipart/form-data when the form has file questions: the part \"application\" holds the same JSON, " +
			"a part \"answers.KEY\" the file answering question KEY (PDF, PNG or JPEG judged by its content, at most 768 KB; a refusal names " +
			"the field answers.KEY). The application and its files are stored together or not at all. Those allowed download a file from " +
			"/{lang}/calls/{id}/applications/{application_id}/files/{key}; the answer itself is the file's name.",
		Tags: tags, Auth: true, Request: ApplicationIn{}, Response: ApplicationOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 413, 422}},
		h.apiApplyHandler())
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls/{id}/stages/{stage_id}/jurors", ID: "addJuror", Summary: "Put a person on a holding's jury",
		Tags: tags, Auth: true, Request: JurorIn{}, Response: JurorOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}}, h.apiJuror)
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls/{id}/stages/{stage_id}/assignments", ID: "assignJurors",
		Summary: "Spread the applications over the jurors (organizers; scored pairs never move)", Tags: tags, Auth: true,
		Response: AssignOut{}, Errors: []int{401, 403, 404, 409}}, h.apiAssign)
	s.APIOperation(api.Operation{Method: "GET", Path: "/calls/{id}/stages/{stage_id}/assignments", ID: "listAssignments",
		Summary: "The signed-in juror's applications at a stage (names hidden when blind)", Tags: tags, Auth: true,
		Response: api.Page[AssignmentOut]{}, Errors: []int{401, 403, 404}}, h.apiAssignments)
	s.APIOperation(api.Operation{Method: "PUT", Path: "/applications/{id}/scores", ID: "scoreApplication", Summary: "A juror's score sheet",
		Tags: tags, Auth: true, Request: ScoresIn{}, Response: ScoresOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusOK, true, h.apiScore))
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls/{id}/stages/{stage_id}/close", ID: "closeStage",
		Summary: "Fix a stage's results and advance each holding's best", Tags: tags, Auth: true, Response: CloseOut{},
		Errors: []int{401, 403, 404, 409}}, h.apiClose)
	s.APIOperation(api.Operation{Method: "GET", Path: "/calls/{id}/stages/{stage_id}/results", ID: "stageResults",
		Summary: "A closed stage's results by holding and rank, with the cutoff, ties and backfills", Tags: tags,
		Response: ResultsOut{}, Errors: []int{404, 409}}, h.apiResults)
	s.APIOperation(api.Operation{Method: "POST", Path: "/applications/{id}/decline", ID: "declineAdvancement",
		Summary: "The applicant gives up their place at a stage", Tags: tags, Auth: true, Request: DeclineIn{}, Response: DeclineOut{},
		Errors: []int{401, 403, 404, 409}}, web.JSONAction(h.srv, http.StatusOK, true, h.apiDecline))
	s.APIOperation(api.Operation{Method: "PUT", Path: "/calls/{id}/stages/{stage_id}/holdings/{org_id}", ID: "setHoldingPublication",
		Summary: "When a holding's results become public (the call's organizers or the holding's moderators, before the stage closes)", Tags: tags, Auth: true,
		Request: PublicationIn{}, Response: PublicationOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiPublication)
	s.APIOperation(api.Operation{Method: "POST", Path: "/applications/{id}/team", ID: "answerTeamInvitation",
		Summary: "An invited member joins a team application, or declines (with an account of the invited address)", Tags: tags, Auth: true,
		Request: TeamAnswerIn{}, Response: TeamAnswerOut{}, Errors: []int{401, 403, 404, 409}},
		web.JSONAction(h.srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in TeamAnswerIn) (TeamAnswerOut, error) {
			st, err := h.s.AnswerInvitation(r.Context(), u, id, in.Accept)
			return TeamAnswerOut{Status: st}, err
		}))
	s.APIOperation(api.Operation{Method: "POST", Path: "/applications/{id}/team/members", ID: "inviteTeamMember",
		Summary: "The applicant invites someone in the place of a member who declined or has not answered (replace), or one more member, while the first stage takes applications",
		Tags:    tags, Auth: true, Request: TeamInviteIn{}, Response: TeamInviteOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in TeamInviteIn) (TeamInviteOut, error) {
			if err := h.s.InviteMember(r.Context(), u, id, in.Email, in.Replace); err != nil {
				return TeamInviteOut{}, err
			}
			return TeamInviteOut{Email: strings.ToLower(strings.TrimSpace(in.Email)), Status: "invited"}, nil
		}))
	s.APIOperation(api.Operation{Method: "POST", Path: "/applications/{id}/conflicts", ID: "declareConflict",
		Summary: "A juror declares a conflict of interest with an application (never assigned to them again)", Tags: tags, Auth: true,
		Request: ConflictIn{}, Response: ConflictOut{}, Errors: []int{401, 403, 404, 409}}, web.JSONAction(h.srv, http.StatusOK, true, h.apiConflict))
	s.APIOperation(api.Operation{Method: "POST", Path: "/calls/{id}/relatives", ID: "declareRelative",
		Summary: "A juror of the call declares a relative among its people (never given their applications; only \"declared\" is answered)",
		Tags:    tags, Auth: true, Request: RelativeIn{}, Response: RelativeOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, h.apiRelative))
}

// TeamInviteIn is the body of POST /applications/{id}/team/members.
type TeamInviteIn struct {
	Email   string `json:"email" doc:"the new member's address"`
	Replace string `json:"replace,omitempty" doc:"the address of a member who declined or has not answered, whose place the new one takes"`
}

// TeamInviteOut is the new invitation.
type TeamInviteOut struct {
	Email  string `json:"email"`
	Status string `json:"status" enum:"invited"`
}

// ConflictIn is the body of POST /applications/{id}/conflicts.
type ConflictIn struct {
	StageID string `json:"stage_id"`
}

// ConflictOut confirms a declared conflict.
type ConflictOut struct {
	Declared bool `json:"declared"`
}

func (h *handler) apiConflict(r *http.Request, u *auth.User, id int64, in ConflictIn) (ConflictOut, error) {
	sid, err := strconv.ParseInt(in.StageID, 10, 64)
	if err != nil || sid <= 0 {
		var fs errs.Fields
		fs.Add("stage_id", "calls.error.no_stage")
		return ConflictOut{}, fs.Err()
	}
	if err := h.s.DeclareConflict(r.Context(), u, id, sid); err != nil {
		return ConflictOut{}, err
	}
	return ConflictOut{Declared: true}, nil
}

func (h *handler) apiPublication(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "stage_id", "org_id")
	if !ok {
		return
	}
	var in PublicationIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	org := req.PathID("org_id")
	if err := h.s.SetPublication(audit.WithIP(r.Context(), h.srv.ClientIP(r)), req.User, req.ID, req.PathID("stage_id"), org, in.PublishAt); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := PublicationOut{HoldingID: idStr(org), PublishAt: in.PublishAt}
	if out.PublishAt != nil {
		t := out.PublishAt.UTC()
		out.PublishAt = &t
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) {
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var before, org int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := api.DecodeCursor(c, &before); err != nil {
			h.srv.Fail(w, r, errs.New(errs.BadRequest, "api.bad_cursor"))
			return
		}
	}
	if o := r.URL.Query().Get("organization_id"); o != "" {
		org, _ = strconv.ParseInt(o, 10, 64)
	}
	cs, err := h.s.List(r.Context(), org, limit+1, before)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[CallOut]{Items: []CallOut{}}
	for i, c := range cs {
		if i == limit {
			out.NextCursor = api.EncodeCursor(cs[i-1].ID)
			break
		}
		full, err := h.s.Get(r.Context(), c.ID)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		out.Items = append(out.Items, callOut(full))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	c, err := h.s.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, callOut(c))
}

func (h *handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	var in CallIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	inp, err := in.input()
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c, err := h.s.Create(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, inp)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, callOut(c))
}

// apiApplyHandler takes an application as JSON, or as multipart with its
// files (see the operation's description), in one request.
func (h *handler) apiApplyHandler() http.HandlerFunc {
	asJSON := web.JSONAction(h.srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in ApplicationIn) (ApplicationOut, error) {
		return h.apiApply(r, u, id, in, nil)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if !web.IsMultipart(r) {
			asJSON(w, r)
			return
		}
		req, ok := h.srv.Begin(w, r, "id")
		if !ok {
			return
		}
		in, files, err := h.readMultipart(r, req.ID)
		if err == nil {
			var out ApplicationOut
			if out, err = h.apiApply(r, req.User, req.ID, in, files); err == nil {
				api.WriteJSON(w, http.StatusCreated, out)
				return
			}
		}
		h.srv.Fail(w, r, err)
	}
}

// readMultipart reads the part "application" (the JSON body) and the
// parts "answers.KEY" for the call's file questions, one file each
// (web.DecodeMultipart: any other part is refused by name).
func (h *handler) readMultipart(r *http.Request, callID int64) (ApplicationIn, map[string]*File, error) {
	var in ApplicationIn
	c, err := h.s.Get(r.Context(), callID)
	if err != nil {
		return in, nil, err
	}
	var parts []web.FileParts
	for _, f := range c.Form {
		if f.Type == "file" {
			parts = append(parts, web.FileParts{Name: "answers." + f.Key, Limit: proposals.MaxAttachment, Max: 1})
		}
	}
	got, err := h.srv.DecodeMultipart(r, "application", &in, parts...)
	if err != nil {
		return in, nil, err
	}
	files := map[string]*File{}
	for _, f := range got {
		files[strings.TrimPrefix(f.Part, "answers.")] = &File{Name: f.Name, Data: f.Data}
	}
	return in, files, nil
}

func (h *handler) apiApply(r *http.Request, u *auth.User, id int64, in ApplicationIn, files map[string]*File) (ApplicationOut, error) {
	var fs errs.Fields
	host := parseID(&fs, "host_id", in.HostID)
	answers, err := answersText(in.Answers)
	if err != nil {
		return ApplicationOut{}, err
	}
	if err := fs.Err(); err != nil {
		return ApplicationOut{}, err
	}
	a, err := h.s.Submit(r.Context(), u, id, ApplyInput{Answers: answers, Files: files, HostID: host, Members: in.Members})
	if err != nil {
		return ApplicationOut{}, err
	}
	status, err := h.s.TeamStatus(r.Context(), a.ID)
	if err != nil {
		return ApplicationOut{}, err
	}
	return ApplicationOut{ID: idStr(a.ID), Status: status}, nil
}

func (h *handler) signedIn(w http.ResponseWriter, r *http.Request) (*auth.User, int64, int64, bool) {
	req, ok := h.srv.BeginGuest(w, r, "id", "stage_id")
	if !ok {
		return nil, 0, 0, false
	}
	u, id, sid := req.User, req.ID, req.PathID("stage_id")
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return nil, 0, 0, false
	}
	return u, id, sid, true
}

func (h *handler) apiJuror(w http.ResponseWriter, r *http.Request) {
	u, id, sid, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	var in JurorIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	person, _ := strconv.ParseInt(in.PersonID, 10, 64)
	if person <= 0 {
		fs.Add("person_id", "calls.error.no_person")
	}
	host := parseID(&fs, "host_id", in.HostID)
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := audit.WithIP(r.Context(), h.srv.ClientIP(r))
	if err := h.s.AddJuror(ctx, u, id, sid, person, host, in.Chair); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if host == 0 {
		_, st, _ := h.s.stageOf(ctx, id, sid)
		if st != nil && len(st.Hosts) == 1 {
			host = st.Hosts[0].ID
		}
	}
	api.WriteJSON(w, http.StatusCreated, JurorOut{PersonID: idStr(person), HostID: idStr(host)})
}

func (h *handler) apiAssign(w http.ResponseWriter, r *http.Request) {
	u, id, sid, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	res, err := h.s.Assign(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, AssignOut{Added: res.Added, Removed: res.Removed, ScoredConflicts: res.ScoredConflicts})
}

func (h *handler) apiAssignments(w http.ResponseWriter, r *http.Request) {
	u, id, sid, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	_, _, as, err := h.s.Assignments(r.Context(), u, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[AssignmentOut]{Items: []AssignmentOut{}}
	for _, a := range as {
		out.Items = append(out.Items, AssignmentOut{ApplicationID: idStr(a.ApplicationID), Name: a.Name, Answers: a.Answers,
			Scored: a.Scored(), Scores: a.Scores, Comment: a.Comment})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiScore(r *http.Request, u *auth.User, id int64, in ScoresIn) (ScoresOut, error) {
	sid, err := strconv.ParseInt(in.StageID, 10, 64)
	if err != nil || sid <= 0 {
		var fs errs.Fields
		fs.Add("stage_id", "calls.error.no_stage")
		return ScoresOut{}, fs.Err()
	}
	total, err := h.s.Score(r.Context(), u, id, sid, in.Scores, in.Comment)
	if err != nil {
		return ScoresOut{}, err
	}
	return ScoresOut{ApplicationID: idStr(id), StageID: idStr(sid), Total: total}, nil
}

func (h *handler) apiClose(w http.ResponseWriter, r *http.Request) {
	u, id, sid, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	res, err := h.s.Close(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := CloseOut{Advanced: []string{}, Ties: res.Ties, Report: res.Report}
	if out.Ties == nil {
		out.Ties = []selection.CutoffTie{}
	}
	for _, a := range res.Advanced {
		out.Advanced = append(out.Advanced, idStr(a))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiResults(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id", "stage_id")
	if !ok {
		return
	}
	id, sid := req.ID, req.PathID("stage_id")
	_, _, rs, rep, err := h.s.ResultsFor(r.Context(), req.User, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := ResultsOut{Items: []ResultOut{}, Report: rep}
	for _, x := range rs {
		out.Items = append(out.Items, ResultOut{ApplicationID: idStr(x.ApplicationID), HoldingID: idStr(x.HoldingID), Rank: x.Rank,
			Score: x.Score, RawScore: x.RawScore, Advanced: x.Advanced(), Status: x.Status, InPlaceOf: idStr(x.InPlaceOf)})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiDecline(r *http.Request, u *auth.User, id int64, in DeclineIn) (DeclineOut, error) {
	sid, err := strconv.ParseInt(in.StageID, 10, 64)
	if err != nil || sid <= 0 {
		var fs errs.Fields
		fs.Add("stage_id", "calls.error.no_stage")
		return DeclineOut{}, fs.Err()
	}
	if err := h.s.Decline(r.Context(), u, id, sid); err != nil {
		return DeclineOut{}, err
	}
	return DeclineOut{Declined: true}, nil
}
