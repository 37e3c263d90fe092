package mentorship

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// cardView is a mentor's public card.
type cardView struct {
	ID        int64
	Name      string
	Spheres   string
	Languages string
	Where     string
	Bio       string
	Free      int
	Capacity  int
	Status    string
}

func (h *handler) cardOf(p *Pool, m *Mentor, pr *i18n.Printer, l i18n.Lang) cardView {
	var sp, ls []string
	for _, k := range m.Spheres {
		sp = append(sp, p.SphereTitle(k, l))
	}
	for _, k := range m.Languages {
		ls = append(ls, pr.T("mentorship.lang."+k))
	}
	where := pr.T("mentorship.mode." + m.Mode)
	if m.Region != "" {
		where += " · " + h.svc.RegionName(m.Region, l)
	}
	return cardView{ID: m.ID, Name: m.Name, Spheres: strings.Join(sp, ", "), Languages: strings.Join(ls, ", "), Where: where,
		Bio: m.Bio, Free: m.Free(), Capacity: m.Capacity, Status: m.Status}
}

// msView is a mentorship as a list shows it.
type msView struct {
	ID       int64
	Mentor   string
	Mentee   string
	Role     string
	Status   string
	Why      []string
	Reason   string
	Group    string
	Activity string
}

func (h *handler) msView(r *http.Request, p *Pool, m *Mentorship, u *auth.User) msView {
	pr, l := h.srv.Printer(r), web.LangOf(r)
	return msView{ID: m.ID, Mentor: m.MentorName, Mentee: m.MenteeName, Role: m.Role(u), Status: m.Status,
		Why: h.svc.Why(pr, l, p, m.Reasons), Reason: m.Reason, Group: m.GroupTitle, Activity: pr.Date(m.LastActivityAt)}
}

// poolView is the pool page.
type poolView struct {
	ID          int64
	Title       string
	Org         string
	OrgID       int64
	SphereNames []option
	Sphere      string
	Cards       []cardView
	Next        int64
	Organizer   bool
	Signed      bool
	Request     *Request
	RequestWhy  []string
	Mine        []msView
	Mentor      *cardView
	MentorID    int64
	Groups      []Group
	Ineligible  string
	CanAsk      bool
	Region      string
	Spheres     []option // the request and application forms
	Langs       []option
	Modes       []option
	Regions     []option
	Ages        string
	Card        *cardView // the page of one mentor's card
}

func (h *handler) poolView(ctx context.Context, r *http.Request, u *auth.User, p *Pool, form url.Values) (*poolView, error) {
	pr, l := h.srv.Printer(r), web.LangOf(r)
	q := r.URL.Query()
	v := &poolView{ID: p.ID, Title: p.Title.In(l), Org: p.OrgName.In(l), OrgID: p.OrgID, Sphere: q.Get("sphere"), Signed: u != nil,
		Organizer: h.svc.IsOrganizer(ctx, u, p)}
	if p.AgeMin > 0 || p.AgeMax > 0 {
		v.Ages = pr.T("mentorship.ages", "min", p.AgeMin, "max", p.AgeMax)
	}
	v.SphereNames = sphereOptions(p, l, []string{v.Sphere})
	mentors, err := h.svc.Mentors(ctx, p.ID, MentorFilter{Sphere: v.Sphere, After: web.FormInt(q.Get("after")), Limit: 30})
	if err != nil {
		return nil, err
	}
	for _, m := range mentors {
		v.Cards = append(v.Cards, h.cardOf(p, m, pr, l))
	}
	if len(mentors) == 30 {
		v.Next = mentors[len(mentors)-1].ID
	}
	v.Spheres = sphereOptions(p, l, form["spheres"])
	v.Langs = langOptions(pr, form["languages"])
	mode := form.Get("mode")
	if mode == "" {
		mode = "either"
	}
	for _, m := range Modes {
		v.Modes = append(v.Modes, option{Value: m, Label: pr.T("mentorship.mode." + m), Checked: m == mode})
	}
	if h.svc.regions != nil {
		for _, o := range h.svc.regions.Options(l) {
			v.Regions = append(v.Regions, option{Value: o.Code, Label: o.Name, Checked: form.Get("region") == o.Code})
		}
	}
	if u == nil {
		return v, nil
	}
	v.Region = h.svc.RegionName(u.Region, l)
	if v.Request, err = h.svc.RequestOf(ctx, u, p.ID); err != nil {
		return nil, err
	}
	if v.Request != nil {
		v.RequestWhy = h.svc.Why(pr, l, p, v.Request.Why)
	}
	mine, err := h.svc.MentorshipsOf(ctx, u, p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range mine {
		v.Mine = append(v.Mine, h.msView(r, p, m, u))
	}
	me, err := h.svc.MentorOf(ctx, u, p.ID)
	if err != nil {
		return nil, err
	}
	if me != nil {
		c := h.cardOf(p, me, pr, l)
		v.Mentor, v.MentorID = &c, me.ID
		if v.Groups, err = h.svc.Groups(ctx, me.ID); err != nil {
			return nil, err
		}
	}
	if err := h.svc.Eligible(u, p, h.svc.db.Now()); err != nil {
		v.Ineligible = message(pr, err)
	} else {
		v.CanAsk = v.Request == nil
	}
	return v, nil
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	h.renderPool(w, r, req.User, req.ID, http.StatusOK, nil, nil)
}

func (h *handler) renderPool(w http.ResponseWriter, r *http.Request, u *auth.User, id int64, status int, form url.Values, fe map[string]string) {
	p, err := h.svc.Pool(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	v, err := h.poolView(r.Context(), r, u, p, form)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, status, "mentorship_pool", &web.PageData{Title: v.Title, Data: v, Form: form, Errors: fe})
}

// cardPage is one mentor's card with the form to ask them directly.
func (h *handler) card(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id", "mentor")
	if !ok {
		return
	}
	h.renderCard(w, r, req.User, req.ID, req.PathID("mentor"), http.StatusOK, nil, nil)
}

func message(pr *i18n.Printer, err error) string {
	if e, ok := errs.As(err); ok {
		return pr.T(e.Key, e.Args...)
	}
	return pr.T("error.500.text")
}

func (h *handler) renderCard(w http.ResponseWriter, r *http.Request, u *auth.User, poolID, mentorID int64, status int, form url.Values, fe map[string]string) {
	ctx := r.Context()
	p, err := h.svc.Pool(ctx, poolID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	m, err := h.svc.Mentor(ctx, mentorID)
	if err != nil || m.PoolID != p.ID || (m.Status != "approved" && m.Status != "paused") {
		h.srv.Fail(w, r, notFound())
		return
	}
	v, err := h.poolView(ctx, r, u, p, form)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c := h.cardOf(p, m, h.srv.Printer(r), web.LangOf(r))
	v.Card = &c
	h.srv.Render(w, r, status, "mentorship_pool", &web.PageData{Title: m.Name, Data: v, Form: form, Errors: fe})
}

// msPage is a mentorship's page.
type msPage struct {
	msView
	PoolID    int64
	PoolTitle string
	Goal      string
	Sessions  []Session
	Goals     []Goal
	Actions   []string // statuses the reader may move it to
	Groups    []Group
	GroupID   int64
	Feedback  string // the reader's own feedback
	Other     string // the other side's feedback
	Organizer bool
	Today     string
}

func (h *handler) mentorshipPage(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	h.renderMS(w, r, req.User, req.ID, http.StatusOK, nil, nil)
}

func (h *handler) renderMS(w http.ResponseWriter, r *http.Request, u *auth.User, id int64, status int, form url.Values, fe map[string]string) {
	ctx := r.Context()
	m, err := h.svc.Mentorship(ctx, u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p, err := h.svc.Pool(ctx, m.PoolID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	v := &msPage{msView: h.msView(r, p, m, u), PoolID: p.ID, PoolTitle: p.Title.In(web.LangOf(r)), Goal: m.Goal, GroupID: m.GroupID,
		Organizer: h.svc.IsOrganizer(ctx, u, p), Today: h.svc.db.Now().In(i18n.Almaty).Format("2006-01-02")}
	if v.Sessions, err = h.svc.Sessions(ctx, m); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if v.Goals, err = h.svc.Goals(ctx, m); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	role := m.Role(u)
	for _, to := range States {
		who := transitions[m.Status][to]
		if contains(who, role) || (v.Organizer && contains(who, "organizer")) {
			v.Actions = append(v.Actions, to)
		}
	}
	switch role {
	case "mentor":
		v.Feedback, v.Other = m.MentorFeedback, m.MenteeFeedback
		if v.Groups, err = h.svc.Groups(ctx, m.MentorID); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	case "mentee":
		v.Feedback, v.Other = m.MenteeFeedback, m.MentorFeedback
	}
	if form == nil {
		form = url.Values{"date": {v.Today}, "minutes": {"60"}}
	}
	h.srv.Render(w, r, status, "mentorship_show", &web.PageData{Title: h.srv.T(r, "mentorship.mentorship"), Data: v, Form: form, Errors: fe})
}
