package web

import (
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/i18n"
)

// A page with a list fragment costs the same with the reader's marks
// revealed in it as without (gzipped both).
func BenchmarkRevealedPage(b *testing.B) {
	s := pagesServer(b, fstest.MapFS{
		"t/list.html": {Data: []byte(`{{define "content"}}{{$c := .Ctx}}<p>{{t $c "nav.home"}}</p>{{embed $c .Data}}<hr>{{end}}` +
			`{{define "rows"}}<ol>{{range .Data}}<li id="p{{.}}"><a href="/kk/proposals/{{.}}"><strong>Ұсыныс №{{.}}: ауылдағы жастарға арналған гранттар</strong></a><br><small>12 қолдау · 3 пікір · Қаралуда · Білім</small> <span class="ok" data-reveal="{{.}}" hidden>✓ Сіз бұл ұсынысты қолдайсыз</span></li>{{end}}</ol>{{end}}`)},
	})
	rows := make([]int, 20)
	for i := range rows {
		rows[i] = 100 + i
	}
	req := withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK)
	req.Header.Set("Accept-Encoding", "gzip")
	frag, _, _ := s.Fragment(req, "list", "rows", "", func() (any, error) { return rows, nil })
	mine := []int64{103, 117}
	for _, c := range []struct {
		name string
		v    func() any
	}{
		{"fragment", func() any { return frag }},
		{"revealed", func() any {
			return s.Reveal(frag, func(key string) bool {
				id, err := strconv.ParseInt(key, 10, 64)
				return err == nil && slices.Contains(mine, id)
			})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.Render(w, req, 200, "list", &PageData{Title: "x", Data: c.v()})
			}
		})
	}
}
