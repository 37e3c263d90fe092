package calls

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/selection"
	"github.com/ortaq/ortaq/internal/web"
)

type listView struct {
	view
	Calls     []*Call
	CanCreate bool // the reader runs an organization: the list links the new call form
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	cs, err := h.s.List(r.Context(), 0, 100, 0)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	orgs, err := h.s.CreatableOrgs(r.Context(), web.UserOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "calls_list", &web.PageData{Title: h.srv.T(r, "calls.title"),
		Data: listView{view: view{Lang: web.LangOf(r)}, Calls: cs, CanCreate: len(orgs) > 0}})
}

type showView struct {
	view
	Sections   []template.HTML
	C          *Call
	Open       bool
	App        *Application
	Standing   []Progress
	Organizer  bool
	Juror      map[int64]bool // stage → u is a juror there
	Ineligible string
	Hosts      []Org // the first stage's holdings, to choose from
	Invites    []Invitation
	InTeam     bool     // the reader confirmed a place in someone's team: no application of their own
	Team       []Member // the reader's application's invited members
	TeamStatus string
	TeamSize   string
	TeamEdit   bool // the applicant may still invite (the first stage takes applications)
	TeamAdd    bool // and the team, confirmed and invited, is below the maximum
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	h.showWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *handler) showWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	ctx := r.Context()
	c, err := h.s.Get(ctx, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := req.User
	now := h.s.DB.Now()
	v := showView{view: view{Lang: web.LangOf(r)}, C: c, Open: c.Open(now), Organizer: h.s.Organizer(ctx, u, c), Juror: map[int64]bool{}}
	if len(c.Stages[0].Hosts) > 1 {
		v.Hosts = c.Stages[0].Hosts
	}
	if v.App, err = h.s.ApplicationOf(ctx, u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if v.Invites, err = h.s.Invitations(ctx, u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if c.Team() {
		v.TeamSize = teamSizeText(c)
	}
	for _, in := range v.Invites {
		v.InTeam = v.InTeam || in.Status == "confirmed"
	}
	if v.App != nil {
		if v.Standing, err = h.s.Standing(ctx, c, v.App); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		if c.Team() && v.App.UserID == u.ID {
			if v.Team, err = h.s.Team(ctx, v.App.ID); err != nil {
				h.srv.Fail(w, r, err)
				return
			}
			if v.TeamStatus, err = h.s.TeamStatus(ctx, v.App.ID); err != nil {
				h.srv.Fail(w, r, err)
				return
			}
			v.TeamEdit = !c.Stages[0].Closed() && now.Before(c.Stages[0].ClosesAt)
			size := 1
			for _, m := range v.Team {
				if m.Status != "declined" {
					size++
				}
			}
			v.TeamAdd = v.TeamEdit && size < c.TeamMax
		}
	} else if u != nil && v.Open {
		if e := h.s.Eligible(ctx, u, c, now); e != nil {
			if ce, ok := errs.As(e); ok {
				v.Ineligible = h.srv.Printer(r).T(ce.Key, ce.Args...)
			} else {
				h.srv.Fail(w, r, e)
				return
			}
		}
	}
	for _, st := range c.Stages {
		ok, err := h.s.IsJuror(ctx, u, st.ID)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		v.Juror[st.ID] = ok
	}
	// Other components' parts of the page (its reports), via web.Parts.
	if v.Sections, err = h.srv.Parts(r, "calls_show", id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d.Title = c.Title.In(v.Lang)
	d.Data = v
	h.srv.Render(w, r, status, "calls_show", d)
}

type holdingView struct {
	Org       Org
	PublishAt time.Time // zero: at the close
	Pending   bool      // closed, results not public yet, and the reader may not see them
	Jurors    []Juror
	Results   []Result
	Report    *HoldingReport
	Ties      []selection.Tie // every tie of the holding's ranking, with the rules that split it
	Entries   int
}

type stageView struct {
	view
	C         *Call
	S         *Stage
	Next      *Stage
	Organizer bool
	Juror     bool
	Names     bool
	Hidden    bool
	Me        int64 // the reader's application id
	MyResult  *Result
	Holdings  []holdingView
	Report    *Report
	ChairName string
	Short     int // applications with fewer than K jurors (organizers)
}

// Name is how the page names an application: its applicant for readers
// allowed to see names, else its number.
func (v stageView) Name(r Result) string {
	if r.ApplicationID == v.Me {
		return r.Name
	}
	if v.Names && (!r.Hidden || v.Hidden) {
		return r.Name
	}
	return "№ " + strconv.FormatInt(r.ApplicationID, 10)
}

// Local is t as a datetime-local field's value in Kazakhstan's time ("" for zero).
func (v stageView) Local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(i18n.Almaty).Format(draftTimeLayout)
}

// Backfilled returns whom application a replaced in holding h's report.
func (v stageView) TieRule(rule string) string { return "calls.tie." + rule }

func (h *handler) stage(w http.ResponseWriter, r *http.Request) {
	h.stageWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *handler) stageWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.srv.BeginGuest(w, r, "id", "stage_id")
	if !ok {
		return
	}
	id, sid := req.ID, req.PathID("stage_id")
	ctx := r.Context()
	c, st, err := h.s.stageOf(ctx, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := req.User
	v := stageView{view: view{Lang: web.LangOf(r)}, C: c, S: st, Next: c.Next(st), Organizer: h.s.Organizer(ctx, u, c)}
	v.Names, v.Hidden = h.s.NamesFor(ctx, u, c)
	if v.Juror, err = h.s.IsJuror(ctx, u, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if a, err := h.s.ApplicationOf(ctx, u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	} else if a != nil {
		v.Me = a.ID
	}
	var results []Result
	if st.Closed() {
		_, _, results, v.Report, err = h.s.ResultsFor(ctx, u, id, sid)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	var jurors []Juror
	if v.Organizer {
		if jurors, err = h.s.Jurors(ctx, sid); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		if !st.Closed() {
			if v.Short, err = h.s.ShortApplications(ctx, st); err != nil {
				h.srv.Fail(w, r, err)
				return
			}
		}
	}
	for _, o := range st.Hosts {
		hv := holdingView{Org: o}
		if o.PublishAt != nil {
			hv.PublishAt = *o.PublishAt
		}
		hv.Pending = st.Closed() && !st.Published(o.ID, h.s.DB.Now()) && !h.s.seesHolding(ctx, u, c, o.ID)
		for _, j := range jurors {
			if j.HoldingID == o.ID {
				hv.Jurors = append(hv.Jurors, j)
			}
		}
		for i := range results {
			if results[i].HoldingID == o.ID {
				hv.Results = append(hv.Results, results[i])
				if results[i].ApplicationID == v.Me {
					v.MyResult = &results[i]
				}
			}
		}
		if v.Report != nil {
			for _, t := range v.Report.Ties {
				if t.Holding == strconv.FormatInt(o.ID, 10) {
					hv.Ties = append(hv.Ties, t)
				}
			}
			for i := range v.Report.Holdings {
				if v.Report.Holdings[i].Holding == strconv.FormatInt(o.ID, 10) {
					hv.Report = &v.Report.Holdings[i]
				}
			}
		}
		if err := h.s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM call_entries WHERE stage_id = ? AND holding_id = ?", sid, o.ID).Scan(&hv.Entries); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		v.Holdings = append(v.Holdings, hv)
	}
	d.Title = st.Title.In(v.Lang) + " · " + c.Title.In(v.Lang)
	d.Data = v
	h.srv.Render(w, r, status, "calls_stage", d)
}

type reviewView struct {
	view
	C      *Call
	S      *Stage
	A      *Assignment
	Index  int // 1-based position of A
	Total  int
	Scored int
	PrevID int64
	NextID int64
	Fields []Field
}

// Value is the juror's stored score for criterion key, as the form shows it.
func (v reviewView) Value(key string) string {
	if v.A == nil || v.A.Scores == nil {
		return ""
	}
	if f, ok := v.A.Scores[key]; ok {
		return formatNum(f)
	}
	return ""
}

// review shows a juror one application per screen: the one asked for, else
// the first not yet scored, with the progress.
func (h *handler) review(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	want, _ := strconv.ParseInt(r.URL.Query().Get("a"), 10, 64)
	h.reviewWith(w, r, http.StatusOK, want, &web.PageData{})
}

func (h *handler) reviewWith(w http.ResponseWriter, r *http.Request, status int, want int64, d *web.PageData) {
	req, ok := h.srv.BeginGuest(w, r, "id", "stage_id")
	if !ok {
		return
	}
	id, sid := req.ID, req.PathID("stage_id")
	c, st, as, err := h.s.Assignments(r.Context(), req.User, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	v := reviewView{view: view{Lang: web.LangOf(r)}, C: c, S: st, Total: len(as)}
	pick := -1
	for i := range as {
		if as[i].Scored() {
			v.Scored++
		}
		if want != 0 && as[i].ApplicationID == want {
			pick = i
		}
	}
	if want == 0 {
		for i := range as {
			if !as[i].Scored() {
				pick = i
				break
			}
		}
	}
	if want != 0 && pick < 0 {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.not_assigned"))
		return
	}
	if pick >= 0 {
		v.A, v.Index = &as[pick], pick+1
		if pick > 0 {
			v.PrevID = as[pick-1].ApplicationID
		}
		if pick+1 < len(as) {
			v.NextID = as[pick+1].ApplicationID
		}
		for _, f := range c.Form {
			if _, ok := v.A.Answers[f.Key]; ok {
				v.Fields = append(v.Fields, f)
			}
		}
	}
	d.Title = h.srv.T(r, "calls.review.title") + " · " + c.Title.In(v.Lang)
	d.Data = v
	h.srv.Render(w, r, status, "calls_review", d)
}
