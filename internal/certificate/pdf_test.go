package certificate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/meetings/pdfdoc/pdftest"
)

const letters = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"

var issued = time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)

func sampleAwards() []Award {
	org := Text{KK: "«Жастар Рухы» жастар қанаты, Орал қалалық филиалы", RU: "Молодёжное крыло «Жастар Рухы», Уральский городской филиал", EN: "Zhastar Rukhy youth wing, Oral city branch"}
	sign := &Signatory{Name: "Айгүл Сейітқалиева", Position: Text{KK: "Филиал төрағасы", RU: "Председатель филиала", EN: "Chair of the branch"}}
	return []Award{
		{Code: "7KQ4M2XW9HC0", Kind: Certificate, Recipient: "Нұрсұлтан Әбілқайырұлы Жұмағалиев",
			Title:        Text{KK: "«Көшбасшылар мектебі» жастар форумына белсенді қатысқаны үшін", RU: "За активное участие в молодёжном форуме «Школа лидеров»", EN: "For active participation in the Leaders' School youth forum"},
			Organization: org, OrganizationURL: "https://ortaq.kz/kk/organizations/42", IssuedAt: issued, Signatory: sign},
		{Code: "3MZT8R1PQW6K", Kind: Diploma, Place: 1, Recipient: "Гүлназ Қайыржанқызы Өтепова",
			Title:        Text{KK: "«IT-Өрлеу» облыстық жобалар байқауы, «Цифрлық ауыл» бағыты", RU: "Областной конкурс проектов «IT-Өрлеу», направление «Цифровое село»", EN: "IT-Örleu regional project contest, Digital Village track"},
			Organization: org, OrganizationURL: "https://ortaq.kz/kk/organizations/42", IssuedAt: issued, Signatory: sign},
		{Code: "XH2D5N0VJ4AE", Kind: Thanks, Recipient: "Ерғали Һамитұлы Іслямов",
			Title:        Text{KK: "«Жастар – Отанға!» бағдарламасы аясында өткен еріктілер керуенін ұйымдастыруға қосқан зор үлесі үшін", RU: "За большой вклад в организацию волонтёрского каравана в рамках программы «Жастар – Отанға!»", EN: "For a great contribution to the volunteers' caravan of the Zhastar – Otanga! programme"},
			Organization: org, OrganizationURL: "https://ortaq.kz/kk/organizations/42", IssuedAt: issued, Signatory: sign},
	}
}

// Every Kazakh letter is in the text and has a glyph in each of the three
// embedded fonts (regular, bold, italic), for every kind.
func TestEveryKazakhLetterIsPrinted(t *testing.T) {
	for _, a := range sampleAwards() {
		a.Recipient = "Жұмағалиев " + letters                             // bold
		a.Organization.RU = "Ұйым " + letters                             // regular
		a.Title.RU = "Атауы " + letters                                   // italic
		a.Signatory = &Signatory{Name: "Төраға", Position: Text{KK: "Ә"}} // kept small
		b, err := Render(a, Options{Base: "https://ortaq.kz"})
		if err != nil {
			t.Fatal(err)
		}
		if missing, err := pdftest.Missing(b, letters); err != nil || len(missing) != 0 {
			t.Fatalf("%s: missing %q (%v)", a.Kind, missing, err)
		}
		if missing, err := pdftest.Missing(b, "Ӯ"); err != nil || len(missing) != 1 {
			t.Fatalf("%s: the check passed a letter not printed: %q %v", a.Kind, missing, err)
		}
	}
}

func TestRenderIsSmallAndComplete(t *testing.T) {
	for _, a := range sampleAwards() {
		b, err := Render(a, Options{Base: "https://ortaq.kz"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("%s: not a PDF", a.Kind)
		}
		// Fonts are subset: three DejaVu Serif faces weigh over a megabyte
		// whole.
		if len(b) > 120_000 {
			t.Fatalf("%s: %d bytes", a.Kind, len(b))
		}
		if n := bytes.Count(b, []byte("/Type /Page\n")) + bytes.Count(b, []byte("/Type /Page ")); n != 1 {
			t.Logf("%s: %d page markers", a.Kind, n)
		}
		t.Logf("%s: %d bytes", a.Kind, len(b))
	}
	all, err := RenderBatch(sampleAwards(), Options{Base: "https://ortaq.kz", Second: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(all, []byte("/Type /Page")) - bytes.Count(all, []byte("/Type /Pages")); n != 3 {
		t.Fatalf("batch of 3 has %d pages", n)
	}
}

func TestRenderRejects(t *testing.T) {
	good := sampleAwards()[0]
	for name, tc := range map[string]struct {
		a Award
		o Options
	}{
		"no base":    {good, Options{}},
		"bad lang":   {good, Options{Base: "x", Lang: "de"}},
		"bad second": {good, Options{Base: "x", Second: "de"}},
		"bad kind":   {func() Award { a := good; a.Kind = "medal"; return a }(), Options{Base: "x"}},
		"bad code":   {func() Award { a := good; a.Code = "7KQ4-M2XW-9HC0"; return a }(), Options{Base: "x"}},
		"no name":    {func() Award { a := good; a.Recipient = " "; return a }(), Options{Base: "x"}},
		"no title":   {func() Award { a := good; a.Title = Text{}; return a }(), Options{Base: "x"}},
		"no date":    {func() Award { a := good; a.IssuedAt = time.Time{}; return a }(), Options{Base: "x"}},
		"neg. place": {func() Award { a := good; a.Place = -1; return a }(), Options{Base: "x"}},
	} {
		if _, err := Render(tc.a, tc.o); err == nil {
			t.Fatalf("%s: rendered", name)
		}
	}
	if _, err := RenderBatch(nil, Options{Base: "x"}); err == nil {
		t.Fatal("an empty batch rendered")
	}
}

func TestVerifyURL(t *testing.T) {
	if u := VerifyURL("https://ortaq.kz/", "kk", "7KQ4M2XW9HC0"); u != "https://ortaq.kz/kk/awards/7KQ4-M2XW-9HC0" {
		t.Fatal(u)
	}
}

func TestPlaceWording(t *testing.T) {
	for n, want := range map[int]string{1: "1st place", 2: "2nd place", 3: "3rd place", 4: "4th place", 11: "11th place", 12: "12th place", 21: "21st place", 112: "112th place"} {
		if got := wording["en"].place(n); got != want {
			t.Fatalf("%d: %q", n, got)
		}
	}
	if got := wording["kk"].place(3); got != "III орын" {
		t.Fatal(got)
	}
	for lang, l := range wording {
		for _, k := range []Kind{Certificate, Diploma, Thanks} {
			if l.kind[k] == "" || l.intro[k] == "" {
				t.Fatalf("%s: %s has no wording", lang, k)
			}
		}
		if l.verify == "" || l.code == "" || l.issuedAt == "" {
			t.Fatalf("%s: a label is missing", lang)
		}
	}
}

// TestWriteSamples writes one PDF per kind into $CERT_SAMPLES, to look at
// (docs/screenshots/awards/ are made from them).
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("CERT_SAMPLES")
	if dir == "" {
		t.Skip("set CERT_SAMPLES to a folder to write sample PDFs")
	}
	for _, a := range sampleAwards() {
		b, err := Render(a, Options{Base: "https://ortaq.kz"})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, string(a.Kind)+".pdf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Render(sampleAwards()[1], Options{Base: "https://ortaq.kz", Lang: "kk-Latn", Second: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "%PDF") {
		t.Fatal("not a PDF")
	}
	if err := os.WriteFile(filepath.Join(dir, "diploma-latn-en.pdf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
