package certificate

import (
	"fmt"
	"testing"
)

// thousand is issue 16's budget case: 1,000 awards of one event, each with
// its own code, recipient and QR code; a third of each kind.
func thousand() []Award {
	base := sampleAwards()
	out := make([]Award, 1000)
	for i := range out {
		a := base[i%3]
		a.Code = NewCode()
		a.Recipient = fmt.Sprintf("%s %d", a.Recipient, i+1)
		if a.Kind == Diploma {
			a.Place = 1 + i%3
		}
		out[i] = a
	}
	return out
}

// BenchmarkBatch1000 renders 1,000 awards into one PDF (batch printing).
func BenchmarkBatch1000(b *testing.B) {
	awards := thousand()
	var size int
	cpu := cpuTime()
	for b.Loop() {
		pdf, err := RenderBatch(awards, Options{Base: "https://ortaq.kz"})
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e9, "cpu-s/op")
}

// BenchmarkFiles1000 renders the same 1,000 awards as 1,000 PDFs (the
// /{lang}/awards/{code}.pdf download, or a zip of files).
func BenchmarkFiles1000(b *testing.B) {
	awards := thousand()
	var size int
	cpu := cpuTime()
	for b.Loop() {
		size = 0
		for _, a := range awards {
			pdf, err := Render(a, Options{Base: "https://ortaq.kz"})
			if err != nil {
				b.Fatal(err)
			}
			size += len(pdf)
		}
	}
	b.ReportMetric(float64(size)/1000, "bytes/file")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e9, "cpu-s/op")
}

// BenchmarkIssue signs one credential.
func BenchmarkIssue(b *testing.B) {
	s, err := NewSigner(fixedKeys{}, "https://ortaq.kz")
	if err != nil {
		b.Fatal(err)
	}
	a := sampleAwards()[1]
	for b.Loop() {
		if _, err := s.Issue(a); err != nil {
			b.Fatal(err)
		}
	}
}

type fixedKeys struct{}

func (fixedKeys) Derive(string) []byte { return make([]byte, 32) }
