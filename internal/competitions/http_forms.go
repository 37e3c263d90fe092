package competitions

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

// formData is what the create form shows besides the fields; org is the
// organization picker (web.Pick).
func formData(org *web.Pick) map[string]any {
	return map[string]any{"Formats": Formats, "Points": Points, "Org": org}
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	f := url.Values{"org_id": {r.URL.Query().Get("org")}, "format": {"round_robin"}, "points": {"football"}}
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "competitions_new", &web.PageData{Title: h.srv.T(r, "competitions.new"), Form: f, Data: formData(pk)})
}

// parseDisciplines reads the form's disciplines, one a line: "key: title".
func parseDisciplines(s string, fs *errs.Fields) []Discipline {
	var out []Discipline
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, title, ok := strings.Cut(line, ":")
		if !ok {
			fs.Add("disciplines", "competitions.error.discipline_line")
			return nil
		}
		out = append(out, Discipline{Key: strings.TrimSpace(key), Title: i18n.Text{KK: strings.TrimSpace(title)}})
	}
	return out
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	// The organization is named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	if pk.ID == 0 {
		fs.Add("org_id", pk.Err)
	}
	in := NewCompetition{OrgID: web.FormInt(f.Get("org_id")), Format: f.Get("format"), Points: f.Get("points"),
		Title: i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")}}
	in.Disciplines = parseDisciplines(f.Get("disciplines"), &fs)
	var id int64
	if len(fs) == 0 {
		id, err = h.svc.Create(withIP(h, r), req.User, in)
	} else {
		// Every field's error at once: the rest of the form is checked too.
		if e, ok := in.validate().(*errs.Error); ok {
			fs = append(fs, e.Fields...)
		}
		err = fs.Err()
	}
	if err != nil {
		h.srv.FormError(w, r, "competitions_new", formErrors(err), &web.PageData{Title: h.srv.T(r, "competitions.new"), Data: formData(pk)})
		return
	}
	h.srv.Redirect(w, r, pagePath(id), "competitions.flash.created")
}

// formErrors maps the service's field names to the form's.
func formErrors(err error) error {
	e, ok := err.(*errs.Error)
	if !ok || e.Code != errs.Invalid {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		switch {
		case f.Name == "organization_id":
			f.Name = "org_id"
		case f.Name == "title":
			f.Name = "title_kk"
		case strings.HasPrefix(f.Name, "title."):
			f.Name = "title_" + strings.TrimPrefix(f.Name, "title.")
		case strings.HasPrefix(f.Name, "disciplines"):
			f.Name = "disciplines"
		case strings.HasPrefix(f.Name, "members"):
			f.Name = "members"
		case f.Name == "person_id": // the judge, typed by name on the page
			f.Name = "judge_q"
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// formFail re-renders the competition page with field errors (422), or
// fails.
func (h *Handler) formFail(w http.ResponseWriter, r *http.Request, id, pairing int64, err error) {
	h.formFailWith(w, r, id, pairing, err, nil)
}

// formFailWith is formFail showing the people a typed judge's name matched.
func (h *Handler) formFailWith(w http.ResponseWriter, r *http.Request, id, pairing int64, err error, judgeMatches []Person) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), formErrors(err))
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	d, lerr := h.load(r.Context(), r, id, r.PostForm.Get("discipline"))
	if lerr != nil {
		h.srv.Fail(w, r, lerr)
		return
	}
	d.ErrPairing, d.JudgeMatches = pairing, judgeMatches
	h.srv.Render(w, r, http.StatusUnprocessableEntity, "competitions_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: r.PostForm})
}

// back returns to the competition page, at the discipline the form was for.
func (h *Handler) back(w http.ResponseWriter, r *http.Request, id int64, flash, anchor string) {
	p := pagePath(id)
	if d := r.PostForm.Get("discipline"); d != "" && keyRe.MatchString(d) {
		p += "?d=" + url.QueryEscape(d)
	}
	if anchor != "" {
		p += "#" + anchor
	}
	h.srv.Redirect(w, r, p, flash)
}

// members reads a team's members as typed on the page: names separated
// by commas (or lines), each meaning one of the people AddTeam takes for
// a team of organization teamOrg (FindTeamMembers, kazakh.OnlyMatch), or
// a person's number ("#12" or "12") where namesakes leave no other way.
// A name that means nobody, or leaves a choice, is refused with the
// matches' names, and nothing is stored.
func (h *Handler) members(r *http.Request, u *auth.User, compID, teamOrg int64, typed string) ([]int64, error) {
	var out []int64
	for _, part := range strings.FieldsFunc(typed, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimPrefix(part, "#"), 10, 64); err == nil {
			if n <= 0 {
				return nil, errs.Fields{{Name: "members", Key: "competitions.error.person_ids"}}.Err()
			}
			out = append(out, n)
			continue
		}
		ms, more, err := h.svc.FindTeamMembers(r.Context(), u, compID, teamOrg, part)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(ms))
		for i, m := range ms {
			names[i] = m.Name
		}
		if i, ok := kazakh.OnlyMatch(names, more, part); ok {
			out = append(out, ms[i].ID)
			continue
		}
		if len(ms) == 0 {
			return nil, errs.Fields{{Name: "members", Key: "competitions.error.member_none", Args: []any{"name", part}}}.Err()
		}
		list := make([]string, len(ms))
		for i, m := range ms {
			list[i] = m.Name + " (#" + strconv.FormatInt(m.ID, 10) + ")"
		}
		return nil, errs.Fields{{Name: "members", Key: "competitions.error.member_several",
			Args: []any{"name", part, "names", strings.Join(list, ", ")}}}.Err()
	}
	return out, nil
}

func (h *Handler) addTeam(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	var fs errs.Fields
	in := NewTeam{Name: f.Get("name")}
	// The team's organization, if any, named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org-any", web.PickFields(f, "team_org_id"), "team_org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if pk.ID != 0 {
		in.OrgID = pk.ID
	} else if pk.Text != "" {
		fs.Add("team_org_id", pk.Err)
	}
	if fs.Err() == nil {
		var err error
		if in.Members, err = h.members(r, req.User, req.ID, in.OrgID, f.Get("members")); err != nil {
			h.formFail(w, r, req.ID, 0, err)
			return
		}
	}
	err = fs.Err()
	if err == nil {
		_, err = h.svc.AddTeam(withIP(h, r), req.User, req.ID, in)
	}
	if err != nil {
		if e, ok := err.(*errs.Error); ok && e.Code == errs.Invalid {
			for i := range e.Fields {
				if e.Fields[i].Name == "organization_id" {
					e.Fields[i].Name = "team_org_id"
				}
			}
		}
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.team_added", "teams")
}

func (h *Handler) addJudge(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	// A judge is named by typing their name (the people AddJudge takes);
	// when it leaves a choice the page comes back with a button per
	// match, each sending the person's id.
	var fs errs.Fields
	p := web.FormInt(r.PostForm.Get("person_id"))
	q := strings.TrimSpace(r.PostForm.Get("judge_q"))
	var matches []Person
	switch {
	case r.PostForm.Get("person_id") != "" && p <= 0:
		fs.Add("judge_q", "validation.invalid_value")
	case p <= 0 && q == "":
		fs.Add("judge_q", "validation.required")
	case p <= 0:
		ms, more, err := h.svc.FindJudges(r.Context(), req.User, req.ID, q)
		if err != nil {
			h.formFail(w, r, req.ID, 0, err)
			return
		}
		names := make([]string, len(ms))
		for i, m := range ms {
			names[i] = m.Name
		}
		if i, ok := kazakh.OnlyMatch(names, more, q); ok {
			p = ms[i].ID
		} else if len(ms) == 0 {
			fs.Add("judge_q", "competitions.error.judge_none")
		} else {
			matches = ms
			fs.Add("judge_q", "competitions.error.judge_choose")
		}
	}
	err := fs.Err()
	if err == nil {
		err = h.svc.AddJudge(withIP(h, r), req.User, req.ID, p)
	}
	if err != nil {
		h.formFailWith(w, r, req.ID, 0, err, matches)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.judge_added", "judges")
}

func (h *Handler) drawRound(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	in := DrawIn{Discipline: r.PostForm.Get("discipline")}
	if s := strings.TrimSpace(r.PostForm.Get("qualifiers")); s != "" {
		if in.Qualifiers = atoi(s); in.Qualifiers <= 0 {
			in.Qualifiers = -1
		}
	}
	if _, err := h.svc.DrawRound(withIP(h, r), req.User, req.ID, in); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.round_drawn", "rounds")
}

func (h *Handler) swap(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "round")
	if !ok {
		return
	}
	round := req.PathID("round")
	var compID int64
	if err := h.svc.db.QueryRow(r.Context(), `SELECT competition_id FROM competition_rounds WHERE id = ?`, round).Scan(&compID); err != nil || compID != req.ID {
		h.srv.Fail(w, r, notFound())
		return
	}
	if err := h.svc.Swap(withIP(h, r), req.User, round, web.FormInt(r.PostForm.Get("team_a")), web.FormInt(r.PostForm.Get("team_b"))); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.swapped", fmt.Sprintf("round-%d", round))
}

// resultForm reads a result form: two scores (or none) and a winner.
func resultForm(f url.Values) (ResultIn, error) {
	var in ResultIn
	var fs errs.Fields
	for _, x := range []struct {
		field string
		dst   **float64
	}{{"home_score", &in.HomeScore}, {"away_score", &in.AwayScore}} {
		s := strings.TrimSpace(strings.ReplaceAll(f.Get(x.field), ",", "."))
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fs.Add(x.field, "competitions.error.score_number")
			continue
		}
		*x.dst = &v
	}
	in.Winner = f.Get("winner")
	return in, fs.Err()
}

func (h *Handler) result(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "pairing")
	if !ok {
		return
	}
	pid := req.PathID("pairing")
	p, err := h.svc.GetPairing(r.Context(), pid)
	if err != nil || p.CompetitionID != req.ID {
		h.srv.Fail(w, r, h.notFoundPairing(err))
		return
	}
	in, err := resultForm(r.PostForm)
	if err == nil {
		_, err = h.svc.EnterResult(withIP(h, r), req.User, pid, in)
	}
	if err != nil {
		h.formFail(w, r, req.ID, pid, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.result", "standings")
}

func (h *Handler) notFoundPairing(err error) error {
	if err != nil {
		return err
	}
	return errs.New(errs.NotFound, "competitions.error.no_pairing")
}

func (h *Handler) issueAwards(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	in := AwardIn{To: f.Get("to"), Kind: certificate.Kind(f.Get("kind")), Title: i18n.Text{KK: f.Get("award_title")}}
	if _, err := h.svc.IssueAwards(withIP(h, r), req.User, req.ID, in); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.awarded", "awards")
}

func (h *Handler) clearResult(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "pairing")
	if !ok {
		return
	}
	pid := req.PathID("pairing")
	p, err := h.svc.GetPairing(r.Context(), pid)
	if err != nil || p.CompetitionID != req.ID {
		h.srv.Fail(w, r, h.notFoundPairing(err))
		return
	}
	if err := h.svc.ClearResult(withIP(h, r), req.User, pid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.cleared", fmt.Sprintf("game-%d", pid))
}
