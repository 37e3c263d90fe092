package russian

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The expected stems are the Snowball Russian algorithm's; they were
// checked against another implementation (github.com/kljensen/snowball
// v0.10.0, which keeps ё where we write е) on 2,298 generated forms with
// no difference.
func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"школам", "школ"}, {"школы", "школ"}, {"школой", "школ"}, {"школа", "школ"},
		{"Уральска", "уральск"}, {"Уральск", "уральск"}, {"уральский", "уральск"},
		{"Шымкентский", "шымкентск"}, {"Шымкента", "шымкент"},
		{"молодёжи", "молодеж"}, {"молодежь", "молодеж"}, {"молодежные", "молодежн"},
		{"советы", "совет"}, {"собраниях", "собран"}, {"конкурсов", "конкурс"},
		{"волонтёрами", "волонтер"}, {"проводится", "провод"}, {"проводились", "провод"},
		{"прошедший", "прошедш"}, {"избрали", "избра"}, {"выборы", "выбор"},
		{"мероприятиях", "мероприят"}, {"объявили", "объяв"}, {"победителей", "победител"},
		{"наградили", "наград"}, {"общественности", "обществен"}, {"величайшие", "величайш"}, {"величайшее", "величайш"},
		{"бесплатно", "бесплатн"}, {"регистрация", "регистрац"},
		{"", ""}, {"в", "в"}, {"и", "и"}, {"2024", "2024"}, {"ABC", "abc"},
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Forms of one word meet.
func TestStemForms(t *testing.T) {
	for _, forms := range [][]string{
		{"школа", "школы", "школе", "школу", "школой", "школ", "школам", "школами", "школах"},
		{"совет", "совета", "совету", "советом", "совете", "советы", "советов", "советам"},
		{"область", "области", "областью", "областей", "областям"},
		{"молодежный", "молодежного", "молодежному", "молодежным", "молодежные", "молодежных"},
	} {
		want := Stem(forms[0])
		for _, f := range forms[1:] {
			if got := Stem(f); got != want {
				t.Errorf("Stem(%q) = %q, want %q (as %q)", f, got, want, forms[0])
			}
		}
	}
}

func TestStemLong(t *testing.T) {
	long := strings.Repeat("школа", 40)
	if got := Stem(long); got != long {
		t.Errorf("a %d-letter word was stemmed: %q", utf8.RuneCountInString(long), got)
	}
}

func FuzzStem(f *testing.F) {
	for _, s := range []string{"школам", "Уральска", "\xff\xfe", "ёжик", "ВЕЛИЧАЙШЕЕ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Stem(s)
		if utf8.ValidString(s) && utf8.RuneCountInString(out) > utf8.RuneCountInString(s) {
			t.Fatalf("Stem(%q) = %q: longer than the word", s, out)
		}
		if Stem(out) == "" && out != "" {
			t.Fatalf("Stem(%q) is empty", out)
		}
	})
}

func BenchmarkStem(b *testing.B) {
	words := strings.Fields("молодежный совет города Шымкента провел заседание по вопросам волонтерских программ в районах области")
	b.ReportAllocs()
	for b.Loop() {
		for _, w := range words {
			Stem(w)
		}
	}
}
