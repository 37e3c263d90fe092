package elections

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc"
	"github.com/ortaq/ortaq/internal/web"
)

// pdfText shows user content in the reader's script (kk-Latn: Latin).
func pdfText(l i18n.Lang, s string) string {
	if l == i18n.KKLatn {
		return kazakh.ToLatin(s)
	}
	return s
}

func writePDF(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// ProtocolPDF is the results protocol of a closed election.
func ProtocolPDF(p *i18n.Printer, e *Election, r *Result) ([]byte, error) {
	l := p.Lang()
	title := pdfText(l, e.Title.In(l))
	d := pdfdoc.New(title, p.T("elections.protocol"))
	d.AddPage()
	d.Title(p.T("elections.protocol") + "\n" + title)
	d.KV(p.T("elections.organization")+":", pdfText(l, e.OrgName))
	if e.OpenedAt != nil {
		d.KV(p.T("elections.opened_at")+":", p.DateTime(*e.OpenedAt))
	}
	if e.ClosedAt != nil {
		d.KV(p.T("elections.closed_at")+":", p.DateTime(*e.ClosedAt))
	}
	d.KV(p.T("elections.seats")+":", strconv.Itoa(e.Seats))
	d.KV(p.T("elections.method")+":", p.T("elections.method."+e.Method))
	d.KV(p.T("elections.rule")+":", p.T("elections.rule."+e.Rule))
	d.KV(p.T("elections.quorum")+":", strconv.FormatFloat(float64(e.QuorumBP)/100, 'f', -1, 64)+"%")
	d.Ln(2)
	d.KV(p.T("elections.electorate")+":", p.Number(int64(r.Electorate)))
	d.KV(p.T("elections.ballots")+":", p.Number(int64(r.Ballots)))
	d.KV(p.T("elections.valid")+":", p.Number(int64(r.Valid)))
	d.KV(p.T("elections.turnout")+":", p.Decimal(r.Turnout*100, 1)+"%")
	if r.QuorumReached {
		d.KV(p.T("elections.quorum")+":", p.T("elections.quorum_reached"))
	} else {
		d.KV(p.T("elections.quorum")+":", p.T("elections.quorum_missed"))
	}
	d.Heading(p.T("elections.candidates"))
	widths := []float64{70, 22, 22, 22, 22, 16}
	head := []string{p.T("elections.candidate"), p.T("elections.votes"), p.T("elections.mark.for"), p.T("elections.mark.against"),
		p.T("elections.mark.abstain"), ""}
	if e.Method == MethodChoose {
		widths = []float64{110, 30, 34}
		head = []string{p.T("elections.candidate"), p.T("elections.votes"), ""}
	}
	d.Row(widths, head, true)
	for _, c := range r.Candidates {
		mark := ""
		switch {
		case c.Elected:
			mark = p.T("elections.elected")
		case c.Tie:
			mark = p.T("elections.tie")
		}
		cells := []string{pdfText(l, c.Name), strconv.Itoa(c.Votes), strconv.Itoa(c.For), strconv.Itoa(c.Against), strconv.Itoa(c.Abstain), mark}
		if e.Method == MethodChoose {
			cells = []string{pdfText(l, c.Name), strconv.Itoa(c.Votes), mark}
		}
		d.Row(widths, cells, false)
	}
	if r.SecondRound {
		d.Ln(2)
		d.Para(p.T("elections.second_round"))
	}
	d.Ln(4)
	d.Para(p.T("elections.protocol_verify"))
	d.Ln(8)
	for _, role := range []string{"elections.sign_chair", "elections.sign_secretary"} {
		d.Para(p.T(role) + " ____________________________")
		d.Ln(3)
	}
	return d.Bytes()
}

// CodesPDF is a sheet of slips, one per voter: name, code, and a QR code
// leading to the ballot page with the code filled in. Cut along the lines.
func CodesPDF(p *i18n.Printer, e *Election, codes []IssuedCode, baseURL string) ([]byte, error) {
	l := p.Lang()
	title := pdfText(l, e.Title.In(l))
	d := pdfdoc.New(title, p.T("elections.codes_title"))
	const perPage, slipH = 6, 45.0
	for i, c := range codes {
		if i%perPage == 0 {
			d.AddPage()
		}
		y := 14 + float64(i%perPage)*slipH
		d.SetDrawColor(160, 160, 160)
		d.SetDashPattern([]float64{1.5, 1.5}, 0)
		d.Rect(14, y, 182, slipH-3, "D")
		d.SetDashPattern([]float64{}, 0)
		link := fmt.Sprintf("%s/%s/elections/%d?code=%s", baseURL, l, e.ID, strings.ReplaceAll(c.Code, "-", ""))
		if err := d.QR(156, y+3, 36, link); err != nil {
			return nil, err
		}
		d.SetXY(18, y+3)
		d.SetFont(pdfdoc.Font, "B", 10)
		d.MultiCell(134, 5, title, "", "L", false)
		d.SetX(18)
		d.SetFont(pdfdoc.Font, "", 10)
		d.MultiCell(134, 5, pdfText(l, c.Name), "", "L", false)
		d.SetX(18)
		d.SetFont(pdfdoc.Font, "B", 17)
		d.CellFormat(134, 10, c.Code, "", 1, "L", false, 0, "")
		d.SetX(18)
		d.SetFont(pdfdoc.Font, "", 8.5)
		d.MultiCell(134, 4, p.T("elections.codes_slip", "url", fmt.Sprintf("%s/%s/elections/%d", baseURL, l, e.ID)), "", "L", false)
	}
	if len(codes) == 0 {
		d.AddPage()
		d.Para(p.T("elections.codes_none"))
	}
	return d.Bytes()
}

func (h *Handler) protocolPDF(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	e, res, err := h.svc.Results(r.Context(), web.UserOf(r), id, web.LangOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	b, err := ProtocolPDF(h.srv.Printer(r), e, res)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	writePDF(w, fmt.Sprintf("protocol-%d.pdf", id), b)
}

func (h *Handler) codesPDF(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if !h.srv.ParseForm(w, r) {
		return
	}
	if !web.Confirmed(r) {
		h.confirmAct(w, r, u, id, "codes")
		return
	}
	codes, err := h.svc.IssueCodesFor(ctxIP(h, r).Context(), u, id, CodeFilter{WithoutCode: r.PostForm.Get("without_code") != ""})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	e, err := h.svc.Get(r.Context(), id, web.LangOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	b, err := CodesPDF(h.srv.Printer(r), e, codes, h.baseURL)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	writePDF(w, fmt.Sprintf("codes-%d.pdf", id), b)
}
