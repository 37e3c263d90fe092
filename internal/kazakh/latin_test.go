package kazakh

import (
	"strings"
	"testing"
)

func TestToLatin(t *testing.T) {
	tests := []struct{ in, want string }{
		// Sentences.
		{"Қазақстан Республикасы", "Qazaqstan Respublikasy"},
		{"Жастар саясаты", "Jastar saiasaty"},
		{"Шымкент қаласы", "Şymkent qalasy"},
		{"Ортақ — ортақ іс", "Ortaq — ortaq ıs"},
		{"Өскемен, Ақтөбе және Орал", "Öskemen, Aqtöbe jäne Oral"},
		{"Ұлытау облысы, Маңғыстау", "Ūlytau oblysy, Mañğystau"},
		{"Бүгін күн жылы, түнде жаңбыр жауады.", "Bügın kün jyly, tünde jañbyr jauady."},
		{"Шаһардағы хабарлама", "Şahardağy habarlama"},
		{"«Жастар Рухы» қоғамдық бірлестігі", "«Jastar Ruhy» qoğamdyq bırlestıgı"},
		{"Үкімет қаулысы № 5", "Ükımet qaulysy № 5"},
		{"Сый беріп, орнымда қалайын", "Syi berıp, ornymda qalaiyn"},
		// Capitals: title case, all caps, and the 2021 pairs İ/i (и, й) and I/ı (і).
		{"ШЫМКЕНТ", "ŞYMKENT"},
		{"Шымкент", "Şymkent"},
		{"ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", "QAZAQSTAN RESPUBLİKASY"},
		{"ҰЛТТЫҚ БАНК", "ŪLTTYQ BANK"},
		{"Иран, ИРАН, Ілияс, ІЛИЯС", "İran, İRAN, Iliias, ILİİAS"},
		{"мЕКТЕП", "mEKTEP"},
		// Russian-only letters.
		{"Щучинск", "Şşuchinsk"},
		{"ЩУЧИНСК", "ŞŞUCHİNSK"},
		{"ащы", "aşşy"},
		{"Цифрлық Қазақстан", "Tsifrlyq Qazaqstan"},
		{"Чемпионат, ЧЕМПИОНАТ, ЧП, Ч. Уәлиханов", "Chempionat, CHEMPİONAT, CHP, Ch. Uälihanov"},
		{"объект, съезд, пьеса", "obekt, sezd, pesa"},
		{"Экология", "Ekologiia"},
		{"Юрист, Ярмарка, Ёлка", "İurist, İarmarka, İolka"},
		{"ЮРИСТ", "İURİST"},
		// Everything else passes through.
		{"", ""},
		{"Hello, world", "Hello, world"},
		{"Сәлеметсіз бе, {name}!", "Sälemetsız be, {name}!"},
		{"%s жаңа хабарлама, %d минут", "%s jaña habarlama, %d minut"},
		{"Almaty қаласы, 2024 ж.", "Almaty qalasy, 2024 j."},
		{"Нұр-Сұлтан / Nur-Sultan", "Nūr-Sūltan / Nur-Sultan"},
		{"Київ", "Kiїv"},                   // Ukrainian ї is not Kazakh
		{"ЖАҢА\xffМӘТІН", "JAÑA\xffMÄTIN"}, // invalid UTF-8 is kept
		{"Ω 😀 Ә", "Ω 😀 Ä"},
	}
	for _, tt := range tests {
		if got := ToLatin(tt.in); got != tt.want {
			t.Errorf("ToLatin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestToLatinAlphabet pins the spelling of every letter of the Kazakh
// Cyrillic alphabet, in both cases.
func TestToLatinAlphabet(t *testing.T) {
	const (
		cyr   = "а ә б в г ғ д е ё ж з и й к қ л м н ң о ө п р с т у ұ ү ф х һ ц ч ш щ ъ ы і ь э ю я"
		lower = "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ch ş şş  y ı  e iu ia"
		title = "A Ä B V G Ğ D E İo J Z İ İ K Q L M N Ñ O Ö P R S T U Ū Ü F H H Ts Ch Ş Şş  Y I  E İu İa"
		caps  = "A Ä B V G Ğ D E İO J Z İ İ K Q L M N Ñ O Ö P R S T U Ū Ü F H H TS CH Ş ŞŞ  Y I  E İU İA"
	)
	if got := ToLatin(cyr); got != lower {
		t.Errorf("lower case:\n got %q\nwant %q", got, lower)
	}
	// A letter on its own is title case; followed by a capital, all caps.
	if got := ToLatin(strings.ToUpper(cyr)); got != title {
		t.Errorf("title case:\n got %q\nwant %q", got, title)
	}
	var b strings.Builder
	for i, w := range strings.Split(strings.ToUpper(cyr), " ") {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(w + "Ж")
	}
	want := strings.ReplaceAll(caps+" ", " ", "J ")
	if got := ToLatin(b.String()); got != want[:len(want)-1] {
		t.Errorf("all caps:\n got %q\nwant %q", got, want[:len(want)-1])
	}
}

func TestToLatinAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { sink = ToLatin("Hello, {name}! 100%") }); n != 0 {
		t.Errorf("ToLatin without Cyrillic: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = ToLatin(paragraph) }); n != 1 {
		t.Errorf("ToLatin(paragraph): %v allocations, want 1", n)
	}
}

// sink keeps results of functions under test alive, so the compiler cannot
// optimise their allocations away.
var sink string

// paragraph is ordinary Kazakh text for benchmarks and allocation tests.
const paragraph = `Қазақстан Республикасының «Мемлекеттік жастар саясаты туралы» Заңына сәйкес, ` +
	`Шымкент қаласындағы жастар ұйымдары өз бағдарламаларын ұсынады. Ортақ платформасы ` +
	`азаматтарға жиналыстарға қатысуға, ұсыныстар жасауға және мектептердің жұмысын ` +
	`бағалауға мүмкіндік береді. 2024 жылы Өскемен, Ақтөбе және Орал қалаларынан 1 234 адам тіркелді.`

func BenchmarkToLatin(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(paragraph)))
	for b.Loop() {
		ToLatin(paragraph)
	}
}
