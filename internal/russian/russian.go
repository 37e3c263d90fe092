// Package russian is a Russian stemmer: our Go implementation of the
// Snowball Russian algorithm (M. F. Porter, https://snowballstem.org/
// algorithms/russian/stemmer.html, published under the BSD licence). It
// turns "школам", "школы" and "школой" into "школ", "Уральска" into
// "уральск".
//
// The algorithm strips, within the part of the word after its first vowel
// (RV): a perfective gerund, or else a reflexive ending followed by an
// adjectival, verb or noun ending; then a final и; then -ост(ь) in R2;
// then it undoubles нн, removes a superlative -ейш(е), or a final ь.
package russian

import (
	"unicode"
	"unicode/utf8"
)

// maxWord is the longest word stemmed; longer ones are returned lower-cased.
const maxWord = 48

func isVowel(r rune) bool {
	switch r {
	case 'а', 'е', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я':
		return true
	}
	return false
}

// endings is a list of endings, each rune-reversed for matching from the
// end; group1 endings must follow а or я (which stays).
type endings struct {
	group1, group2 [][]rune
}

func list(s ...string) [][]rune {
	out := make([][]rune, len(s))
	for i, e := range s {
		out[i] = []rune(e)
	}
	return out
}

var (
	perfectiveGerund = endings{
		group1: list("в", "вши", "вшись"),
		group2: list("ив", "ивши", "ившись", "ыв", "ывши", "ывшись"),
	}
	adjective = endings{group2: list("ее", "ие", "ые", "ое", "ими", "ыми", "ей", "ий", "ый", "ой",
		"ем", "им", "ым", "ом", "его", "ого", "ему", "ому", "их", "ых", "ую", "юю", "ая", "яя", "ою", "ею")}
	participle = endings{
		group1: list("ем", "нн", "вш", "ющ", "щ"),
		group2: list("ивш", "ывш", "ующ"),
	}
	reflexive = endings{group2: list("ся", "сь")}
	verb      = endings{
		group1: list("ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны",
			"ть", "ешь", "нно"),
		group2: list("ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил", "ыл",
			"им", "ым", "ен", "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить", "ыть",
			"ишь", "ую", "ю"),
	}
	noun = endings{group2: list("а", "ев", "ов", "ие", "ье", "е", "иями", "ями", "ами", "еи", "ии", "и",
		"ией", "ей", "ой", "ий", "й", "иям", "ям", "ием", "ем", "ам", "ом", "о", "у", "ах", "иях", "ях",
		"ы", "ь", "ию", "ью", "ю", "ия", "ья", "я")}
	derivational = endings{group2: list("ост", "ость")}
)

func hasSuffix(w, e []rune) bool {
	if len(e) > len(w) || len(e) > 0 && w[len(w)-1] != e[len(e)-1] {
		return false
	}
	for i := range e {
		if w[len(w)-len(e)+i] != e[i] {
			return false
		}
	}
	return true
}

// strip removes the longest ending of es that lies in w[limit:], as
// Snowball's among does: if that longest ending is of group 1 and does not
// follow а or я inside the region, nothing is removed. It returns the new
// word and whether an ending was removed.
func strip(w []rune, limit int, es endings) ([]rune, bool) {
	var best []rune
	group1 := false
	for gi, g := range [2][][]rune{es.group1, es.group2} {
		for _, e := range g {
			if len(e) > len(best) && len(w)-len(e) >= limit && hasSuffix(w, e) {
				best, group1 = e, gi == 0
			}
		}
	}
	if best == nil {
		return w, false
	}
	rest := len(w) - len(best)
	if group1 {
		if rest-1 < limit || w[rest-1] != 'а' && w[rest-1] != 'я' {
			return w, false
		}
	}
	return w[:rest], true
}

// regions returns the start of RV and R2.
func regions(w []rune) (rv, r2 int) {
	rv = len(w)
	for i, r := range w {
		if isVowel(r) {
			rv = i + 1
			break
		}
	}
	r1 := len(w)
	for i := 1; i < len(w); i++ {
		if !isVowel(w[i]) && isVowel(w[i-1]) {
			r1 = i + 1
			break
		}
	}
	r2 = len(w)
	for i := r1 + 1; i < len(w); i++ {
		if !isVowel(w[i]) && isVowel(w[i-1]) {
			r2 = i + 1
			break
		}
	}
	return rv, r2
}

// Stem returns the stem of a Russian word, lower-cased (ё as е). Words that
// are not Cyrillic letters come back lower-cased and otherwise unchanged.
func Stem(word string) string {
	s, _ := StemAdjective(word)
	return s
}

// StemAdjective is Stem, and reports whether the ending it removed was an
// adjective's (школьный, Шымкентского), which lets a caller treat
// place-name adjectives like the place.
func StemAdjective(word string) (string, bool) {
	var buf [maxWord]rune
	w := buf[:0]
	for _, r := range word {
		if len(w) == maxWord {
			return lower(word), false
		}
		r = unicode.ToLower(r)
		if r == 'ё' {
			r = 'е'
		}
		w = append(w, r)
	}
	rv, r2 := regions(w)

	// Step 1.
	adj := false
	if s, ok := strip(w, rv, perfectiveGerund); ok {
		w = s
	} else {
		w, _ = strip(w, rv, reflexive)
		if s, ok := strip(w, rv, adjective); ok {
			w, adj = s, true
			w, _ = strip(w, rv, participle)
		} else if s, ok := strip(w, rv, verb); ok {
			w = s
		} else {
			w, _ = strip(w, rv, noun)
		}
	}
	// Step 2.
	if len(w) > rv && w[len(w)-1] == 'и' {
		w = w[:len(w)-1]
	}
	// Step 3.
	if r2 < rv {
		r2 = rv
	}
	w, _ = strip(w, r2, derivational)
	// Step 4.
	n := len(w)
	switch {
	case n-4 >= rv && hasSuffix(w, superlative4):
		w = undoubleN(w[:n-4], rv)
	case n-3 >= rv && hasSuffix(w, superlative4[:3]):
		w = undoubleN(w[:n-3], rv)
	case n-2 >= rv && w[n-1] == 'н' && w[n-2] == 'н':
		w = w[:n-1]
	case n-1 >= rv && n > 0 && w[n-1] == 'ь':
		w = w[:n-1]
	}
	return string(w), adj
}

var superlative4 = []rune("ейше")

func undoubleN(w []rune, rv int) []rune {
	if n := len(w); n-2 >= rv && w[n-1] == 'н' && w[n-2] == 'н' {
		return w[:n-1]
	}
	return w
}

func lower(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r == 'ё' {
			r = 'е'
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}
