package kazakh

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/russian"
)

// KeyVersion names the output of the key functions (Tokens, DocumentKey,
// SearchKey). It changes whenever they would key a stored text differently
// — a new stemmer rule, lexicon entries, a change to Fold — so components
// that store keys can tell at start that theirs are stale and recompute
// them (orgs and proposals do, from settings "search.key_version").
const KeyVersion = "2"

const (
	// maxToken is the longest token, in bytes; longer ones are cut.
	maxToken = 64
	// maxQueryWords is how many words of a query are used.
	maxQueryWords = 16
)

// isWordRune reports whether r belongs to a word: letters, digits, and
// combining marks (a decomposed ş).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// eachWord calls f with every word of text as written: runs of letters,
// digits and combining marks, with apostrophes inside them (Gor'kiy).
// Invalid UTF-8 separates words.
func eachWord(text string, f func(string) bool) {
	start := -1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		in := r != utf8.RuneError && isWordRune(r)
		if !in && start >= 0 && isApostrophe(r) {
			if next, _ := utf8.DecodeRuneInString(text[i+size:]); unicode.IsLetter(next) {
				in = true
			}
		}
		if in && start < 0 {
			start = i
		}
		if !in && start >= 0 {
			if !f(text[start:i]) {
				return
			}
			start = -1
		}
		i += size
	}
	if start >= 0 {
		f(text[start:])
	}
}

// appendTokens appends the search tokens of one word written in lang.
func appendTokens(out []string, word string, lang Lang) []string {
	switch lang {
	case RU:
		return appendFolded(out, russianDocStem(word), nil)
	case EN:
		return appendFolded(out, word, englishStem)
	}
	return appendFolded(out, word, Stem)
}

// appendFolded folds s and appends its words, each through stem if set,
// cut to maxToken bytes.
func appendFolded(out []string, s string, stem func(string) string) []string {
	for _, w := range strings.Fields(Fold(s)) {
		if stem != nil {
			w = stem(w)
		}
		out = append(out, cut(w))
	}
	return out
}

// cut shortens a token to maxToken bytes, at a rune boundary.
func cut(w string) string {
	if len(w) <= maxToken {
		return w
	}
	n := maxToken
	for n > 0 && !utf8.RuneStart(w[n]) {
		n--
	}
	return w[:n]
}

// russianDocStem stems a Russian word for a document. An adjective made
// from a place name loses its -ск- as well, so "Шымкентский" is keyed as
// "Шымкент"; "Уральский" becomes "ураль", and a query for "Уральск" asks
// for both (see QueryTerms).
func russianDocStem(word string) string {
	if s, ok := surname(word); ok {
		return s
	}
	s, adj := russian.StemAdjective(word)
	if adj {
		if t, ok := strings.CutSuffix(s, "ск"); ok && utf8.RuneCountInString(t) >= 4 {
			return strings.TrimSuffix(t, "ь")
		}
	}
	return s
}

// surnameEndings are the case endings of Russian surnames in -ов, -ев,
// -ин, longest first.
var surnameEndings = []string{"ыми", "ой", "ою", "ым", "ом", "ых", "ую", "а", "у", "е", ""}

// surname returns the stem of a capitalised word that declines like a
// Russian surname (Токаев, Токаева, Токаевым; Петрова, Петровой): the
// surname in -ов/-ев/-ин, which Snowball would cut to "тока" for Токаев but
// "токаев" for Токаева. (A capitalised genitive plural at the start of a
// sentence, "Конкурсов", is kept whole too: a rare loss.)
func surname(word string) (string, bool) {
	r, size := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(r) || !isCyrillic(r) || utf8.RuneCountInString(word) < 5 {
		return "", false
	}
	if r2, _ := utf8.DecodeRuneInString(word[size:]); unicode.IsUpper(r2) {
		return "", false // all caps: an abbreviation or a heading
	}
	w := strings.ReplaceAll(strings.ToLower(word), "ё", "е")
	for _, e := range surnameEndings {
		base, ok := strings.CutSuffix(w, e)
		if !ok {
			continue
		}
		for _, s := range [...]string{"ов", "ев", "ин"} {
			if strings.HasSuffix(base, s) && utf8.RuneCountInString(base) >= 5 {
				return base, true
			}
		}
	}
	return "", false
}

// englishStem is a light English stemmer on a folded word: plural -s,
// -es, -ies (and the possessive 's, which folding joins to the word).
func englishStem(w string) string {
	n := len(w)
	switch {
	case n < 4 || !isASCIIWord(w):
		return w
	case strings.HasSuffix(w, "ies"):
		return w[:n-3] + "i"
	case strings.HasSuffix(w, "ses") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") ||
		strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "zes"):
		return w[:n-2]
	case w[n-1] == 's' && w[n-2] != 's' && w[n-2] != 'u' && w[n-2] != 'i':
		return w[:n-1]
	}
	return w
}

// Tokens returns the search tokens of a document's text (one field: a
// title, a body, a name): its language is detected (Detect), then every
// word is folded (Fold) and stemmed in that language — Kazakh with Stem,
// Russian with the Snowball Russian stemmer, English by a light plural
// strip. A Cyrillic word with a Kazakh letter is stemmed as Kazakh in any
// text. Tokens are lower-case letters and digits only (ASCII for Kazakh,
// Russian and English; other scripts' letters are kept), at most 64 bytes,
// so nothing in them is FTS5 or tsquery syntax.
func Tokens(text string) []string {
	return TokensIn(Detect(text), text)
}

// TokensIn is Tokens for a text whose language is known.
func TokensIn(lang Lang, text string) []string {
	var out []string
	eachWord(text, func(w string) bool {
		out = appendTokens(out, w, wordLang(lang, w))
		return true
	})
	return out
}

// DocumentKey is what a search column stores for a document's text: its
// Tokens joined by single spaces. For an index (FTS5 or a 'simple'
// tsvector), every token is a word.
func DocumentKey(text string) string {
	return strings.Join(Tokens(text), " ")
}

// DocumentKeyIn is DocumentKey for a text whose language is known.
func DocumentKeyIn(lang Lang, text string) string {
	return strings.Join(TokensIn(lang, text), " ")
}

// SearchKeys keys several fields of one document, each in its own
// detected language (a name in Kazakh, Russian and English), and joins
// them.
func SearchKeys(fields ...string) string {
	var out []string
	for _, f := range fields {
		out = append(out, Tokens(f)...)
	}
	return strings.Join(out, " ")
}

// SearchKey is DocumentKey. Used on a query, it keys the query as a
// document of the query's detected language; QueryTerms gives every
// reading.
func SearchKey(text string) string {
	return DocumentKey(text)
}

// QueryTerms returns, for each word of a search query (at most 16), the
// tokens it may match in documents: a query is short and its language
// uncertain, so it is stemmed for each language it may be in — Cyrillic
// without Kazakh letters as Kazakh and Russian, Latin as Kazakh (typed
// without Kazakh letters: "zhastar", "Symkent") and English — and a
// document matches a word when it has any of its tokens. Russian words
// ending in -ск also ask for the stem without it ("Уральск" finds
// "Уральский"; "Шымкентский" finds "Шымкент"). Tokens are safe as in
// Tokens; words that give none (punctuation) are left out.
func QueryTerms(q string) [][]string {
	lang := Detect(q)
	var out [][]string
	eachWord(q, func(w string) bool {
		if len(out) == maxQueryWords {
			return false
		}
		var alts []string
		for _, l := range queryLangs(lang, w) {
			alts = appendQueryTokens(alts, w, l)
		}
		// A word that folds to several (Нұр-Сұлтан is two words, but
		// "O'Brien's" one) contributes each as its own term.
		if len(alts) > 0 {
			out = append(out, dedupe(alts))
		}
		return true
	})
	return out
}

// queryLangs lists the languages a query word may be in, the query's own
// first.
func queryLangs(lang Lang, w string) []Lang {
	cyr, lat := false, false
	for _, r := range w {
		switch {
		case isKazakhLetter(r):
			return []Lang{KK}
		case isCyrillic(r):
			cyr = true
		case isKazakhLatin(r):
			return []Lang{KK}
		case r < 0x250 && unicode.IsLetter(r):
			lat = true
		}
	}
	switch {
	case cyr && lang == RU:
		return []Lang{RU, KK}
	case cyr:
		return []Lang{KK, RU}
	case lat && lang == EN:
		return []Lang{EN, KK}
	case lat:
		return []Lang{KK, EN}
	}
	return []Lang{KK}
}

// appendQueryTokens appends the tokens of a query word in lang: as a
// document's, and for Russian also the plain Snowball stem and, for a stem
// in -ск, the stem without it.
func appendQueryTokens(out []string, w string, lang Lang) []string {
	before := len(out)
	out = appendTokens(out, w, lang)
	if lang == KK && !hasCyrillic(w) && len(out) > before {
		// ш typed as a plain s on a phone: "Symkent" for Shymkent.
		for _, t := range out[len(out)-1:] {
			if strings.Count(t, "s") <= 2 {
				out = appendSh(out, t)
			}
		}
	}
	if lang == RU {
		s := russian.Stem(w)
		out = appendFolded(out, s, nil)
		if t, ok := strings.CutSuffix(s, "ск"); ok && utf8.RuneCountInString(t) >= 4 {
			out = appendFolded(out, strings.TrimSuffix(t, "ь"), nil)
		}
	}
	return out
}

func hasCyrillic(w string) bool {
	for _, r := range w {
		if isCyrillic(r) {
			return true
		}
	}
	return false
}

// appendSh appends the readings of a folded Latin word with one of its
// plain s (not sh) read as ш, stemmed again.
func appendSh(out []string, w string) []string {
	for i := 0; i < len(w); i++ {
		if w[i] == 's' && (i+1 == len(w) || w[i+1] != 'h') && (i == 0 || w[i-1] != 's') {
			out = append(out, cut(Stem(w[:i]+"sh"+w[i+1:])))
		}
	}
	return out
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, w := range s {
		seen := false
		for _, v := range s[:i] {
			if v == w {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, w)
		}
	}
	return out
}

// QueryKeys returns the readings of a query as whole keys, one for each
// language the query may be in (deduplicated): "Уральска" gives the
// Kazakh reading and the Russian one. A document matches the query when
// it matches every word of one key. QueryTerms is finer (any reading of
// each word).
func QueryKeys(q string) []string {
	lang := Detect(q)
	var keys []string
	for _, l := range []Lang{lang, KK, RU, EN} {
		var toks []string
		n := 0
		eachWord(q, func(w string) bool {
			if n == maxQueryWords {
				return false
			}
			n++
			langs := queryLangs(lang, w)
			wl := langs[0]
			for _, x := range langs {
				if x == l {
					wl = l
				}
			}
			toks = appendTokens(toks, w, wl)
			return true
		})
		if k := strings.Join(toks, " "); k != "" && !contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func contains(s []string, w string) bool {
	for _, v := range s {
		if v == w {
			return true
		}
	}
	return false
}
