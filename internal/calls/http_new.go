package calls

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// The organizer's form for a new call. It works without JavaScript: the
// whole draft travels in the form, and the builder's buttons (add a
// question or a stage, move a question up or down, remove one) post it
// back with an "op"; the page re-renders the draft changed. Only "create"
// stores anything, through Service.Create like the API.

const (
	maxDraftQuestions = 50
	maxDraftStages    = 10
	draftTimeLayout   = "2006-01-02T15:04" // <input type="datetime-local">, in Almaty time
)

type draftQuestion struct {
	Key         string
	Label       i18n.Text
	Type        string
	Required    bool
	Identifying bool
	Options     string // one a line
}

type draftStage struct {
	Title          i18n.Text
	OpensAt        string
	ClosesAt       string
	Advance        string
	PerApplication string
	Normalization  string
	Blind          bool
	Hosts          []int64
	Criteria       string // one a line: title; weight; max
}

type draft struct {
	OrgID         int64
	Kind          string
	Title         i18n.Text
	Description   i18n.Text
	AgeMin        string
	AgeMax        string
	Regions       []string
	MembersOnly   bool
	PublishScores bool
	TeamMin       string
	TeamMax       string
	Questions     []draftQuestion
	Stages        []draftStage
}

func textOf(f url.Values, name string) i18n.Text {
	return i18n.Text{KK: f.Get(name + ".kk"), RU: f.Get(name + ".ru"), EN: f.Get(name + ".en")}
}

// parseDraft reads the draft from a posted form.
func parseDraft(f url.Values) draft {
	d := draft{Kind: f.Get("kind"), Title: textOf(f, "title"), Description: textOf(f, "description"), AgeMin: f.Get("age_min"),
		AgeMax: f.Get("age_max"), Regions: f["regions"], MembersOnly: f.Get("members_only") == "1",
		PublishScores: f.Get("publish_scores") == "1", TeamMin: f.Get("team_min"), TeamMax: f.Get("team_max")}
	d.OrgID, _ = strconv.ParseInt(f.Get("organization_id"), 10, 64)
	for i := 0; i < maxDraftQuestions; i++ {
		p := fmt.Sprintf("form.%d.", i)
		if _, ok := f[p+"type"]; !ok {
			break
		}
		d.Questions = append(d.Questions, draftQuestion{Key: strings.TrimSpace(f.Get(p + "key")), Label: textOf(f, p+"label"),
			Type: f.Get(p + "type"), Required: f.Get(p+"required") == "1", Identifying: f.Get(p+"identifying") == "1",
			Options: f.Get(p + "options")})
	}
	for i := 0; i < maxDraftStages; i++ {
		p := fmt.Sprintf("stages.%d.", i)
		if _, ok := f[p+"opens_at"]; !ok {
			break
		}
		st := draftStage{Title: textOf(f, p+"title"), OpensAt: f.Get(p + "opens_at"), ClosesAt: f.Get(p + "closes_at"),
			Advance: f.Get(p + "advance"), PerApplication: f.Get(p + "jurors_per_application"), Normalization: f.Get(p + "normalization"),
			Blind: f.Get(p+"blind") == "1", Criteria: f.Get(p + "criteria")}
		for _, h := range f[p+"hosts"] {
			if id, err := strconv.ParseInt(h, 10, 64); err == nil && id > 0 {
				st.Hosts = append(st.Hosts, id)
			}
		}
		d.Stages = append(d.Stages, st)
	}
	return d
}

// newDraft is an empty call of org: one short-text question and one stage
// open from tomorrow for two weeks.
func newDraft(org int64, now time.Time) draft {
	day := now.In(i18n.Almaty).Truncate(time.Hour).Add(24 * time.Hour)
	return draft{OrgID: org, Kind: "selection", Questions: []draftQuestion{{Type: "long_text", Required: true}},
		Stages: []draftStage{newStage(day)}}
}

func newStage(from time.Time) draftStage {
	return draftStage{OpensAt: from.Format(draftTimeLayout), ClosesAt: from.Add(14 * 24 * time.Hour).Format(draftTimeLayout),
		Advance: "10", PerApplication: "3", Normalization: "raw"}
}

// apply changes the draft by one builder button; it reports whether op
// was one.
func (d *draft) apply(op string) bool {
	name, arg, _ := strings.Cut(op, ".")
	i, err := strconv.Atoi(arg)
	idx := func(n int) bool { return err == nil && i >= 0 && i < n }
	switch name {
	case "add_question":
		if len(d.Questions) < maxDraftQuestions {
			d.Questions = append(d.Questions, draftQuestion{Type: "text"})
		}
	case "remove_question":
		if idx(len(d.Questions)) {
			d.Questions = slices.Delete(d.Questions, i, i+1)
		}
	case "up_question":
		if idx(len(d.Questions)) && i > 0 {
			d.Questions[i-1], d.Questions[i] = d.Questions[i], d.Questions[i-1]
		}
	case "down_question":
		if idx(len(d.Questions)) && i+1 < len(d.Questions) {
			d.Questions[i+1], d.Questions[i] = d.Questions[i], d.Questions[i+1]
		}
	case "add_stage":
		if len(d.Stages) < maxDraftStages {
			from := time.Now().In(i18n.Almaty).Truncate(time.Hour)
			if n := len(d.Stages); n > 0 {
				if t, err := time.ParseInLocation(draftTimeLayout, d.Stages[n-1].ClosesAt, i18n.Almaty); err == nil {
					from = t.Add(24 * time.Hour)
				}
			}
			d.Stages = append(d.Stages, newStage(from))
		}
	case "remove_stage":
		if idx(len(d.Stages)) {
			d.Stages = slices.Delete(d.Stages, i, i+1)
		}
	default:
		return false
	}
	return true
}

// input turns the draft into a call's input; what cannot be read is a
// field error named as the service names it, so the page shows every
// problem next to its field.
func (d draft) input(lang i18n.Lang) (Input, error) {
	var fs errs.Fields
	num := func(field, s string, def int) int {
		s = strings.TrimSpace(s)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fs.Add(field, "calls.error.not_a_number")
		}
		return n
	}
	in := Input{OrgID: d.OrgID, Kind: d.Kind, Title: d.Title, Description: d.Description, Regions: d.Regions, PublishScores: d.PublishScores}
	in.AgeMin = num("eligibility.age_min", d.AgeMin, 0)
	in.AgeMax = num("eligibility.age_max", d.AgeMax, 0)
	if d.MembersOnly {
		in.MemberOf = d.OrgID
	}
	if strings.TrimSpace(d.TeamMin+d.TeamMax) != "" {
		in.TeamMin = num("team.min", d.TeamMin, 1)
		if in.TeamMax = num("team.max", d.TeamMax, 0); in.TeamMax == 0 {
			in.TeamMax = -1 // a minimum without a maximum: not a team size
		}
	}
	used := map[string]bool{}
	for _, q := range d.Questions {
		used[q.Key] = true
	}
	for i, q := range d.Questions {
		f := Field{Key: q.Key, Label: q.Label, Type: q.Type, Required: q.Required, Identifying: q.Identifying}
		if f.Key == "" { // a key the organizer need not invent
			for n := i + 1; ; n++ {
				if k := fmt.Sprintf("q%d", n); !used[k] {
					f.Key, used[k] = k, true
					break
				}
			}
		}
		for _, o := range strings.Split(q.Options, "\n") {
			if o = strings.TrimSpace(o); o != "" && q.Type == "choice" {
				f.Options = append(f.Options, o)
			}
		}
		in.Form = append(in.Form, f)
	}
	for i, st := range d.Stages {
		p := fmt.Sprintf("stages.%d.", i)
		si := StageInput{Title: st.Title, Hosts: st.Hosts, Normalization: st.Normalization, Blind: st.Blind}
		var err error
		if si.OpensAt, err = time.ParseInLocation(draftTimeLayout, strings.TrimSpace(st.OpensAt), i18n.Almaty); err != nil {
			fs.Add(p+"opens_at", "calls.error.bad_time")
		}
		if si.ClosesAt, err = time.ParseInLocation(draftTimeLayout, strings.TrimSpace(st.ClosesAt), i18n.Almaty); err != nil {
			fs.Add(p+"closes_at", "calls.error.bad_time")
		}
		si.Advance = num(p+"advance", st.Advance, 0)
		si.PerApplication = num(p+"jurors_per_application", st.PerApplication, 3)
		for j, line := range strings.Split(st.Criteria, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			parts := strings.Split(line, ";")
			c := Criterion{Key: fmt.Sprintf("c%d", len(si.Criteria)+1)}
			c.Title = textIn(lang, strings.TrimSpace(parts[0]))
			ok := len(parts) == 3
			if ok {
				w, e1 := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(parts[1]), ",", "."), 64)
				m, e2 := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(parts[2]), ",", "."), 64)
				c.Weight, c.Max, ok = w, m, e1 == nil && e2 == nil && w > 0
			}
			if !ok {
				fs.Add(p+"criteria", "calls.error.criterion_line", "line", j+1)
				continue
			}
			si.Criteria = append(si.Criteria, c)
		}
		in.Stages = append(in.Stages, si)
	}
	return in, fs.Err()
}

// textIn is s as written by a reader of l (Kazakh in either script is Kazakh).
func textIn(l i18n.Lang, s string) i18n.Text {
	switch l {
	case i18n.RU:
		return i18n.Text{RU: s}
	case i18n.EN:
		return i18n.Text{EN: s}
	}
	return i18n.Text{KK: s}
}

// hostChoice is an organization a stage may be held by.
type hostChoice struct {
	ID    int64
	Name  i18n.Text
	Depth int
}

type newView struct {
	view
	D         draft
	Orgs      []hostChoice // the organizations the reader may create calls for (when none is chosen yet)
	OrgName   i18n.Text
	Hosts     []hostChoice // the organization and its subtree
	Regions   []hostChoice // regions and cities, ID unused
	RegionIDs []string
	Kinds     []string
	Types     []string
	Errors    map[string]string
}

// Err is the message for field name, or for anything under it (name.*).
func (v newView) Err(name string) string {
	if e, ok := v.Errors[name]; ok {
		return e
	}
	keys := make([]string, 0, len(v.Errors))
	for k := range v.Errors {
		if strings.HasPrefix(k, name+".") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		return v.Errors[keys[0]]
	}
	return ""
}

// Plus1 is i+1 (a question's number).
func (v newView) Plus1(i int) int { return i + 1 }

// Norms are the score normalisations a stage may use (decision 0100).
func (v newView) Norms() []string { return []string{"raw", "zscore", "rank"} }

// Has reports whether a stage is held by org.
func (v newView) Has(st draftStage, org int64) bool { return slices.Contains(st.Hosts, org) }

// HasRegion reports whether the draft's eligibility names region code.
func (v newView) HasRegion(code string) bool { return slices.Contains(v.D.Regions, code) }

// Indent is a host's name indented by its depth below the call's organization.
func (v newView) Indent(h hostChoice) string {
	return strings.Repeat("— ", h.Depth) + h.Name.In(v.Lang)
}

// CreatableOrgs returns the organizations u may create calls for: those
// where u holds a grant (their subtrees too, by the form's organization
// link), all of them for a platform administrator.
func (s *Service) CreatableOrgs(ctx context.Context, u *auth.User) ([]hostChoice, error) {
	if u == nil {
		return nil, nil
	}
	q := `SELECT DISTINCT o.id, o.name_kk, o.name_ru, o.name_en, o.path FROM role_grants g JOIN organizations o ON o.id = g.org_id
		WHERE g.user_id = ? ORDER BY o.path LIMIT 200`
	args := []any{u.ID}
	if u.IsAdmin {
		q, args = "SELECT o.id, o.name_kk, o.name_ru, o.name_en, o.path FROM organizations o ORDER BY o.path LIMIT 200", nil
	}
	return s.orgChoices(ctx, q, args...)
}

// hostChoices returns org and its subtree (three levels deep), org first.
func (s *Service) hostChoices(ctx context.Context, org int64) ([]hostChoice, error) {
	return s.orgChoices(ctx, `SELECT o.id, o.name_kk, o.name_ru, o.name_en, o.path FROM organizations o JOIN organizations t ON t.id = ?
		WHERE substr(o.path, 1, length(t.path)) = t.path AND length(o.path) - length(replace(o.path, '/', '')) <= length(t.path) - length(replace(t.path, '/', '')) + 2
		ORDER BY o.path LIMIT 300`, org)
}

func (s *Service) orgChoices(ctx context.Context, q string, args ...any) ([]hostChoice, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("calls: organizations: %w", err)
	}
	defer rows.Close()
	var out []hostChoice
	base := -1
	for rows.Next() {
		var h hostChoice
		var path string
		if err := rows.Scan(&h.ID, &h.Name.KK, &h.Name.RU, &h.Name.EN, &path); err != nil {
			return nil, err
		}
		depth := strings.Count(path, "/")
		if base < 0 {
			base = depth
		}
		h.Depth = max(depth-base, 0)
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s *Service) regionChoices(ctx context.Context) ([]hostChoice, []string, error) {
	rows, err := s.DB.Query(ctx, "SELECT code, name_kk, name_ru, name_en FROM regions WHERE kind IN ('region', 'city') ORDER BY sort, code")
	if err != nil {
		return nil, nil, fmt.Errorf("calls: regions: %w", err)
	}
	defer rows.Close()
	var out []hostChoice
	var codes []string
	for rows.Next() {
		var h hostChoice
		var code string
		if err := rows.Scan(&code, &h.Name.KK, &h.Name.RU, &h.Name.EN); err != nil {
			return nil, nil, err
		}
		out, codes = append(out, h), append(codes, code)
	}
	return out, codes, rows.Err()
}

// newCall shows the form: for ?organization_id=N, or a choice of the
// organizations the reader runs.
func (h *handler) newCall(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	org, _ := strconv.ParseInt(r.URL.Query().Get("organization_id"), 10, 64)
	if org > 0 {
		if err := h.s.Auth.Require(r.Context(), req.User, org, auth.Moderator); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	h.renderNew(w, r, http.StatusOK, req.User, newDraft(org, h.s.DB.Now()), nil)
}

// postNew runs a builder button, or creates the call.
func (h *handler) postNew(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	ctx := audit.WithIP(r.Context(), h.srv.ClientIP(r))
	d := parseDraft(r.PostForm)
	if d.OrgID <= 0 {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.unknown_org"))
		return
	}
	// The builder is the organizers' too: no one else learns what it shows.
	if err := h.s.Auth.Require(ctx, req.User, d.OrgID, auth.Moderator); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if op := r.PostForm.Get("op"); op != "create" && d.apply(op) {
		h.renderNew(w, r, http.StatusOK, req.User, d, nil)
		return
	}
	in, err := d.input(web.LangOf(r))
	if err == nil {
		var c *Call
		if c, err = h.s.Create(ctx, req.User, in); err == nil {
			h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d", c.ID), "calls.flash.created")
			return
		}
	}
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderNew(w, r, http.StatusUnprocessableEntity, req.User, d, fe)
}

func (h *handler) renderNew(w http.ResponseWriter, r *http.Request, status int, u *auth.User, d draft, fe map[string]string) {
	ctx := r.Context()
	v := newView{view: view{Lang: web.LangOf(r)}, D: d, Kinds: Kinds, Types: FieldTypes, Errors: fe}
	var err error
	if d.OrgID == 0 {
		if v.Orgs, err = h.s.CreatableOrgs(ctx, u); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	} else {
		if v.Hosts, err = h.s.hostChoices(ctx, d.OrgID); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		if len(v.Hosts) == 0 {
			h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.unknown_org"))
			return
		}
		v.OrgName = v.Hosts[0].Name
		if v.Regions, v.RegionIDs, err = h.s.regionChoices(ctx); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	h.srv.Render(w, r, status, "calls_new", &web.PageData{Title: h.srv.T(r, "calls.new.title"), Errors: fe, Data: v})
}

// orgPart is the organization page's link to a new call, for those who may
// create one there (moderators and administrators).
func (h *handler) orgPart(r *http.Request, org int64) (template.HTML, error) {
	u := web.UserOf(r)
	if u == nil {
		return "", nil
	}
	// Only a link is shown (the form checks again): the role as this node
	// found it at most a moment ago, as the organization's page does.
	role, err := h.s.Auth.ViewRole(r.Context(), u, org)
	if err != nil || role < auth.Moderator {
		return "", err
	}
	prefix := "/" + string(web.LangOf(r))
	return template.HTML(fmt.Sprintf(`<section id="org-calls"><h2>%s</h2><p><a href="%s/calls/new?organization_id=%d" id="new-call">%s</a></p></section>`,
		template.HTMLEscapeString(h.srv.T(r, "calls.title")), prefix, org, template.HTMLEscapeString(h.srv.T(r, "calls.new.link")))), nil
}
