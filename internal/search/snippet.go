package search

import (
	"html/template"
	"strings"
	"unicode"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// snippetWords is about how many words a snippet shows.
const snippetWords = 30

// snippet is a piece of the body (in the reader's language when that
// has a match, else any that has) around its first matching words, with
// the words whose tokens the query asked for in <mark>. Text is escaped
// here; only <mark> is markup.
func snippet(l i18n.Lang, body, title i18n.Text, want map[string]bool) template.HTML {
	first, _ := body.Pick(l)
	cands := []string{first, body.KK, body.RU, body.EN}
	for _, text := range cands {
		if text == "" {
			continue
		}
		if h, ok := mark(text, want); ok {
			return h
		}
	}
	if first == "" {
		first, _ = title.Pick(l)
	}
	h, _ := mark(first, want)
	return h
}

type word struct {
	start, end int
	hit        bool
}

func mark(text string, want map[string]bool) (template.HTML, bool) {
	if len(text) > 8000 {
		text = text[:8000]
	}
	text = plain(text)
	lang := kazakh.Detect(text)
	// Words are found first and stemmed only as far as needed: up to the
	// first match, then within the snippet (stemming is most of the cost).
	var words []word
	start := -1
	flush := func(end int) {
		if start >= 0 {
			words = append(words, word{start: start, end: end})
			start = -1
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	if len(words) == 0 {
		return "", false
	}
	seen := map[string]bool{}
	hit := func(w word) bool {
		s := text[w.start:w.end]
		h, ok := seen[s]
		if !ok {
			for _, t := range kazakh.TokensIn(lang, s) {
				if want[t] {
					h = true
					break
				}
			}
			seen[s] = h
		}
		return h
	}
	firstHit := -1
	for i := range words {
		if words[i].hit = hit(words[i]); words[i].hit {
			firstHit = i
			break
		}
	}
	from := 0
	if firstHit > 8 {
		from = firstHit - 8
	}
	to := min(len(words), from+snippetWords)
	for i := max(firstHit+1, from); i < to; i++ {
		words[i].hit = hit(words[i])
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	pos := words[from].start
	for _, w := range words[from:to] {
		b.WriteString(template.HTMLEscapeString(text[pos:w.start]))
		if w.hit {
			b.WriteString("<mark>" + template.HTMLEscapeString(text[w.start:w.end]) + "</mark>")
		} else {
			b.WriteString(template.HTMLEscapeString(text[w.start:w.end]))
		}
		pos = w.end
	}
	if to < len(words) {
		b.WriteString(" …")
	}
	return template.HTML(b.String()), firstHit >= 0
}

// plain drops the most common Markdown marks and joins lines.
func plain(s string) string {
	s = strings.NewReplacer("**", "", "__", "", "`", "", "#", "", "\r", "", "\n", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
