package programmes

import (
	"embed"
	"html/template"
	"io"
	"net/http"
	"net/url"
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
var templates embed.FS

// Handler serves programme and indicator pages and API.
type Handler struct {
	S   *Service
	Srv *web.Server
}

// Extra is what other components add to the programme page.
type Extra struct {
	Proposals int // how many proposals the programme has
}

// Register adds the routes and templates to the server.
func (svc *Service) Register(srv *web.Server) error {
	h := &Handler{S: svc, Srv: srv}
	if err := h.Srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	s := h.Srv
	s.PageCached("GET /programmes", h.list)
	s.Page("GET /programmes/new", h.newForm)
	s.AddNewLink(web.NewLink{Path: "/programmes/new", Title: "programmes.new", Order: 30})
	s.AddPart("orgs_show", h.orgSection)
	s.AddPicker("programme", programmePicker{svc})
	s.Page("POST /programmes", h.create)
	s.PageCached("GET /programmes/{id}", h.show)
	s.Page("GET /programmes/{id}/edit", h.editForm)
	s.Page("POST /programmes/{id}/edit", h.update)
	s.PageCached("GET /programmes/{id}/indicators", h.dashboard)
	s.Page("POST /programmes/{id}/indicators", h.createIndicator)
	s.Page("POST /programmes/{id}/indicators/import", h.importValues)
	s.Page("POST /indicators/{id}/values", h.addValue)
	s.Page("POST /indicators/{id}/edit", h.editIndicator)

	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes", ID: "listProgrammes", Summary: "Every programme and sub-project (with its parent_id), newest first",
		Tags: []string{"programmes"}, Response: api.Page[ProgrammeOut]{}, Query: listQuery(), Errors: []int{422}}, h.apiList)
	s.APIOperation(api.Operation{Method: "POST", Path: "/programmes", ID: "createProgramme", Summary: "Create a programme (administrators of the organization)",
		Tags: []string{"programmes"}, Auth: true, Request: ProgrammeIn{}, Response: ProgrammeOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes/{id}", ID: "getProgramme", Summary: "A programme with its directions and phases",
		Tags: []string{"programmes"}, Response: ProgrammeOut{}, Errors: []int{404}}, h.apiGet)
	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes/{id}/indicators", ID: "listIndicators", Summary: "A programme's indicators with their values",
		Tags: []string{"indicators"}, Response: api.Page[IndicatorOut]{}, Errors: []int{404}}, h.apiIndicators)
	s.APIOperation(api.Operation{Method: "POST", Path: "/programmes/{id}/indicators", ID: "createIndicator", Summary: "Add an indicator (administrators)",
		Tags: []string{"indicators"}, Auth: true, Request: IndicatorIn{}, Response: IndicatorOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiCreateIndicator())
	s.APIOperation(api.Operation{Method: "GET", Path: "/indicators/{id}", ID: "getIndicator", Summary: "One indicator with its values",
		Tags: []string{"indicators"}, Response: IndicatorOut{}, Errors: []int{404}}, h.apiIndicator)
	s.APIOperation(api.Operation{Method: "PUT", Path: "/indicators/{id}", ID: "putIndicator", Summary: "Change an indicator's name, unit, baseline, target (administrators)",
		Tags: []string{"indicators"}, Auth: true, Request: IndicatorIn{}, Response: IndicatorOut{}, Errors: []int{401, 403, 404, 422}}, h.apiUpdateIndicator())
	s.APIOperation(api.Operation{Method: "PUT", Path: "/indicators/{id}/values", ID: "putIndicatorValues", Summary: "Set values by region and period (all or none)",
		Tags: []string{"indicators"}, Auth: true, Request: ValuesIn{}, Response: ImportResult{}, Errors: []int{401, 403, 404, 422}}, h.apiValues())
	return nil
}

// ---- pages ----

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.S.List(r.Context())
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	orgs, err := h.S.AdminOrgs(r.Context(), web.UserOf(r))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Render(w, r, http.StatusOK, "programmes_list", &web.PageData{Title: h.Srv.T(r, "programmes.title"),
		Data: map[string]any{"Items": list, "CanCreate": len(orgs) > 0}})
}

// orgProgrammes is what an organization's page lists of its programmes.
type orgProgrammes struct {
	Items []Summary
}

// orgSection lists an organization's programmes on its page (web.Parts):
// the same for every reader, rendered once a moment.
func (h *Handler) orgSection(r *http.Request, orgID int64) (template.HTML, error) {
	html, v, err := h.Srv.Fragment(r, "programmes_list", "programmes_org_section", orgID, func() (any, error) {
		list, err := h.S.OfOrg(r.Context(), orgID)
		return &orgProgrammes{Items: list}, err
	})
	if err != nil || len(v.(*orgProgrammes).Items) == 0 {
		return "", err
	}
	return html, nil
}

type view struct {
	*Programme
	Lang     i18n.Lang
	Phase    string
	CanAdmin bool
	Extra    *Extra
}

func (v view) T(t i18n.Text) string { return t.In(v.Lang) }

// RegionName names a region in the page's language.
func (h *Handler) RegionName(l i18n.Lang, code string) string {
	if code == Country {
		return h.Srv.Catalog().Printer(l).T("indicators.country")
	}
	if r, ok := h.S.Regions.Get(code); ok {
		return r.NameIn(l)
	}
	return code
}

func (h *Handler) load(w http.ResponseWriter, r *http.Request) (*view, bool) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return nil, false
	}
	id := req.ID
	p, err := h.S.Cached(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return nil, false
	}
	role, err := h.S.Role(r.Context(), web.UserOf(r), p)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return nil, false
	}
	return &view{Programme: p, Lang: web.LangOf(r), Phase: p.PhaseAt(h.S.DB.Now()), CanAdmin: role >= auth.OrgAdmin}, true
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	v, ok := h.load(w, r)
	if !ok {
		return
	}
	if h.S.proposals != nil {
		n, err := h.S.proposals.Count(r.Context(), v.ID)
		if err != nil {
			h.S.log.Warn("programmes: count proposals", "programme", strconv.FormatInt(v.ID, 10), "err", err)
		}
		v.Extra = &Extra{Proposals: n}
	}
	regs := make([]string, len(v.Regions))
	for i, c := range v.Regions {
		regs[i] = h.RegionName(v.Lang, c)
	}
	// Other components' parts of the page (its reports), via web.Parts.
	sections, err := h.Srv.Parts(r, "programmes_show", v.ID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Render(w, r, http.StatusOK, "programmes_show", &web.PageData{Title: v.T(v.Title),
		Data: map[string]any{"P": v, "Regions": regs, "Sections": sections}})
}

func (h *Handler) formData(r *http.Request, p *Programme, f url.Values) map[string]any {
	orgs, _ := h.S.AdminOrgs(r.Context(), web.UserOf(r))
	l := web.LangOf(r)
	type opt struct {
		Code, Name string
	}
	var regs []opt
	for _, o := range h.S.Regions.Options(l) {
		regs = append(regs, opt{o.Code, o.Name})
	}
	orgOpts := make([]opt, len(orgs))
	for i, o := range orgs {
		orgOpts[i] = opt{strconv.FormatInt(o.OrgID, 10), o.OrgName.In(l)}
	}
	sel := map[string]bool{}
	for _, c := range f["regions"] {
		sel[c] = true
	}
	return map[string]any{"Orgs": orgOpts, "Regions": regs, "PhaseKinds": PhaseKinds, "Kinds": Kinds, "P": p,
		"Selected": sel, "Langs": []string{"kk", "ru", "en"}}
}

// formOf fills a form from a programme, for editing.
func formOf(p *Programme) url.Values {
	f := url.Values{}
	f.Set("organization_id", strconv.FormatInt(p.OrgID, 10))
	f.Set("kind", p.Kind)
	f.Set("title.kk", p.Title.KK)
	f.Set("title.ru", p.Title.RU)
	f.Set("title.en", p.Title.EN)
	f.Set("description.kk", p.Description.KK)
	f.Set("description.ru", p.Description.RU)
	f.Set("description.en", p.Description.EN)
	f.Set("starts_on", p.StartsOn)
	f.Set("ends_on", p.EndsOn)
	f.Set("age_min", strconv.Itoa(p.AgeMin))
	f.Set("age_max", strconv.Itoa(p.AgeMax))
	f["regions"] = p.Regions
	var lines []string
	for _, d := range p.Directions {
		lines = append(lines, strings.TrimRight(d.Title.KK+" | "+d.Title.RU+" | "+d.Title.EN, " |"))
	}
	f.Set("directions", strings.Join(lines, "\n"))
	for _, ph := range p.Phases {
		f.Set("phases."+ph.Kind+".from", ph.StartsAt.In(i18n.Almaty).Format("2006-01-02"))
		f.Set("phases."+ph.Kind+".to", ph.EndsAt.In(i18n.Almaty).AddDate(0, 0, -1).Format("2006-01-02"))
	}
	return f
}

// inputOf reads the programme form; dates of phases are whole days in
// Kazakhstan time, the end day included.
func inputOf(f url.Values, old *Programme) (Input, error) {
	var fs errs.Fields
	num := func(name string) int {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fs.Add(name, "validation.invalid_value")
		}
		return n
	}
	in := Input{Kind: f.Get("kind"),
		Title:       i18n.Text{KK: f.Get("title.kk"), RU: f.Get("title.ru"), EN: f.Get("title.en")},
		Description: i18n.Text{KK: f.Get("description.kk"), RU: f.Get("description.ru"), EN: f.Get("description.en")},
		StartsOn:    f.Get("starts_on"), EndsOn: f.Get("ends_on"), AgeMin: num("age_min"), AgeMax: num("age_max"), Regions: f["regions"]}
	in.OrgID, _ = strconv.ParseInt(f.Get("organization_id"), 10, 64)
	in.ParentID, _ = strconv.ParseInt(f.Get("parent_id"), 10, 64)
	for line := range strings.SplitSeq(f.Get("directions"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		d := Direction{Title: i18n.Text{KK: strings.TrimSpace(parts[0]), RU: strings.TrimSpace(parts[1]), EN: strings.TrimSpace(parts[2])}}
		if old != nil {
			for _, od := range old.Directions {
				if od.Title.KK == d.Title.KK {
					d.ID = od.ID
				}
			}
		}
		in.Directions = append(in.Directions, d)
	}
	for _, k := range PhaseKinds {
		from, to := f.Get("phases."+k+".from"), f.Get("phases."+k+".to")
		if from == "" && to == "" {
			continue
		}
		a, err1 := time.ParseInLocation("2006-01-02", from, i18n.Almaty)
		b, err2 := time.ParseInLocation("2006-01-02", to, i18n.Almaty)
		if err1 != nil || err2 != nil {
			fs.Add("phases."+k, "validation.invalid_date")
			continue
		}
		in.Phases = append(in.Phases, Phase{Kind: k, StartsAt: a.UTC(), EndsAt: b.AddDate(0, 0, 1).UTC()})
	}
	return in, fs.Err()
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Srv.Begin(w, r); !ok {
		return
	}
	q := r.URL.Query()
	f := url.Values{"age_min": {"14"}, "age_max": {"35"}, "parent_id": {q.Get("parent")}, "organization_id": {q.Get("org")}}
	h.Srv.Render(w, r, http.StatusOK, "programmes_form", &web.PageData{Title: h.Srv.T(r, "programmes.new"), Form: f, Data: h.formData(r, nil, f)})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r)
	if !ok {
		return
	}
	u := req.User
	in, err := inputOf(r.PostForm, nil)
	var p *Programme
	if err == nil {
		p, err = h.S.Create(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, in)
	}
	if err != nil {
		h.Srv.FormError(w, r, "programmes_form", err, &web.PageData{Title: h.Srv.T(r, "programmes.new"), Data: h.formData(r, nil, r.PostForm)})
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(p.ID, 10), "programmes.created")
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Srv.Begin(w, r); !ok {
		return
	}
	v, ok := h.load(w, r)
	if !ok {
		return
	}
	if !v.CanAdmin {
		h.Srv.Fail(w, r, errs.New(errs.Forbidden, "error.403.text"))
		return
	}
	p, err := h.S.Get(r.Context(), v.ID) // the form starts from the stored programme, not a cached copy
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Render(w, r, http.StatusOK, "programmes_form", &web.PageData{Title: h.Srv.T(r, "programmes.edit"), Form: formOf(p), Data: h.formData(r, p, formOf(p))})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	old, err := h.S.Get(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	in, err := inputOf(r.PostForm, old)
	if err == nil {
		_, err = h.S.Update(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, in)
	}
	if err != nil {
		h.Srv.FormError(w, r, "programmes_form", err, &web.PageData{Title: h.Srv.T(r, "programmes.edit"), Data: h.formData(r, old, r.PostForm)})
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10), "programmes.saved")
}

// ---- indicators ----

type chartRow struct {
	Period string
	Cells  []string
}

type indicatorView struct {
	Indicator
	Name         string
	BaselineText string // the baseline and the target as the reader writes figures
	TargetText   string
	Line         any
	Bars         any
	Latest       string
	Progress     int
	HasProg      bool
	Regions      []string
	Rows         []chartRow
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	h.dashboardWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *Handler) dashboardWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	v, ok := h.load(w, r)
	if !ok {
		return
	}
	inds, err := h.S.Indicators(r.Context(), v.ID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	p := h.Srv.Printer(r)
	// Figures as entered (shortest exact digits), with the reader's
	// decimal and thousands separators: 7,9 and 1 500 000 000 in kk.
	num := func(x float64) string { return p.Decimal(x, -1) }
	views := make([]indicatorView, len(inds))
	for i := range inds {
		ind := &inds[i]
		name := ind.Name.In(v.Lang)
		labels := ChartLabels{Title: name, Baseline: p.T("indicators.baseline"), Target: p.T("indicators.target"),
			RegionName: func(c string) string { return h.RegionName(v.Lang, c) }, Num: num}
		iv := indicatorView{Indicator: *ind, Name: name, BaselineText: num(ind.Baseline), TargetText: num(ind.Target), Line: LineChart(ind, labels)}
		iv.Progress, iv.HasProg = ind.Progress()
		for _, reg := range ind.Regions() {
			iv.Regions = append(iv.Regions, h.RegionName(v.Lang, reg))
		}
		periods := ind.Periods()
		for _, per := range periods {
			row := chartRow{Period: per}
			for _, reg := range ind.Regions() {
				if x, ok := ind.ValueAt(reg, per); ok {
					row.Cells = append(row.Cells, num(x))
				} else {
					row.Cells = append(row.Cells, "—")
				}
			}
			iv.Rows = append(iv.Rows, row)
		}
		if len(periods) > 0 {
			iv.Latest = periods[len(periods)-1]
			labels.Title = name + " — " + iv.Latest
			iv.Bars = BarChart(ind, iv.Latest, labels)
		}
		views[i] = iv
	}
	regs := []struct{ Code, Name string }{{Country, p.T("indicators.country")}}
	for _, c := range v.Regions {
		regs = append(regs, struct{ Code, Name string }{c, h.RegionName(v.Lang, c)})
	}
	if len(v.Regions) == 0 {
		for _, o := range h.S.Regions.Options(v.Lang) {
			regs = append(regs, struct{ Code, Name string }{o.Code, o.Name})
		}
	}
	d.Title = p.T("indicators.title") + " · " + v.T(v.Title)
	d.Data = map[string]any{"P": v, "Indicators": views, "Regions": regs}
	h.Srv.Render(w, r, status, "programmes_indicators", d)
}

func parseNum(fs *errs.Fields, name, s string) float64 {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), " ", ""), ",", ".")
	if s == "" {
		fs.Add(name, "validation.required")
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fs.Add(name, "validation.invalid_value")
	}
	return f
}

func (h *Handler) createIndicator(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	in, err := indicatorForm(r.PostForm)
	if err == nil {
		_, err = h.S.CreateIndicator(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, in)
	}
	if err != nil {
		h.formFail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10)+"/indicators", "indicators.created")
}

// indicatorForm reads an indicator's form (new or edited).
func indicatorForm(f url.Values) (IndicatorInput, error) {
	var fs errs.Fields
	in := IndicatorInput{Name: i18n.Text{KK: f.Get("name.kk"), RU: f.Get("name.ru"), EN: f.Get("name.en")}, Unit: f.Get("unit"),
		Better: f.Get("better"), Baseline: parseNum(&fs, "baseline", f.Get("baseline")), Target: parseNum(&fs, "target", f.Get("target")),
		TargetDate: f.Get("target_date")}
	return in, fs.Err()
}

func (h *Handler) editIndicator(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	ind, err := h.S.Indicator(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	in, err := indicatorForm(r.PostForm)
	if err == nil {
		_, err = h.S.UpdateIndicator(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, in)
	}
	if err != nil {
		r.SetPathValue("id", strconv.FormatInt(ind.ProgrammeID, 10))
		h.formFail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(ind.ProgrammeID, 10)+"/indicators#indicator-"+strconv.FormatInt(id, 10), "indicators.updated")
}

// formFail re-renders the dashboard with field errors, or fails.
func (h *Handler) formFail(w http.ResponseWriter, r *http.Request, err error) {
	fe, ok := web.FieldErrors(h.Srv.Printer(r), err)
	if !ok {
		h.Srv.Fail(w, r, err)
		return
	}
	if e, _ := errs.As(err); e != nil {
		p := h.Srv.Printer(r)
		var rows []string
		for _, f := range e.Fields {
			if f.Row > 0 {
				rows = append(rows, p.T("indicators.row", "row", f.Row)+": "+f.Name+": "+p.T(f.Key, f.Args...))
			}
		}
		if len(rows) > 0 {
			fe["file"] = strings.Join(rows, "; ")
		}
	}
	h.dashboardWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
}

func (h *Handler) addValue(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	ind, err := h.S.Indicator(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	f := r.PostForm
	var fs errs.Fields
	v := Value{Region: f.Get("region"), Period: f.Get("period"), Value: parseNum(&fs, "value", f.Get("value"))}
	err = fs.Err()
	if err == nil {
		_, err = h.S.SetValues(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, []Value{v})
	}
	back := "/programmes/" + strconv.FormatInt(ind.ProgrammeID, 10) + "/indicators"
	if err != nil {
		r.SetPathValue("id", strconv.FormatInt(ind.ProgrammeID, 10))
		h.formFail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back, "indicators.saved")
}

// maxImportBytes is the largest indicator file taken (the request body
// limit, --max-body-bytes, is 1 MB by default and may be raised).
const maxImportBytes = 4 << 20

func (h *Handler) importValues(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.Srv.Fail(w, r, errs.New(errs.BadRequest, "error.400.text"))
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var fs errs.Fields
		fs.Add("file", "validation.required")
		h.formFail(w, r, fs.Err())
		return
	}
	defer file.Close()
	// Read whole or refused: a file cut at a limit would import its
	// first rows as if they were all.
	data, err := io.ReadAll(io.LimitReader(file, maxImportBytes+1))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if len(data) > maxImportBytes {
		h.Srv.Fail(w, r, errs.New(errs.TooLarge, "error.413.text"))
		return
	}
	res, err := h.S.Import(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, hdr.Filename, data)
	if err != nil {
		h.formFail(w, r, err)
		return
	}
	_ = res
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10)+"/indicators", "indicators.imported")
}

// ---- API ----

// Direction as the API shows it.
type DirectionOut struct {
	ID    string    `json:"id"`
	Title i18n.Text `json:"title"`
}

// DirectionIn is a direction in a request (id to keep an existing one).
type DirectionIn struct {
	ID    string    `json:"id,omitempty"`
	Title i18n.Text `json:"title"`
}

// ProgrammeIn is the body of POST /api/v1/programmes.
type ProgrammeIn struct {
	OrganizationID string        `json:"organization_id"`
	ParentID       string        `json:"parent_id,omitempty" doc:"the programme this is a sub-project of"`
	Kind           string        `json:"kind,omitempty" enum:"programme,project,council"`
	Title          i18n.Text     `json:"title"`
	Description    i18n.Text     `json:"description"`
	StartsOn       string        `json:"starts_on,omitempty" format:"date"`
	EndsOn         string        `json:"ends_on,omitempty" format:"date"`
	AgeMin         int           `json:"age_min"`
	AgeMax         int           `json:"age_max"`
	Regions        []string      `json:"regions" doc:"region codes; empty for the whole country"`
	Directions     []DirectionIn `json:"directions"`
	Phases         []Phase       `json:"phases"`
}

// ProgrammeOut is a programme as the API shows it.
type ProgrammeOut struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organization_id"`
	ParentID       string         `json:"parent_id,omitempty"`
	Kind           string         `json:"kind"`
	Title          i18n.Text      `json:"title"`
	Description    i18n.Text      `json:"description"`
	StartsOn       string         `json:"starts_on,omitempty"`
	EndsOn         string         `json:"ends_on,omitempty"`
	AgeMin         int            `json:"age_min"`
	AgeMax         int            `json:"age_max"`
	Regions        []string       `json:"regions"`
	Directions     []DirectionOut `json:"directions"`
	Phases         []Phase        `json:"phases"`
	CurrentPhase   string         `json:"current_phase,omitempty"`
	SubProjects    []string       `json:"sub_projects"`
}

func id64(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// Out is the API form of a programme.
func Out(p *Programme, now time.Time) ProgrammeOut {
	o := ProgrammeOut{ID: idStr(p.ID), OrganizationID: idStr(p.OrgID), ParentID: idStr(p.ParentID), Kind: p.Kind, Title: p.Title,
		Description: p.Description, StartsOn: p.StartsOn, EndsOn: p.EndsOn, AgeMin: p.AgeMin, AgeMax: p.AgeMax,
		Regions: p.Regions, Directions: []DirectionOut{}, Phases: p.Phases, CurrentPhase: p.PhaseAt(now), SubProjects: []string{}}
	if o.Regions == nil {
		o.Regions = []string{}
	}
	if o.Phases == nil {
		o.Phases = []Phase{}
	}
	for _, d := range p.Directions {
		o.Directions = append(o.Directions, DirectionOut{ID: idStr(d.ID), Title: d.Title})
	}
	for _, c := range p.Children {
		o.SubProjects = append(o.SubProjects, idStr(c.ID))
	}
	return o
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in ProgrammeIn
	if err := h.Srv.Decode(r, &in); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pi := Input{OrgID: id64(in.OrganizationID), ParentID: id64(in.ParentID), Kind: in.Kind, Title: in.Title, Description: in.Description,
		StartsOn: in.StartsOn, EndsOn: in.EndsOn, AgeMin: in.AgeMin, AgeMax: in.AgeMax, Regions: in.Regions, Phases: in.Phases}
	for _, d := range in.Directions {
		pi.Directions = append(pi.Directions, Direction{Title: d.Title})
	}
	p, err := h.S.Create(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), web.UserOf(r), pi)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, Out(p, h.S.DB.Now()))
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	p, err := h.S.Cached(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, Out(p, h.S.DB.Now()))
}

// IndicatorIn is the body of POST …/indicators.
type IndicatorIn struct {
	Name       i18n.Text `json:"name"`
	Unit       string    `json:"unit" doc:"%, tenge, people …"`
	Better     string    `json:"better" enum:"lower,higher"`
	Baseline   float64   `json:"baseline"`
	Target     float64   `json:"target"`
	TargetDate string    `json:"target_date" format:"date"`
}

// IndicatorOut is an indicator as the API shows it.
type IndicatorOut struct {
	ID          string    `json:"id"`
	ProgrammeID string    `json:"programme_id"`
	Name        i18n.Text `json:"name"`
	Unit        string    `json:"unit"`
	Better      string    `json:"better"`
	Baseline    float64   `json:"baseline"`
	Target      float64   `json:"target"`
	TargetDate  string    `json:"target_date"`
	Values      []Value   `json:"values"`
}

// ValuesIn is the body of PUT /indicators/{id}/values.
type ValuesIn struct {
	Values []Value `json:"values"`
}

func indicatorOut(ind *Indicator) IndicatorOut {
	o := IndicatorOut{ID: idStr(ind.ID), ProgrammeID: idStr(ind.ProgrammeID), Name: ind.Name, Unit: ind.Unit, Better: ind.Better,
		Baseline: ind.Baseline, Target: ind.Target, TargetDate: ind.TargetDate, Values: ind.Values}
	if o.Values == nil {
		o.Values = []Value{}
	}
	return o
}

func (h *Handler) apiIndicators(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if _, err := h.S.Rules(r.Context(), id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	inds, err := h.S.Indicators(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	out := api.Page[IndicatorOut]{Items: []IndicatorOut{}}
	for i := range inds {
		out.Items = append(out.Items, indicatorOut(&inds[i]))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) apiIndicator(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	ind, err := h.S.Indicator(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, indicatorOut(ind))
}

func (h *Handler) apiCreateIndicator() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusCreated, false, func(r *http.Request, u *auth.User, id int64, in IndicatorIn) (IndicatorOut, error) {
		ind, err := h.S.CreateIndicator(r.Context(), u, id, IndicatorInput(in))
		if err != nil {
			return IndicatorOut{}, err
		}
		return indicatorOut(ind), nil
	})
}

func (h *Handler) apiUpdateIndicator() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusOK, false, func(r *http.Request, u *auth.User, id int64, in IndicatorIn) (IndicatorOut, error) {
		ind, err := h.S.UpdateIndicator(r.Context(), u, id, IndicatorInput(in))
		if err != nil {
			return IndicatorOut{}, err
		}
		return indicatorOut(ind), nil
	})
}

func (h *Handler) apiValues() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusOK, false, func(r *http.Request, u *auth.User, id int64, in ValuesIn) (ImportResult, error) {
		return h.S.SetValues(r.Context(), u, id, in.Values)
	})
}
