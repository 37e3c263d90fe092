package search

import (
	"fmt"
	"html/template"
	"strings"
	"testing"
	"unicode"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

func TestSnippet(t *testing.T) {
	st := func() *stems { return newStems(kazakh.QueryTerms("жастар")) }
	filler := func(n int, prefix ...string) string {
		var ws []string
		for i := range n {
			ws = append(ws, fmt.Sprintf("%sсөз%d", strings.Join(prefix, ""), i))
		}
		return strings.Join(ws, " ")
	}
	cases := []struct {
		name, body, title, langs string
		bodyHit                  bool
		want                     []string
		not                      []string
	}{
		{"a match far in", filler(20) + " **жастарға** арналған " + filler(50, "б"), "", "100", true,
			[]string{"… сөз12 ", "<mark>жастарға</mark> арналған бсөз0", "бсөз19 …"}, []string{"… сөз11 ", "бсөз20", "**"}},
		{"the last word", filler(3) + " жастар", "", "", true, []string{"сөз0 сөз1 сөз2 <mark>жастар</mark>"}, []string{"…"}},
		{"no body: the title", "", "Жастар форумы", "000", false, []string{"<mark>Жастар</mark> форумы"}, nil},
		{"no match in the body", filler(40), "Жастар", "100", false, []string{"сөз0 сөз1", "сөз29 …"}, []string{"<mark>", "сөз30"}},
		{"escaped", "<b>жастар</b> & co", "", "100", true, []string{"&lt;", "<mark>жастар</mark>", "&amp;"}, []string{"<b>"}},
	}
	for _, c := range cases {
		got := string(snippet(i18n.KK, i18n.Text{KK: c.body}, i18n.Text{KK: c.title}, c.langs, st(), c.bodyHit))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q has %q", c.name, got, w)
			}
		}
	}
}

// Between words a snippet shows what plain makes of the whole text.
func TestSnippetSeparatorsAsPlain(t *testing.T) {
	st := &stems{}
	for _, text := range []string{"Бірінші **қалың** сөз,\n\n# Тақырып\r\n- тізім `код` __асты__ соңы.", "a**b  c\t\td", "  басы  ", "x -- y ... z!"} {
		got, _ := mark(text, kazakh.KK, st)
		// (up to the last word: what follows it is not shown)
		want := template.HTMLEscapeString(strings.TrimRightFunc(plain(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
		if string(got) != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
}
