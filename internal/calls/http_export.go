package calls

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/web"
)

// exportData loads a closed stage's results for its organizers: the
// exports name every applicant, for the organization's files.
func (h *handler) exportData(w http.ResponseWriter, r *http.Request) (*Call, *Stage, []Result, *Report, []Juror, bool) {
	req, ok := h.srv.Begin(w, r, "id", "stage_id")
	if !ok {
		return nil, nil, nil, nil, nil, false
	}
	u, id, sid := req.User, req.ID, req.PathID("stage_id")
	c, st, rs, rep, err := h.s.Results(r.Context(), id, sid)
	if err == nil && !h.s.Organizer(r.Context(), u, c) {
		err = errs.New(errs.Forbidden, "error.403.text")
	}
	var jurors []Juror
	if err == nil {
		jurors, err = h.s.Jurors(r.Context(), sid)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return nil, nil, nil, nil, nil, false
	}
	return c, st, rs, rep, jurors, true
}

func (h *handler) exportXLSX(w http.ResponseWriter, r *http.Request) {
	c, st, rs, _, _, ok := h.exportData(w, r)
	if !ok {
		return
	}
	p := h.srv.Printer(r)
	l := web.LangOf(r)
	var buf bytes.Buffer
	tw, err := tabular.NewWriter(&buf, tabular.XLSX, "results")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	defer tw.Discard()
	if err := tw.Row(p.T("calls.col.holding"), p.T("calls.col.rank"), p.T("calls.col.application"), p.T("calls.col.name"),
		p.T("calls.col.score"), p.T("calls.col.raw_score"), p.T("calls.col.status"), p.T("calls.col.in_place_of")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, x := range rs {
		host := ""
		if o := st.HostOf(x.HoldingID); o != nil {
			host = o.Name.In(l)
		}
		var inPlace any = ""
		if x.InPlaceOf != 0 {
			inPlace = x.InPlaceOf
		}
		if err := tw.Row(host, x.Rank, x.ApplicationID, x.Name, round1(x.Score), round1(x.RawScore), p.T("calls.status."+x.Status), inPlace); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	if err := tw.Close(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", tabular.ContentType(tabular.XLSX))
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="call-%d-stage-%d.xlsx"`, c.ID, st.ID))
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

func round1(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

// Protocol renders a closed stage's results protocol: per holding the
// ranking, who advanced, the cutoff and the ties, signed by the jury's
// chair with the closing date.
func Protocol(p *i18n.Printer, l i18n.Lang, c *Call, st *Stage, rs []Result, rep *Report, jurors []Juror) ([]byte, error) {
	d := pdfdoc.New(c.Title.In(l), c.OrgName.In(l))
	d.AddPage()
	d.Title(p.T("calls.protocol.title"))
	d.Para(c.Title.In(l) + " — " + st.Title.In(l))
	d.KV(p.T("calls.protocol.organization"), c.OrgName.In(l))
	if st.ClosedAt != nil {
		d.KV(p.T("calls.protocol.closed"), p.Date(*st.ClosedAt))
	}
	d.KV(p.T("calls.protocol.rule"), p.T("calls.protocol.rule_text", "n", st.Advance))
	widths := []float64{14, 22, 70, 24, 44}
	for _, o := range st.Hosts {
		d.Heading(o.Name.In(l))
		d.Row(widths, []string{p.T("calls.col.rank"), p.T("calls.col.application"), p.T("calls.col.name"), p.T("calls.col.score"),
			p.T("calls.col.status")}, true)
		for _, x := range rs {
			if x.HoldingID != o.ID {
				continue
			}
			d.Row(widths, []string{strconv.Itoa(x.Rank), strconv.FormatInt(x.ApplicationID, 10), x.Name,
				strconv.FormatFloat(x.Score, 'f', 2, 64), p.T("calls.status." + x.Status)}, false)
		}
		if rep != nil {
			for _, hr := range rep.Holdings {
				if hr.Holding != strconv.FormatInt(o.ID, 10) {
					continue
				}
				if hr.Cutoff != nil {
					d.Para(p.T("calls.report.cutoff", "rank", hr.Cutoff.Rank, "score", strconv.FormatFloat(hr.Cutoff.Score, 'f', 2, 64)))
				}
				for _, t := range hr.Ties {
					d.Para(p.T("calls.report.tie_pdf", "score", strconv.FormatFloat(t.Score, 'f', 2, 64), "count", len(t.Applications)) + " " + tieRules(p, t.DecidedBy))
				}
				for _, b := range hr.Backfills {
					d.Para(p.T("calls.report.backfill", "in", b.In, "for", b.For))
				}
			}
		}
		chair := ""
		for _, j := range jurors {
			if j.HoldingID == o.ID && j.Chair {
				chair = j.Name
			}
		}
		d.Ln(4)
		date := ""
		if st.ClosedAt != nil {
			date = p.Date(*st.ClosedAt)
		}
		d.KV(p.T("calls.protocol.chair"), chair+"   ____________________   "+date)
	}
	return d.Bytes()
}

func tieRules(p *i18n.Printer, rules []string) string {
	out := ""
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r] {
			continue
		}
		seen[r] = true
		if out != "" {
			out += "; "
		}
		out += p.T("calls.tie." + r)
	}
	return out
}

func (h *handler) exportPDF(w http.ResponseWriter, r *http.Request) {
	c, st, rs, rep, jurors, ok := h.exportData(w, r)
	if !ok {
		return
	}
	b, err := Protocol(h.srv.Printer(r), web.LangOf(r), c, st, rs, rep, jurors)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/pdf")
	hd.Set("Content-Disposition", fmt.Sprintf(`inline; filename="protocol-%d-%d.pdf"`, c.ID, st.ID))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
