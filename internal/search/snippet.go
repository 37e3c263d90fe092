package search

import (
	"hash/maphash"
	"html/template"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// snippetWords is about how many words a snippet shows.
const snippetWords = 30

// snippet is a piece of the body (in the reader's language when that
// has a match, else any that has) around its first matching words, with
// the words whose tokens the query asked for in <mark>. Text is escaped
// here; only <mark> is markup. langs is the body fields' languages as
// detected when they were copied (bodyLangs; "" : detect them now);
// bodyHit false says the body has no word asked for.
func snippet(l i18n.Lang, body, title i18n.Text, langs string, st *stems, bodyHit bool) template.HTML {
	bst := st
	if !bodyHit {
		bst = nil
	}
	first, fl := body.Pick(l)
	lang := func(f i18n.Lang) kazakh.Lang {
		i := 0
		switch f {
		case i18n.RU:
			i = 1
		case i18n.EN:
			i = 2
		}
		if len(langs) == 3 && langs[i] > '0' {
			return kazakh.Lang(langs[i] - '0')
		}
		return 0
	}
	cands := []struct {
		text string
		lang kazakh.Lang
	}{{first, lang(fl)}, {body.KK, lang(i18n.KK)}, {body.RU, lang(i18n.RU)}, {body.EN, lang(i18n.EN)}}
	for _, c := range cands {
		if c.text == "" || !bodyHit {
			continue
		}
		if h, ok := mark(c.text, c.lang, bst); ok {
			return h
		}
	}
	if first == "" {
		first, _ = title.Pick(l)
		h, _ := mark(first, 0, st)
		return h
	}
	h, _ := mark(first, lang(fl), bst)
	return h
}

// stems says which words have a token the query asked for. A nil *stems
// has none: a body known to have none is not stemmed.
type stems struct {
	want []string // the query's tokens (a few: a list beats a map)
}

func newStems(terms [][]string) *stems {
	st := &stems{}
	for _, w := range terms {
		for _, t := range w {
			if !slices.Contains(st.want, t) {
				st.want = append(st.want, t)
			}
		}
	}
	return st
}

func (st *stems) hit(lang kazakh.Lang, w string) bool {
	if st == nil {
		return false
	}
	for _, t := range wordTokens(lang, w) {
		if slices.Contains(st.want, t) {
			return true
		}
	}
	return false
}

// A word's tokens (kazakh.TokensIn) are remembered across searches:
// stemming the words of twenty snippets was half of a search's CPU time,
// and most words of real text are frequent ones (decision 0127, "The
// budget"). The memo is a fixed table of stemSlots entries, each slot
// holding the last word hashed to it (a word whose slot another took is
// stemmed again): one hash and one atomic load a word, no lock, no map
// to grow or empty, bounded memory. Words are copies: a remembered word
// does not keep a whole body alive.
const stemSlots = 1 << 16

type stemEntry struct {
	lang kazakh.Lang
	word string
	toks []string
}

var (
	stemSeed  = maphash.MakeSeed()
	stemTable [stemSlots]atomic.Pointer[stemEntry]
)

func wordTokens(lang kazakh.Lang, w string) []string {
	slot := &stemTable[maphash.String(stemSeed, w)&(stemSlots-1)]
	if e := slot.Load(); e != nil && e.lang == lang && e.word == w {
		return e.toks
	}
	toks := kazakh.TokensIn(lang, w)
	slot.Store(&stemEntry{lang: lang, word: strings.Clone(w), toks: toks})
	return toks
}

// wordBufs are the words of one snippet being built (mark), reused.
var wordBufs = sync.Pool{New: func() any { return new([]word) }}

type word struct {
	start, end int
	hit        bool
}

func mark(text string, lang kazakh.Lang, st *stems) (template.HTML, bool) {
	if len(text) > 8000 {
		text = text[:8000]
	}
	if lang == 0 {
		lang = kazakh.Detect(plain(text))
	}
	// Words are found as far as needed and stemmed only up to the first
	// match, then within the snippet (stemming is most of the cost).
	buf := wordBufs.Get().(*[]word)
	words := (*buf)[:0]
	defer func() {
		if cap(words) <= 4096 {
			*buf = words[:0]
			wordBufs.Put(buf)
		}
	}()
	p := 0
	next := func() bool { // finds the next word; false at the end
		start := -1
		for p < len(text) {
			c, size := text[p], 1
			in := false
			switch {
			case c < utf8.RuneSelf:
				in = wordRune(rune(c))
			case (c == 0xD0 || c == 0xD1) && p+1 < len(text) && text[p+1]&0xC0 == 0x80:
				// U+0400–U+047F, Cyrillic letters all (most of a text
				// here): no decoding.
				in, size = true, 2
			default:
				var r rune
				r, size = utf8.DecodeRuneInString(text[p:])
				in = wordRune(r)
			}
			if in {
				if start < 0 {
					start = p
				}
			} else if start >= 0 {
				words = append(words, word{start: start, end: p})
				p += size
				return true
			}
			p += size
		}
		if start >= 0 {
			words = append(words, word{start: start, end: len(text)})
			return true
		}
		return false
	}
	hit := func(w word) bool { return st.hit(lang, text[w.start:w.end]) }
	firstHit := -1
	for next() {
		i := len(words) - 1
		if words[i].hit = hit(words[i]); words[i].hit {
			firstHit = i
			break
		}
	}
	if len(words) == 0 {
		return "", false
	}
	from := 0
	if firstHit > 8 {
		from = firstHit - 8
	}
	for len(words) <= from+snippetWords && next() {
	}
	to := min(len(words), from+snippetWords)
	for i := max(firstHit+1, from); i < to; i++ {
		words[i].hit = hit(words[i])
	}
	var b strings.Builder
	span := words[to-1].end - words[from].start
	b.Grow(span + span/8 + 32)
	if from > 0 {
		b.WriteString("… ")
	}
	pos := words[from].start
	for _, w := range words[from:to] {
		// Between words: Markdown marks dropped, spaces and lines as one
		// space (what plain does to the whole text).
		b.WriteString(template.HTMLEscapeString(between(text[pos:w.start])))
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

// wordRune says whether r belongs to a word: letters, digits and
// apostrophes, with ASCII and the Cyrillic block answered without
// unicode's tables (most of a snippet's scanning).
func wordRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '\''
	case 0x400 <= r && r <= 0x481 || 0x48a <= r && r <= 0x52f:
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '’'
}

// between is plain for what lies between two words.
func between(s string) string {
	if s == " " || s == "" {
		return s
	}
	s = markdown.Replace(s)
	f := strings.Fields(s)
	sp := ""
	if len(s) > 0 && unicode.IsSpace(rune(s[0])) || len(s) > 0 && unicode.IsSpace(rune(s[len(s)-1])) {
		sp = " "
	}
	if len(f) == 0 {
		return sp
	}
	out := strings.Join(f, " ")
	if unicode.IsSpace(rune(s[0])) {
		out = " " + out
	}
	if unicode.IsSpace(rune(s[len(s)-1])) {
		out += " "
	}
	return out
}

// plain drops the most common Markdown marks and joins lines.
var markdown = strings.NewReplacer("**", "", "__", "", "`", "", "#", "", "\r", "", "\n", " ")

func plain(s string) string {
	s = markdown.Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
