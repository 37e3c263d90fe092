package pdfdoc_test

import (
	"testing"

	"github.com/ortaq/ortaq/internal/meetings/pdfdoc"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc/pdftest"
)

const kazakh = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"

func TestKazakhLettersAreEmbedded(t *testing.T) {
	d := pdfdoc.New("Хаттама", "Ortaq")
	d.AddPage()
	d.Title(kazakh)
	d.Para(kazakh)
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := pdftest.Missing(b, kazakh); err != nil || len(missing) != 0 {
		t.Fatalf("missing %q (%v)", missing, err)
	}
	// The check fails for a letter the document does not carry.
	if missing, err := pdftest.Missing(b, "Ӯ"); err != nil || len(missing) != 1 {
		t.Fatalf("a letter not in the text passed: %q (%v)", missing, err)
	}
	// …and for a letter in the text that the font has no glyph for (a
	// private-use code point).
	d = pdfdoc.New("x", "x")
	d.AddPage()
	d.Title(kazakh + " \uE000")
	d.Para(kazakh + " \uE000")
	b, err = d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := pdftest.Missing(b, "\uE000"); err != nil || len(missing) != 1 {
		t.Fatalf("a letter without a glyph passed: %q (%v)", missing, err)
	}
}
