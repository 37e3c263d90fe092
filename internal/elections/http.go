package elections

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handler serves the elections pages and API.
type Handler struct {
	srv     *web.Server
	svc     *Service
	baseURL string
}

// Register adds the templates and routes to the server.
func (svc *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &Handler{srv: srv, svc: svc, baseURL: svc.baseURL}
	srv.Page("GET /elections/new", h.newForm)
	srv.AddNewLink(web.NewLink{Path: "/elections/new", Title: "elections.new", Order: 20})
	srv.Page("POST /elections", h.create)
	srv.Page("GET /elections/{id}", h.show)
	srv.Page("POST /elections/{id}/ballot", h.castForm)
	srv.Page("POST /elections/{id}/candidates", h.nominateForm)
	srv.Page("POST /elections/{id}/candidates/{cid}/{action}", h.respond)
	srv.Page("POST /elections/{id}/open", h.step("open"))
	srv.Page("POST /elections/{id}/close", h.step("close"))
	srv.Page("POST /elections/{id}/publish", h.step("publish"))
	srv.Page("POST /elections/{id}/codes", h.codesPDF)
	srv.Page("POST /elections/{id}/codes/email", h.emailCodes)
	srv.Page("POST /elections/{id}/candidates/list", h.proposeList)
	srv.PageCached("GET /elections/{id}/bulletin", h.bulletinPage)
	srv.Page("GET /elections/{id}/protocol.pdf", h.protocolPDF)

	tags := []string{"elections"}
	srv.APIOperation(api.Operation{Method: "GET", Path: "/elections", ID: "listElections",
		Summary: "Every election, newest first (elections are public: title, status, accepted candidates, turnout)",
		Tags:    tags, Response: api.Page[ElectionOut]{}, Query: listQuery(), Errors: []int{422}}, h.apiList)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/elections", ID: "createElection", Summary: "Create an election (officers)",
		Tags: tags, Auth: true, Request: ElectionIn{}, Response: ElectionOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/elections/{id}", ID: "getElection", Summary: "An election with its candidates",
		Tags: tags, Response: ElectionOut{}, Errors: []int{404}}, h.apiGet)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/elections/{id}/candidates", ID: "addCandidate",
		Summary:     "Nominate a candidate: officers' nominations are accepted at once, members' wait for the nominee",
		Description: "{\"person_id\"} answers with the candidate; {\"person_ids\":[…]} (officers: the chair proposes a list) adds them all or none and answers {\"items\":[candidates]}.",
		Tags:        tags, Auth: true, Request: CandidateIn{}, Response: CandidateOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, h.apiNominate))
	for _, a := range []string{"open", "close", "publish"} {
		srv.APIOperation(api.Operation{Method: "POST", Path: "/elections/{id}/" + a, ID: a + "Election",
			Summary: strings.ToUpper(a[:1]) + a[1:] + " the election (officers)", Tags: tags, Auth: true, Response: ElectionOut{},
			Errors: []int{401, 403, 404, 409}}, h.apiStep(a))
	}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/elections/{id}/ballots", ID: "castBallot",
		Summary:     "Cast a secret ballot (bearer token, or a voting code in the body)",
		Description: "Method choose: {\"choices\":[candidate ids]}; for_against_abstain: {\"marks\":{id:\"for\"|\"against\"|\"abstain\"}}. A second ballot gets 409.",
		Tags:        tags, Request: BallotIn{}, Response: TrackerOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, false, h.apiCast))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/elections/{id}/codes", ID: "issueVotingCodes",
		Summary: "Issue one-time voting codes to the electorate's voters who have not voted (officers); earlier codes stop working",
		Tags:    tags, Auth: true, Request: CodesIn{}, Response: api.Page[CodeOut]{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiCodes)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/elections/{id}/results", ID: "electionResults",
		Summary: "Results: officers after closing, everyone after publishing", Tags: tags, Response: ResultsOut{}, Errors: []int{401, 403, 404, 409}}, h.apiResults)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/elections/{id}/bulletin", ID: "electionBulletin",
		Summary: "Every ballot with its tracker, ordered by tracker, for voters to find theirs and anyone to recount",
		Tags:    tags, Response: api.Page[Ballot]{}, Query: api.ListQuery(), Errors: []int{401, 403, 404, 409}}, h.apiBulletin)
	return nil
}

func ctxIP(h *Handler, r *http.Request) *http.Request {
	return r.WithContext(audit.WithIP(r.Context(), h.srv.ClientIP(r)))
}

// --- pages

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	q := r.URL.Query()
	f := url.Values{"org_id": {q.Get("org")}, "meeting_id": {q.Get("meeting")}, "agenda_item_id": {q.Get("item")}, "seats": {"1"}, "quorum": {"50"}}
	h.renderNew(w, r, http.StatusOK, f, nil)
}

// renderNew shows the new election form: the organization picker
// (web.Pick) and, when it is for a meeting, the meeting's agenda items to
// hold it under.
func (h *Handler) renderNew(w http.ResponseWriter, r *http.Request, status int, f url.Values, fe map[string]string) {
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if status != http.StatusOK {
		fe = h.srv.PickError(r, pk, fe)
	}
	items, err := h.svc.AgendaItems(r.Context(), web.FormInt(f.Get("meeting_id")))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, status, "elections_new", &web.PageData{Title: h.srv.T(r, "elections.new"), Form: f, Errors: fe,
		Data: map[string]any{"Items": items, "Org": pk}})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	u := req.User
	f := r.PostForm
	// The organization is named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if pk.ID == 0 {
		h.renderNew(w, r, http.StatusUnprocessableEntity, f, nil)
		return
	}
	seats, err := strconv.Atoi(f.Get("seats"))
	if err != nil {
		seats = 0
	}
	quorum, err := strconv.ParseFloat(strings.TrimSpace(f.Get("quorum")), 64)
	if err != nil || f.Get("quorum") == "" {
		quorum = -1
	}
	in := NewElection{OrgID: web.FormInt(f.Get("org_id")), MeetingID: web.FormInt(f.Get("meeting_id")), AgendaItemID: web.FormInt(f.Get("agenda_item_id")),
		Title: i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru")}, Seats: seats, Method: f.Get("method"), Rule: f.Get("rule"),
		Quorum: quorum / 100, ElectorateRole: f.Get("role")}
	id, err := h.svc.Create(ctxIP(h, r).Context(), u, in)
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			// The form's fields carry other names than the API's.
			for api, form := range map[string]string{"title": "title_kk", "organization_id": "org_id", "electorate.role": "role"} {
				if m, ok := fe[api]; ok {
					fe[form] = m
				}
			}
			h.renderNew(w, r, http.StatusUnprocessableEntity, f, fe)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/elections/%d", id), "elections.created")
}

// showData is what the election page shows.
type showData struct {
	E          *Election
	Title      string
	Candidates []Candidate // accepted ones, on the ballot
	Pending    []Candidate // nominated, withdrawn, declined (officers and nominees see them)
	Officer    bool
	Member     bool // may nominate
	InElect    bool
	Voted      bool
	Code       string
	Result     *Result
	Tracker    string
	Quorum     string
	Base       string
	CanEmail   bool // codes can be sent by email (an SMTP server is set up) or Telegram
}

func (h *Handler) load(w http.ResponseWriter, r *http.Request) (*showData, bool) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return nil, false
	}
	id := req.ID
	l := web.LangOf(r)
	e, err := h.svc.Get(r.Context(), id, l)
	if err != nil {
		h.srv.Fail(w, r, err)
		return nil, false
	}
	d := &showData{E: e, Title: e.Title.In(l), Base: h.baseURL, Quorum: strconv.FormatFloat(float64(e.QuorumBP)/100, 'f', -1, 64),
		CanEmail: h.svc.canSendCodes()}
	cands, err := h.svc.Candidates(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return nil, false
	}
	u := web.UserOf(r)
	if d.Officer, err = h.svc.IsOfficer(r.Context(), u, e); err != nil {
		h.srv.Fail(w, r, err)
		return nil, false
	}
	for _, c := range cands {
		if c.Status == "accepted" {
			d.Candidates = append(d.Candidates, c)
		} else if d.Officer || (u != nil && (c.PersonID == u.ID || c.NominatedBy == u.ID)) {
			d.Pending = append(d.Pending, c)
		}
	}
	if u != nil {
		if d.InElect, d.Voted, err = h.svc.VoterStatus(r.Context(), id, u.ID); err != nil {
			h.srv.Fail(w, r, err)
			return nil, false
		}
		if e.Status == Draft && !d.Officer {
			role, err := h.svc.auth.RoleIn(r.Context(), u, e.ElectorateOrgID)
			if err != nil {
				h.srv.Fail(w, r, err)
				return nil, false
			}
			d.Member = role >= auth.Member
		}
	}
	if e.Status == Published || (e.Status == Closed && d.Officer) {
		if d.Result, err = h.svc.tally(r.Context(), e); err != nil {
			h.srv.Fail(w, r, err)
			return nil, false
		}
	}
	return d, true
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	d.Code = r.URL.Query().Get("code")
	h.srv.Render(w, r, http.StatusOK, "elections_show", &web.PageData{Title: d.Title, Data: d})
}

func (h *Handler) castForm(w http.ResponseWriter, r *http.Request) {
	if !h.srv.ParseForm(w, r) {
		return
	}
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	f := r.PostForm
	in := BallotInput{Code: strings.TrimSpace(f.Get("code"))}
	e, err := h.svc.Get(r.Context(), id, web.LangOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if e.Method == MethodChoose {
		in.Choices = append([]string{}, f["choice"]...)
	} else {
		in.Marks = map[string]string{}
		for k, v := range f {
			if c, ok := strings.CutPrefix(k, "mark_"); ok && len(v) > 0 && v[0] != "" {
				in.Marks[c] = v[0]
			}
		}
	}
	u := web.UserOf(r)
	if u == nil && in.Code == "" {
		var fs errs.Fields
		fs.Add("code", "elections.code_or_signin")
		err = fs.Err()
	} else {
		var tracker string
		tracker, err = h.svc.Cast(r.Context(), u, id, in)
		if err == nil {
			h.srv.Render(w, r, http.StatusCreated, "elections_voted", &web.PageData{Title: h.srv.T(r, "elections.voted_title"),
				Data: map[string]any{"Tracker": tracker, "E": e, "Title": e.Title.In(web.LangOf(r))}})
			return
		}
	}
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	d.Code = in.Code
	h.srv.Render(w, r, http.StatusUnprocessableEntity, "elections_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: f})
}

func (h *Handler) nominateForm(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	var err error
	var fs errs.Fields
	person, perr := h.svc.auth.UserByEmail(r.Context(), r.PostForm.Get("email"))
	if perr != nil {
		if errs.CodeOf(perr) != errs.NotFound {
			h.srv.Fail(w, r, perr)
			return
		}
		fs.Add("email", "elections.no_such_person")
		err = fs.Err()
	} else {
		_, err = h.svc.Nominate(ctxIP(h, r).Context(), u, id, person.ID)
	}
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			if m, ok := fe["person_id"]; ok {
				fe["email"] = m
			}
			d, ok := h.load(w, r)
			if !ok {
				return
			}
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "elections_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: r.PostForm})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/elections/%d", id), "elections.nominated")
}

func (h *Handler) respond(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "cid")
	if !ok {
		return
	}
	u, id, cid := req.User, req.ID, req.PathID("cid")
	if err := h.svc.Respond(ctxIP(h, r).Context(), u, id, cid, r.PathValue("action")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/elections/%d", id), "elections.saved")
}

func (h *Handler) step(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := h.srv.BeginForm(w, r, "id")
		if !ok {
			return
		}
		u, id := req.User, req.ID
		if !web.Confirmed(r) {
			h.confirmAct(w, r, u, id, action)
			return
		}
		if err := h.svc.do(ctxIP(h, r).Context(), u, id, action); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		h.srv.Redirect(w, r, fmt.Sprintf("/elections/%d", id), map[string]string{
			"open": "elections.opened", "close": "elections.closed_now", "publish": "elections.published"}[action])
	}
}

func (h *Handler) bulletinPage(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	l := web.LangOf(r)
	e, err := h.svc.Get(r.Context(), id, l)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	after := strings.ToLower(strings.TrimSpace(q.Get("after")))
	find := strings.ToLower(strings.TrimSpace(q.Get("tracker")))
	const limit = 200
	var items []Ballot
	if find != "" {
		// Find one's own ballot: the page starts at it.
		items, err = h.svc.Bulletin(r.Context(), web.UserOf(r), id, prevKey(find), limit)
	} else {
		items, err = h.svc.Bulletin(r.Context(), web.UserOf(r), id, after, limit)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	cands, err := h.svc.Candidates(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, c := range cands {
		names[strconv.FormatInt(c.ID, 10)] = c.Name
	}
	type row struct {
		Tracker string
		Found   bool
		Parts   []string
	}
	p := h.srv.Printer(r)
	rows := make([]row, 0, len(items))
	for _, b := range items {
		x := row{Tracker: b.Tracker, Found: find != "" && b.Tracker == find}
		for _, c := range b.Choices {
			x.Parts = append(x.Parts, names[c])
		}
		for _, c := range sortedKeys(b.Marks) {
			x.Parts = append(x.Parts, names[c]+": "+p.T("elections.mark."+b.Marks[c]))
		}
		rows = append(rows, x)
	}
	data := map[string]any{"E": e, "Title": e.Title.In(l), "Rows": rows, "Find": find,
		"NotFound": find != "" && (len(rows) == 0 || rows[0].Tracker != find)}
	if len(items) == limit {
		data["Next"] = items[len(items)-1].Tracker
	}
	h.srv.Render(w, r, http.StatusOK, "elections_bulletin", &web.PageData{Title: h.srv.T(r, "elections.bulletin"), Data: data})
}

// prevKey is a key just before t, so that "tracker > prevKey(t)" starts at t.
func prevKey(t string) string {
	if t == "" {
		return ""
	}
	return t[:len(t)-1] + string(t[len(t)-1]-1) + "~"
}

// --- API

// ElectionIn is the body of POST /api/v1/elections.
type ElectionIn struct {
	OrganizationID   string       `json:"organization_id"`
	MeetingID        string       `json:"meeting_id,omitempty"`
	AgendaItemID     string       `json:"agenda_item_id,omitempty" doc:"an item of the meeting's agenda; the meeting is then implied"`
	Title            i18n.Text    `json:"title"`
	Seats            int          `json:"seats" minimum:"1" maximum:"1000"`
	Method           string       `json:"method" enum:"choose,for_against_abstain"`
	Electorate       ElectorateIn `json:"electorate"`
	Rule             string       `json:"rule" enum:"plurality,majority"`
	Quorum           float64      `json:"quorum" doc:"share of the electorate that must vote, from 0 to 1"`
	NominationsUntil *time.Time   `json:"nominations_until,omitempty"`
}

// ElectorateIn says who votes.
type ElectorateIn struct {
	OrganizationID string `json:"organization_id"`
	Role           string `json:"role,omitempty" doc:"only members with this membership role"`
}

// ElectionOut is an election as the API shows it.
type ElectionOut struct {
	ID               string         `json:"id"`
	OrganizationID   string         `json:"organization_id"`
	MeetingID        string         `json:"meeting_id,omitempty"`
	AgendaItemID     string         `json:"agenda_item_id,omitempty"`
	Title            i18n.Text      `json:"title"`
	Seats            int            `json:"seats"`
	Method           string         `json:"method"`
	Electorate       ElectorateOut  `json:"electorate"`
	Rule             string         `json:"rule"`
	Quorum           float64        `json:"quorum"`
	Status           string         `json:"status" enum:"draft,open,closed,published"`
	NominationsUntil *time.Time     `json:"nominations_until,omitempty"`
	OpenedAt         *time.Time     `json:"opened_at,omitempty"`
	ClosedAt         *time.Time     `json:"closed_at,omitempty"`
	PublishedAt      *time.Time     `json:"published_at,omitempty"`
	Voters           int            `json:"voters"`
	Candidates       []CandidateOut `json:"candidates"`
}

// ElectorateOut is the electorate with its size once fixed.
type ElectorateOut struct {
	OrganizationID string `json:"organization_id"`
	Role           string `json:"role,omitempty"`
	Size           int    `json:"size"`
}

// CandidateIn is the body of POST …/candidates: one person, or a list.
type CandidateIn struct {
	PersonID  string   `json:"person_id,omitempty" doc:"the person to nominate"`
	PersonIDs []string `json:"person_ids,omitempty" doc:"officers: the chair's whole list at once (all or nothing); the answer is then {\"items\":[candidates]}"`
}

// CandidateOut is a candidate.
type CandidateOut struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Status   string `json:"status" enum:"nominated,accepted,declined,withdrawn"`
}

// BallotIn is the body of POST …/ballots.
type BallotIn struct {
	Choices []string          `json:"choices,omitempty" doc:"method choose: the chosen candidates' ids, at most seats"`
	Marks   map[string]string `json:"marks,omitempty" doc:"method for_against_abstain: candidate id → for, against or abstain"`
	Code    string            `json:"code,omitempty" doc:"a voting code, instead of a bearer token"`
}

// TrackerOut is the answer to a ballot.
type TrackerOut struct {
	Tracker string `json:"tracker" doc:"find your ballot by it in the bulletin"`
}

// CodesIn optionally narrows codes to some voters.
type CodesIn struct {
	PersonIDs   []string `json:"person_ids,omitempty" doc:"only these voters; all who have not voted when absent"`
	WithoutCode bool     `json:"without_code,omitempty" doc:"only voters who hold no code yet (e.g. not those who were sent one by email)"`
}

// CodeOut is one issued voting code.
type CodeOut struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Code     string `json:"code"`
}

// ResultsOut is the count.
type ResultsOut struct {
	Status        string         `json:"status"`
	Electorate    int            `json:"electorate"`
	Ballots       int            `json:"ballots"`
	Turnout       float64        `json:"turnout"`
	Valid         int            `json:"valid"`
	QuorumReached bool           `json:"quorum_reached"`
	SecondRound   bool           `json:"second_round"`
	Candidates    []CandidateRes `json:"candidates"`
}

// CandidateRes is one candidate's count.
type CandidateRes struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Votes    int    `json:"votes"`
	For      int    `json:"for"`
	Against  int    `json:"against"`
	Abstain  int    `json:"abstain"`
	Elected  bool   `json:"elected"`
	Tie      bool   `json:"tie"`
}

func idStr(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (h *Handler) out(r *http.Request, e *Election) (ElectionOut, error) {
	cands, err := h.svc.Candidates(r.Context(), e.ID)
	if err != nil {
		return ElectionOut{}, err
	}
	u := web.UserOf(r)
	officer, err := h.svc.IsOfficer(r.Context(), u, e)
	if err != nil {
		return ElectionOut{}, err
	}
	return electionOut(e, cands, u, officer), nil
}

// electionOut is e as the API shows it to u: accepted candidates to
// everyone, nominations still waiting only to the officers, the nominee
// and whoever nominated them (as the election's page shows them).
func electionOut(e *Election, cands []Candidate, u *auth.User, officer bool) ElectionOut {
	o := ElectionOut{ID: idStr(e.ID), OrganizationID: idStr(e.OrgID), MeetingID: idStr(e.MeetingID), AgendaItemID: idStr(e.AgendaItemID), Title: e.Title, Seats: e.Seats,
		Method: e.Method, Rule: e.Rule, Quorum: float64(e.QuorumBP) / 10000, Status: e.Status,
		Electorate:       ElectorateOut{OrganizationID: idStr(e.ElectorateOrgID), Role: e.ElectorateRole, Size: e.Electorate},
		NominationsUntil: e.NominationsUntil, OpenedAt: e.OpenedAt, ClosedAt: e.ClosedAt, PublishedAt: e.PublishedAt, Voters: e.Voters,
		Candidates: []CandidateOut{}}
	for _, c := range cands {
		mine := u != nil && (c.PersonID == u.ID || c.NominatedBy == u.ID)
		if c.Status == "accepted" || (c.Status == "nominated" && (officer || mine)) {
			o.Candidates = append(o.Candidates, CandidateOut{ID: idStr(c.ID), PersonID: idStr(c.PersonID), Name: c.Name, Status: c.Status})
		}
	}
	return o
}

func parseID(s, field string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		var fs errs.Fields
		fs.Add(field, "validation.invalid_value")
		return 0, fs.Err()
	}
	return id, nil
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in ElectionIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	org, _ := strconv.ParseInt(in.OrganizationID, 10, 64)
	if org <= 0 {
		fs.Add("organization_id", "validation.invalid_value")
	}
	var meeting, item, eorg int64
	if in.MeetingID != "" {
		if meeting, _ = strconv.ParseInt(in.MeetingID, 10, 64); meeting <= 0 {
			fs.Add("meeting_id", "validation.invalid_value")
		}
	}
	if in.AgendaItemID != "" {
		if item, _ = strconv.ParseInt(in.AgendaItemID, 10, 64); item <= 0 {
			fs.Add("agenda_item_id", "validation.invalid_value")
		}
	}
	if in.Electorate.OrganizationID != "" {
		if eorg, _ = strconv.ParseInt(in.Electorate.OrganizationID, 10, 64); eorg <= 0 {
			fs.Add("electorate.organization_id", "validation.invalid_value")
		}
	}
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	id, err := h.svc.Create(ctxIP(h, r).Context(), u, NewElection{OrgID: org, MeetingID: meeting, AgendaItemID: item, Title: in.Title, Seats: in.Seats,
		Method: in.Method, Rule: in.Rule, Quorum: in.Quorum, ElectorateOrgID: eorg, ElectorateRole: in.Electorate.Role,
		NominationsUntil: in.NominationsUntil})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.writeElection(w, r, id, http.StatusCreated)
}

func (h *Handler) writeElection(w http.ResponseWriter, r *http.Request, id int64, status int) {
	e, err := h.svc.Get(r.Context(), id, i18n.KK)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	o, err := h.out(r, e)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, status, o)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"), "id")
	if err != nil {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	h.writeElection(w, r, id, http.StatusOK)
}

// apiNominate adds one candidate ({"person_id"}), or the chair's whole
// list at once ({"person_ids":[…]}, officers, all or nothing; answered
// with {"items":[…]}).
func (h *Handler) apiNominate(r *http.Request, u *auth.User, id int64, in CandidateIn) (any, error) {
	if len(in.PersonIDs) > 0 {
		if in.PersonID != "" {
			var fs errs.Fields
			fs.Add("person_id", "validation.invalid_value")
			return nil, fs.Err()
		}
		ids := make([]int64, 0, len(in.PersonIDs))
		for _, s := range in.PersonIDs {
			pid, err := parseID(s, "person_ids")
			if err != nil {
				return nil, err
			}
			ids = append(ids, pid)
		}
		cands, err := h.svc.ProposePeople(r.Context(), u, id, ids)
		if err != nil {
			return nil, err
		}
		out := api.Page[CandidateOut]{Items: make([]CandidateOut, 0, len(cands))}
		for _, c := range cands {
			out.Items = append(out.Items, candidateOut(c))
		}
		return out, nil
	}
	pid, err := parseID(in.PersonID, "person_id")
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Nominate(r.Context(), u, id, pid)
	if err != nil {
		return nil, err
	}
	return candidateOut(*c), nil
}

func candidateOut(c Candidate) CandidateOut {
	return CandidateOut{ID: idStr(c.ID), PersonID: idStr(c.PersonID), Name: c.Name, Status: c.Status}
}

func (s *Service) do(ctx context.Context, u *auth.User, id int64, action string) error {
	switch action {
	case "open":
		return s.Open(ctx, u, id)
	case "close":
		return s.Close(ctx, u, id)
	default:
		return s.Publish(ctx, u, id)
	}
}

func (h *Handler) apiStep(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := web.UserOf(r)
		if u == nil {
			h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
			return
		}
		id, err := parseID(r.PathValue("id"), "id")
		if err != nil {
			h.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
			return
		}
		if err := h.svc.do(ctxIP(h, r).Context(), u, id, action); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		h.writeElection(w, r, id, http.StatusOK)
	}
}

// apiCast casts a ballot, signed in or with a voting code in the body.
func (h *Handler) apiCast(r *http.Request, u *auth.User, id int64, in BallotIn) (TrackerOut, error) {
	tracker, err := h.svc.Cast(r.Context(), u, id, BallotInput(in))
	return TrackerOut{Tracker: tracker}, err
}

func (h *Handler) apiCodes(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	id, err := parseID(r.PathValue("id"), "id")
	if err != nil {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	var in CodesIn
	if r.ContentLength != 0 {
		if err := h.srv.Decode(r, &in); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	var ids []int64
	for _, s := range in.PersonIDs {
		pid, err := parseID(s, "person_ids")
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		ids = append(ids, pid)
	}
	codes, err := h.svc.IssueCodesFor(ctxIP(h, r).Context(), u, id, CodeFilter{PersonIDs: ids, WithoutCode: in.WithoutCode})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[CodeOut]{Items: make([]CodeOut, 0, len(codes))}
	for _, c := range codes {
		out.Items = append(out.Items, CodeOut{PersonID: idStr(c.PersonID), Name: c.Name, Code: c.Code})
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, out)
}

func resultsOut(e *Election, res *Result) ResultsOut {
	o := ResultsOut{Status: e.Status, Electorate: res.Electorate, Ballots: res.Ballots, Turnout: res.Turnout, Valid: res.Valid,
		QuorumReached: res.QuorumReached, SecondRound: res.SecondRound, Candidates: []CandidateRes{}}
	for _, c := range res.Candidates {
		o.Candidates = append(o.Candidates, CandidateRes{ID: idStr(c.ID), PersonID: idStr(c.PersonID), Name: c.Name, Votes: c.Votes,
			For: c.For, Against: c.Against, Abstain: c.Abstain, Elected: c.Elected, Tie: c.Tie})
	}
	return o
}

func (h *Handler) apiResults(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"), "id")
	if err != nil {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	e, res, err := h.svc.Results(r.Context(), web.UserOf(r), id, i18n.KK)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, resultsOut(e, res))
}

func (h *Handler) apiBulletin(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"), "id")
	if err != nil {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	limit, err := h.srv.Limit(r, 500, 5000)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var after string
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := api.DecodeCursor(c, &after); err != nil {
			h.srv.Fail(w, r, &errs.Error{Code: errs.Invalid, Key: "error.invalid",
				Fields: []errs.Field{{Name: "cursor", Key: "api.invalid_cursor"}}})
			return
		}
	}
	items, err := h.svc.Bulletin(r.Context(), web.UserOf(r), id, after, limit+1)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.Paginate(items, limit, func(b Ballot) []any { return []any{b.Tracker} }))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (h *Handler) emailCodes(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if !h.srv.ParseForm(w, r) {
		return
	}
	if !web.Confirmed(r) {
		h.confirmAct(w, r, u, id, "codes/email")
		return
	}
	res, err := h.svc.EmailCodes(ctxIP(h, r).Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	var text string
	if n := res.Sent - res.Telegram; n > 0 || res.Telegram == 0 {
		text = p.N("elections.codes_emailed", n)
	}
	if res.Telegram > 0 {
		text = strings.TrimSpace(text + " " + p.N("elections.codes_telegram", res.Telegram))
	}
	if res.NoEmail+res.Failed > 0 {
		text += " " + p.N("elections.codes_need_slips", res.NoEmail+res.Failed)
	}
	h.srv.Render(w, r, http.StatusOK, "message", &web.PageData{Title: h.srv.T(r, "elections.codes_email"),
		Data: map[string]any{"Text": text, "Next": fmt.Sprintf("/elections/%d", id)}})
}

func (h *Handler) proposeList(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	_, err := h.svc.ProposeList(ctxIP(h, r).Context(), u, id, strings.Split(r.PostForm.Get("list"), "\n"))
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			d, ok := h.load(w, r)
			if !ok {
				return
			}
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "elections_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: r.PostForm})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/elections/%d", id), "elections.list_added")
}
