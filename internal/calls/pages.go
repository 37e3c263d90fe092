package calls

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

type handler struct {
	s   *Service
	srv *web.Server
}

// Register adds the calls pages, API and templates to srv.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	h := &handler{s: s, srv: srv}
	srv.Page("GET /calls", h.list)
	srv.Page("GET /calls/{id}", h.show)
	srv.Page("POST /calls/{id}/apply", h.apply)
	srv.Page("GET /calls/{id}/stages/{stage_id}", h.stage)
	srv.Page("POST /calls/{id}/stages/{stage_id}/jurors", h.addJuror)
	srv.Page("POST /calls/{id}/stages/{stage_id}/assign", h.assign)
	srv.Page("POST /calls/{id}/stages/{stage_id}/close", h.close)
	srv.Page("POST /calls/{id}/stages/{stage_id}/decline", h.decline)
	srv.Page("GET /calls/{id}/stages/{stage_id}/review", h.review)
	srv.Page("POST /calls/{id}/stages/{stage_id}/review/{app}", h.score)
	srv.Page("GET /calls/{id}/stages/{stage_id}/results.xlsx", h.exportXLSX)
	srv.Page("GET /calls/{id}/stages/{stage_id}/protocol.pdf", h.exportPDF)
	h.registerAPI()
	return nil
}

// view is what every calls page has.
type view struct {
	Lang i18n.Lang
}

func (v view) T(t i18n.Text) string { return t.In(v.Lang) }

// Num prints a score with one decimal.
func (v view) Num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

type listView struct {
	view
	Calls []*Call
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	cs, err := h.s.List(r.Context(), 0, 100, 0)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "calls_list", &web.PageData{Title: h.srv.T(r, "calls.title"),
		Data: listView{view: view{Lang: web.LangOf(r)}, Calls: cs}})
}

type showView struct {
	view
	C         *Call
	Open      bool
	App       *Application
	Standing  []Progress
	Organizer bool
	Juror     map[int64]bool // stage → u is a juror there
	Ineligible string
	Hosts     []Org // the first stage's holdings, to choose from
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	h.showWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *handler) showWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	c, err := h.s.Get(ctx, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	now := h.s.DB.Now()
	v := showView{view: view{Lang: web.LangOf(r)}, C: c, Open: c.Open(now), Organizer: h.s.Organizer(ctx, u, c), Juror: map[int64]bool{}}
	if len(c.Stages[0].Hosts) > 1 {
		v.Hosts = c.Stages[0].Hosts
	}
	if v.App, err = h.s.ApplicationOf(ctx, u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if v.App != nil {
		if v.Standing, err = h.s.Standing(ctx, c, v.App); err != nil {
			h.srv.Fail(w, r, err)
			return
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
	d.Title = c.Title.In(v.Lang)
	d.Data = v
	h.srv.Render(w, r, status, "calls_show", d)
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	answers := map[string]string{}
	for k, vs := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "answers."); ok && len(vs) > 0 {
			answers[key] = vs[0]
		}
	}
	host, _ := strconv.ParseInt(r.PostForm.Get("host_id"), 10, 64)
	if _, err := h.s.Apply(r.Context(), u, id, answers, host); err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		h.showWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d#my-application", id), "calls.flash.applied")
}

type holdingView struct {
	Org       Org
	Jurors    []Juror
	Results   []Result
	Report    *HoldingReport
	Entries   int
}

type stageView struct {
	view
	C          *Call
	S          *Stage
	Next       *Stage
	Organizer  bool
	Juror      bool
	Names      bool
	Hidden     bool
	Me         int64 // the reader's application id
	MyResult   *Result
	Holdings   []holdingView
	Report     *Report
	ChairName  string
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

// Backfilled returns whom application a replaced in holding h's report.
func (v stageView) TieRule(rule string) string { return "calls.tie." + rule }

func (h *handler) stage(w http.ResponseWriter, r *http.Request) {
	h.stageWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *handler) stageWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	id, sid, err := stagePath(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	c, st, err := h.s.stageOf(ctx, id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
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
		_, _, results, v.Report, err = h.s.Results(ctx, id, sid)
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
	}
	for _, o := range st.Hosts {
		hv := holdingView{Org: o}
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

// stageAction runs an organizer's POST and returns to the stage page.
func (h *handler) stageAction(w http.ResponseWriter, r *http.Request, flash string, do func(u *auth.User, id, sid int64) error) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	id, sid, err := stagePath(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if err := do(u, id, sid); err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			if ce, isCoded := errs.As(err); isCoded && ce.Code == errs.Conflict {
				// Shown on the page it came from, as the form's error.
				h.stageWith(w, r, http.StatusConflict, &web.PageData{Errors: map[string]string{"stage": h.srv.Printer(r).T(ce.Key, ce.Args...)}, Form: r.PostForm})
				return
			}
			h.srv.Fail(w, r, err)
			return
		}
		h.stageWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d/stages/%d", id, sid), flash)
}

func (h *handler) addJuror(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.juror_added", func(u *auth.User, id, sid int64) error {
		ctx := audit.WithIP(r.Context(), h.srv.ClientIP(r))
		host, _ := strconv.ParseInt(r.PostForm.Get("host_id"), 10, 64)
		c, _, err := h.s.stageOf(ctx, id, sid)
		if err != nil {
			return err
		}
		// Only organizers learn whether an address has an account.
		if err := h.s.requireHolding(ctx, u, c, host); err != nil {
			return err
		}
		email := strings.TrimSpace(r.PostForm.Get("email"))
		p, err := h.s.Auth.UserByEmail(ctx, email)
		if err != nil || p == nil {
			var fs errs.Fields
			fs.Add("email", "calls.error.no_person")
			return fs.Err()
		}
		return h.s.AddJuror(ctx, u, id, sid, p.ID, host, r.PostForm.Get("chair") == "1")
	})
}

func (h *handler) assign(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.assigned", func(u *auth.User, id, sid int64) error {
		_, err := h.s.Assign(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
		return err
	})
}

func (h *handler) close(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.closed", func(u *auth.User, id, sid int64) error {
		_, err := h.s.Close(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
		return err
	})
}

func (h *handler) decline(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.declined", func(u *auth.User, id, sid int64) error {
		a, err := h.s.ApplicationOf(r.Context(), u, id)
		if err != nil {
			return err
		}
		if a == nil {
			return errs.New(errs.NotFound, "calls.error.no_application")
		}
		return h.s.Decline(r.Context(), u, a.ID, sid)
	})
}

type reviewView struct {
	view
	C       *Call
	S       *Stage
	A       *Assignment
	Index   int // 1-based position of A
	Total   int
	Scored  int
	PrevID  int64
	NextID  int64
	Fields  []Field
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
	if h.srv.SignedIn(w, r) == nil {
		return
	}
	want, _ := strconv.ParseInt(r.URL.Query().Get("a"), 10, 64)
	h.reviewWith(w, r, http.StatusOK, want, &web.PageData{})
}

func (h *handler) reviewWith(w http.ResponseWriter, r *http.Request, status int, want int64, d *web.PageData) {
	id, sid, err := stagePath(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c, st, as, err := h.s.Assignments(r.Context(), web.UserOf(r), id, sid)
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

func (h *handler) score(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	id, sid, err := stagePath(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	app, err := web.PathID(r, "app")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c, st, err := h.s.stageOf(r.Context(), id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	a, err := h.s.Application(r.Context(), app)
	if err != nil || a.CallID != c.ID {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.no_application"))
		return
	}
	scores := map[string]float64{}
	var fs errs.Fields
	for _, cr := range st.Criteria {
		s := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("scores."+cr.Key), ",", "."))
		if s == "" {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fs.Add("scores."+cr.Key, "calls.error.not_a_number")
			continue
		}
		scores[cr.Key] = f
	}
	err = fs.Err()
	if err == nil {
		_, err = h.s.Score(r.Context(), u, app, sid, scores, r.PostForm.Get("comment"))
	}
	if err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		h.reviewWith(w, r, http.StatusUnprocessableEntity, app, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	next := fmt.Sprintf("/calls/%d/stages/%d/review", id, sid)
	if n := r.PostForm.Get("next"); n != "" {
		if nid, err := strconv.ParseInt(n, 10, 64); err == nil && nid > 0 {
			next += "?a=" + url.QueryEscape(strconv.FormatInt(nid, 10))
		}
	}
	h.srv.Redirect(w, r, next, "calls.flash.scored")
}
