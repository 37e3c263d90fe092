package kazakh

import (
	"strings"
	"testing"
)

// inflections lists forms of one word, in any spelling; all must give the
// same stem as the first.
var inflections = [][]string{
	{"жастар", "жастарға", "жастардың", "жастарды", "жастарда", "жастардан", "жастармен",
		"жастарымыз", "жастарымыздың", "жастарының", "жастарына", "Jastarǵa", "jastar", "JASTARĞA", "zhastardyng"},
	{"ұйым", "ұйымдар", "ұйымы", "ұйымның", "ұйымына", "ұйымында", "ұйымынан", "ұйымын",
		"ұйымдарға", "ұйымдарының", "ұйымымыз", "ұйымдағы", "Ūiymdar", "uiymy"},
	{"мектеп", "мектептер", "мектепке", "мектептің", "мектепте", "мектептен", "мектепті",
		"мектебі", "мектебіміз", "мектебіміздің", "мектептеріміз", "mektepterde", "Mektebı"},
	{"саясат", "саясаты", "саясатты", "саясатының", "саясатта", "саясатқа", "Saiasaty"},
	{"аудан", "ауданы", "ауданда", "аудандар", "ауданның", "ауданнан", "аудандағы"},
	{"бағдарлама", "бағдарламалар", "бағдарламаға", "бағдарламаның", "бағдарламасы", "бағдарламасына", "бағдарламалары", "bağdarlamalar"},
	{"жиналыс", "жиналыстар", "жиналысқа", "жиналыстың", "жиналыста", "жиналысы", "жиналыстарға"},
	{"кітап", "кітабы", "кітаптар", "кітапқа", "кітаптың"},
	{"жүрек", "жүрегі", "жүрекке", "жүректің"},
	{"тарақ", "тарағы", "тараққа"},
	{"қала", "қалалар", "қалаға", "қаланың", "қалада", "қаладан", "қаласы", "қаланы", "қалалардағы"},
	{"Астана", "Астанада", "Астанаға", "Астананың", "Астанадан", "Astanada"},
	{"Алматы", "Алматыда", "Алматыға", "Алматының", "Алматыдағы", "Almatyda"},
	{"Шымкент", "Шымкентте", "Шымкентке", "Шымкенттің", "Шымкенттен", "Shymkentte"},
	{"Қазақстан", "Қазақстанда", "Қазақстанның", "Қазақстанға", "Қазақстаннан", "Kazakhstan", "Qazaqstandağy"},
	{"Отан", "Отанға", "Отанның", "Отанды", "OTANǴA", "Otanga"},
	{"Республика", "Республикасы", "Республикасының", "Республикасына", "Республикасында"},
	{"азамат", "азаматтар", "азаматтарға", "азаматтың", "азаматы"},
	{"заң", "заңы", "заңға", "заңның", "заңдар", "заңда"},
	{"жұмыс", "жұмысы", "жұмысына", "жұмысын", "жұмыстар", "жұмыста", "жұмысының", "jumysy"},
	{"кеңес", "кеңесі", "кеңесінде", "кеңестер", "кеңеске", "кеңестің", "Keñesı", "kenesi"},
	{"ұсыныс", "ұсынысы", "ұсыныстар", "ұсынысқа", "ұсыныстарымыз"},
	{"дауыс", "дауысы", "дауыстар", "дауысқа", "дауыстың"},
	{"жыл", "жылы", "жылғы", "жылдар", "жылдың", "жылда"},
	{"бүгін", "бүгінгі"},
	{"митинг", "митингі", "митингте", "miting", "mitingte"},
	{"мүше", "мүшелер", "мүшесі", "мүшеге", "мүшелеріміз", "müşelerı"},
	// Two-letter roots (listed in the lexicon).
	{"ел", "елдің", "елге", "елде", "елдер", "еліміз", "елімізде", "елінің"},
	{"үй", "үйдің", "үйге", "үйде", "үйлер", "үйіміз", "үйі"},
	{"су", "суы", "суға", "судың", "суда"},
	// Stems in й and у take consonant forms: -дың, -ды, -ы.
	{"бай", "байдың", "байға", "байы"},
	// A dropped vowel comes back.
	{"халық", "халқы", "халқының", "халыққа", "халықтың"},
	{"ауыз", "аузы", "ауызға"},
	{"орын", "орны", "орынға", "орнында"},
	// Loanwords keep their last letters.
	{"президент", "президенті", "президентке", "президенттің"},
	{"журналист", "журналисті", "журналистер", "журналистерге"},
	// Missing suffixes of the old stemmer: -м after a vowel, -ыма, -ңа,
	// -нікі, -дай, -сыз.
	{"қала", "қалам", "қалама", "қалаңа", "қаланікі", "қаладай"},
	{"мектеп", "мектебім", "мектебіме"},
	{"жұмыс", "жұмыссыз"},
	// Verbs.
	{"сайла-", "сайлау", "сайлауға", "сайланды", "сайлайды", "сайлады", "сайлаған", "сайлайтын"},
	{"өт-", "өтеді", "өтті", "өткен", "өтетін", "өткізілді", "өткізу", "өтуі"},
	{"ұйымдастыр-", "ұйымдастырады", "ұйымдастырылды", "ұйымдастыру", "ұйымдастырған"},
	{"қатыс-", "қатысты", "қатысады", "қатысу", "қатысуға", "қатысып", "қатысқан", "қатысушылар"},
	{"кел-", "келді", "келеді", "келу", "келген", "келетін", "келмеді", "келдік", "келемін"},
	{"оқы-", "оқиды", "оқыды", "оқу", "оқып", "оқыған"},
	{"бар-", "барады", "бармайды", "барамын", "барды", "барған"},
	{"дамы-", "даму", "дамуы", "дамуына", "дамудың", "дамыту"},
	// Russian surnames in Kazakh text.
	{"Тоқаев", "Тоқаевтың", "Тоқаевқа", "Тоқаева"},
}

// kkKey keys a word as Kazakh; a verb stem is written with a final "-".
func kkKey(w string) string {
	return DocumentKeyIn(KK, strings.TrimSuffix(w, "-"))
}

func TestStemInflections(t *testing.T) {
	for _, forms := range inflections {
		want := kkKey(forms[0])
		for _, f := range forms[1:] {
			if got := kkKey(f); got != want {
				t.Errorf("Kazakh key of %q = %q, want %q (as %q)", f, got, want, forms[0])
			}
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jastarimizdin", "jastar"},
		{"uimdar", "uim"},
		{"mektebi", "mektep"},
		{"kitabi", "kitap"},
		{"taragi", "tarak"},
		{"saiasati", "saiasat"},
		{"almatidagi", "almati"},
		// Never shorter than three letters.
		{"", ""},
		{"ata", "ata"},
		{"ana", "ana"},
		{"men", "men"},
		{"jas", "jas"},
		{"ol", "ol"},
		{"uidi", "ui"}, // үйді: a listed two-letter root
		{"jumis", "jumis"}, {"audan", "audan"}, {"kiska", "kiska"}, {"bilim", "bilim"},
		{"kalki", "kalik"}, {"auzi", "auiz"}, {"murni", "murin"},
		{"prezidenti", "prezident"}, {"banki", "bank"}, {"jurnalisti", "jurnalist"},
		{"baidin", "bai"}, {"uidin", "ui"}, {"damudin", "dami"},
		{"kalama", "kala"}, {"mektebime", "mektep"}, {"jumisiz", "jumis"},
		{"sailandi", "saila"}, {"sailauga", "saila"}, {"sailaidi", "saila"}, {"otkizildi", "ot"},
		// Non-words are left alone.
		{"2024", "2024"},
		{"北京", "北京"},
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStemKeepsApart checks words that are not inflections of each other.
func TestStemKeepsApart(t *testing.T) {
	pairs := [][2]string{
		{"мектеп", "мекен"},
		{"жастар", "жасыл"},
		{"ұйым", "үй"},
		{"саясат", "саяхат"},
		{"Орал", "Ордабасы"},
		{"бағдарлама", "баға"},
	}
	for _, p := range pairs {
		if SearchKey(p[0]) == SearchKey(p[1]) {
			t.Errorf("SearchKey(%q) == SearchKey(%q) == %q", p[0], p[1], SearchKey(p[0]))
		}
	}
}

func TestSearchKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  — ", ""},
		{"Жастар Рухы", "jastar ruk"},
		{"Jastar Rukhy", "jastar ruk"},
		{"Шымкент қаласындағы жастар ұйымдары", "shimkent kala jastar uim"},
		{"Shymkent kalasyndagy jastar uiymdary", "shimkent kala jastar uim"},
		{"2024 жылғы бағдарлама", "2024 jil bagdarlama"},
		{"Ортақ — ортақ іс", "ortak ortak is"},
	}
	for _, tt := range tests {
		if got := SearchKey(tt.in); got != tt.want {
			t.Errorf("SearchKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Stored keys can be recomputed from keys: stemming a key changes nothing.
func TestSearchKeyIdempotent(t *testing.T) {
	for _, forms := range inflections {
		for _, f := range forms {
			if k := kkKey(f); DocumentKeyIn(KK, k) != k {
				t.Errorf("Kazakh key of its key %q = %q, want %q", f, DocumentKeyIn(KK, k), k)
			}
		}
	}
	if k := SearchKey(paragraph); SearchKey(k) != k {
		t.Errorf("SearchKey(SearchKey(paragraph)) = %q, want %q", SearchKey(k), k)
	}
}

func TestSearchKeyAllocs(t *testing.T) {
	// A few per word (the folded word, its stem), not per letter.
	if n := testing.AllocsPerRun(100, func() { sink = SearchKey("Шымкент қаласындағы жастар ұйымдары") }); n > 16 {
		t.Errorf("SearchKey: %v allocations, want at most 16", n)
	}
}

func BenchmarkSearchKey(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(paragraph)))
	for b.Loop() {
		SearchKey(paragraph)
	}
}
