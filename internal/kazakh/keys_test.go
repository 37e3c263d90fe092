package kazakh

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		text string
		want Lang
	}{
		{"Шымкент қаласының жастар кеңесі жаңа төрағасын сайлады", KK},
		{"Жастар кеңесі", KK},
		{"Молодежный совет Шымкента избрал нового председателя", RU},
		{"В Актюбинской области прошло заседание совета", RU},
		{"Youth council of the city", EN},
		{"Jastar keñesı jaña törağasyn sailady", KK},
		{"jastar kenesi ushin", KK},
		{"Жастар Рухы", KK},
		{"", KK},
	}
	for _, tt := range tests {
		if got := Detect(tt.text); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// meets reports whether a query finds a document: every query word has a
// token among the document's.
func meets(query, doc string) bool {
	toks := Tokens(doc)
	for _, alts := range QueryTerms(query) {
		if !slices.ContainsFunc(alts, func(a string) bool { return slices.Contains(toks, a) }) {
			return false
		}
	}
	return true
}

func TestQueriesMeetDocuments(t *testing.T) {
	tests := []struct{ query, doc string }{
		// Kazakh in every spelling.
		{"Отанға", "Отан"}, {"Otanğa", "Отан"}, {"OTANǴA", "Отан"}, {"OTANGA", "Отан"},
		{"Symkent", "Шымкент қаласы"}, {"Oskemen", "Өскемен қаласы"}, {"zhastar", "Жастар кеңесі"},
		{"Kazakstan", "Қазақстан Республикасы"}, {"жастарға", "Жастар кеңесі"},
		{"сайлау", "Кеңес төрағасын сайлады"},
		// Russian forms.
		{"школам", "Школы города"}, {"Уральск", "Университет Уральска"},
		{"Шымкентский", "Шымкент қаласы"}, {"Шымкент", "Шымкентский городской маслихат"},
		{"Уральск", "Уральский университет"}, {"Токаева", "Встреча с Токаевым"},
		{"молодежь", "Молодежи города"},
		// English.
		{"councils", "Youth council of the city"},
	}
	for _, tt := range tests {
		if !meets(tt.query, tt.doc) {
			t.Errorf("%q does not find %q: query %q, document %q", tt.query, tt.doc, QueryTerms(tt.query), Tokens(tt.doc))
		}
	}
	// And what must stay apart, as Kazakh.
	for _, tt := range []struct{ a, b string }{
		{"қысқа", "қыс"}, {"басқа", "бас"}, {"жылқы", "жыл"}, {"аудан", "ауда"}, {"жұмыс", "жұм"}, {"білім", "біл"},
	} {
		if DocumentKeyIn(KK, tt.a) == DocumentKeyIn(KK, tt.b) {
			t.Errorf("%q and %q share the key %q", tt.a, tt.b, DocumentKeyIn(KK, tt.a))
		}
	}
}

// safeToken reports whether a token is lower-case letters and digits only.
func safeToken(tok string) bool {
	if tok == "" || len(tok) > maxToken || !utf8.ValidString(tok) {
		return false
	}
	for _, r := range tok {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) || unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

var badInputs = []string{
	"", "   ", "!!! ... ---", `"`, `"жастар" *`, "NEAR(a b)", "title:жастар", "-мектеп", "(қала OR ауыл)",
	"'; DROP TABLE proposals; --", "a & b | !c", "x:* & y", "\xff\xfe\xfd", "жаста\xffр", "ж\u0301",
	strings.Repeat("ж", 300), strings.Repeat("Жастар кеңесі ", 200), strings.Repeat("a", 10000),
	"AND OR NOT NEAR", "٣ 北京 😀", "e\u0301\u0301\u0301",
}

func TestKeysAreSafe(t *testing.T) {
	for _, in := range badInputs {
		for _, tok := range Tokens(in) {
			if !safeToken(tok) {
				t.Errorf("Tokens(%q): unsafe token %q", in, tok)
			}
		}
		terms := QueryTerms(in)
		if len(terms) > maxQueryWords {
			t.Errorf("QueryTerms(%q): %d terms, want at most %d", in, len(terms), maxQueryWords)
		}
		for _, alts := range terms {
			for _, tok := range alts {
				if !safeToken(tok) {
					t.Errorf("QueryTerms(%q): unsafe token %q", in, tok)
				}
			}
		}
		for _, k := range QueryKeys(in) {
			for _, tok := range strings.Fields(k) {
				if !safeToken(tok) {
					t.Errorf("QueryKeys(%q): unsafe token %q", in, tok)
				}
			}
		}
	}
}

func FuzzKeys(f *testing.F) {
	for _, s := range badInputs {
		f.Add(s)
	}
	f.Add(paragraph)
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(s) {
			if !safeToken(tok) {
				t.Fatalf("Tokens(%q): unsafe token %q", s, tok)
			}
		}
		for _, alts := range QueryTerms(s) {
			for _, tok := range alts {
				if !safeToken(tok) {
					t.Fatalf("QueryTerms(%q): unsafe token %q", s, tok)
				}
			}
		}
		if w := Fold(s); isASCIIWord(w) {
			if st := Stem(w); len(st) > len(w)+1 {
				t.Fatalf("Stem(%q) = %q", w, st)
			}
		}
	})
}

// report is a 2 KB report body in Kazakh.
var report = func() string {
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString(paragraph + " ")
	}
	return b.String()[:2048]
}()

func BenchmarkDocumentKey2KB(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(report)))
	for b.Loop() {
		DocumentKey(report)
	}
}

func BenchmarkQueryTerms(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		QueryTerms("Шымкент жастар кеңесінің отырысы")
	}
}
