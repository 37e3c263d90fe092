package kazakh

import (
	"unicode"
	"unicode/utf8"
)

// Fold returns the search key of s: lower case, Cyrillic transliterated, and
// every way people write Kazakh in Latin letters — the 2021 alphabet, the
// 2018 one with acute accents and sh, ch digraphs, Russian-style and
// plain-ASCII spellings — reduced to one ASCII spelling, so that "Шымкент", "Şymkent",
// "Shymkent", "Shimkent" and "ŞYMKENT" all give "shimkent". Letters and
// digits are kept; everything else becomes a single space between words.
//
// The key is for comparing, not for showing: it merges sounds on purpose
// (ы, і and и all become i; қ, к and х all become k). The rules are listed in
// docs/decisions/0002-kazakh-latin.md.
func Fold(s string) string {
	var scratch [512]byte
	return string(fold(scratch[:0], s))
}

// fold appends the search key of s to the empty slice dst.
func fold(dst []byte, s string) []byte {
	return respell(appendLetters(dst, s))
}

// foldCyrillic is the first stage of folding for each lower-case Cyrillic
// letter. It is the Latin fold of ToLatin's spelling, except ё, which becomes
// e as Russian writers (and ICAO passport spellings) usually treat it. х and
// һ are written h, as ToLatin does, and respell reads h the same way whatever
// the script: after с, з, к/қ or г/ғ it is part of a digraph (асхана →
// "ashana", the 2021 spelling, which has no way to tell с+х from ш), elsewhere
// it becomes k.
var foldCyrillic = map[rune]string{
	'а': "a", 'ә': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "g", 'д': "d",
	'е': "e", 'ё': "e", 'ж': "j", 'з': "z", 'и': "i", 'й': "i", 'к': "k",
	'қ': "k", 'л': "l", 'м': "m", 'н': "n", 'ң': "n", 'о': "o", 'ө': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "u", 'ү': "u",
	'ф': "f", 'х': "h", 'һ': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sh",
	'ъ': "", 'ы': "i", 'і': "i", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	// Letters of neighbouring alphabets that turn up in names.
	'є': "e", 'ї': "i", 'ґ': "g", 'ў': "u",
}

// foldLatin is the first stage of folding for lower-case Latin letters with
// diacritics. Kazakh meanings win where they differ from other languages:
// ý is the 2018 spelling of у, so it becomes u, not y.
var foldLatin = map[string]string{
	"àáâãäåāăąǎ": "a", "æ": "ae", "çč": "ch", "ćĉċ": "c", "ďđð": "d",
	"èéêëēĕėęě": "e", "ĝğġģǧǵ": "g", "ĥħ": "h", "ìíîïĩīĭįıǐ": "i", "ĵ": "j",
	"ķĸ": "k", "ĺļľŀł": "l", "ñńņňŉŋ": "n", "òóôõöøōŏőǒ": "o", "œ": "oe",
	"ŕŗř": "r", "śŝşšș": "sh", "ß": "ss", "ţťŧț": "t", "ùúûüũūŭůűųǔǖǘǚǜ": "u",
	"ý": "u", "ŵ": "w", "ÿŷ": "y", "źż": "z", "ž": "zh",
}

// foldEntry is the first-stage spelling of one rune; ok distinguishes the
// letters that are dropped (ъ, ь) from runes the table does not cover.
type foldEntry struct {
	s  string
	ok bool
}

var (
	// cyrillicFolds covers U+0400–U+04FF, both cases.
	cyrillicFolds = func() (t [0x100]foldEntry) {
		for r, s := range foldCyrillic {
			t[r-0x400] = foldEntry{s, true}
			t[unicode.ToUpper(r)-0x400] = foldEntry{s, true}
		}
		return t
	}()
	// latinFolds covers lower-case Latin up to U+024F.
	latinFolds = func() (t [0x250]foldEntry) {
		for from, s := range foldLatin {
			for _, r := range from {
				t[r] = foldEntry{s, true}
			}
		}
		for c := 'a'; c <= 'z'; c++ {
			t[c] = foldEntry{string(c), true}
		}
		t['q'] = foldEntry{"k", true} // қ
		return t
	}()
)

// isApostrophe reports whether r is one of the marks used as an apostrophe.
// Inside a word it is dropped rather than splitting the word, so "Gor'kiy"
// meets "Горький" and "O'Brien" stays one word.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u00B4', '\u02BB', '\u02BC', '\u2018', '\u2019':
		return true
	}
	return false
}

// appendLetters is the first folding stage: it lower-cases s, spells every
// letter with ASCII letters (keeping runes of other scripts), and turns runs
// of non-letters into single spaces.
func appendLetters(b []byte, s string) []byte {
	start := len(b)
	space := false // a word break is pending
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		inWord := !space && len(b) > start
		var spelling string // what to write, unless keep
		keep := false       // write r itself
		switch {
		case r >= 0x400 && r < 0x500 && cyrillicFolds[r-0x400].ok:
			spelling = cyrillicFolds[r-0x400].s
		case r >= '0' && r <= '9':
			spelling = s[i-1 : i]
		case isApostrophe(r):
			if next, _ := utf8.DecodeRuneInString(s[i:]); !inWord || !unicode.IsLetter(next) {
				space = true
			}
		case unicode.IsLetter(r):
			r = unicode.ToLower(r)
			if r < 0x250 && latinFolds[r].ok {
				spelling = latinFolds[r].s
			} else {
				keep = true
			}
		case unicode.IsDigit(r):
			keep = true
		case unicode.Is(unicode.Mn, r):
			// A decomposed letter: the base letter is already written and
			// the mark is dropped, except a cedilla or caron on s, c or z,
			// which turns it into the digraph the precomposed letter gets.
			if (r == '\u0327' || r == '\u030C') && inWord {
				switch b[len(b)-1] {
				case 's', 'c', 'z':
					b = append(b, 'h')
				}
			}
		default:
			space = true
		}
		if spelling == "" && !keep {
			continue
		}
		if space {
			if len(b) > start {
				b = append(b, ' ')
			}
			space = false
		}
		if keep {
			b = utf8.AppendRune(b, r)
		} else {
			b = append(b, spelling...)
		}
	}
	return b
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// respell is the second folding stage, in place: it reduces the Latin
// spellings of one sound to one.
//
//	sh, ch       kept (ş, ш, š → sh; ç, ч → ch); щ as "shch" or "şş" → sh;
//	             с+х as "skh" → sh, as the 2021 spelling reads it (Askhat = Ashat)
//	zh → j       ж, as in Zhambyl / Jambyl
//	kh, h → k    х and һ, which Kazakh speech merges with қ: Kazakhstan /
//	             Qazaqstan / Қазақстан, Rukhy / Ruhy / Рухы
//	gh → g       ғ
//	ng → n       ң typed as ng, at the end of a word only ("-nyng" of the
//	             genitive); inside a word ng is н+г/ғ: Otanga / Отанға
//	y → i        ы and й: Shymkent / Shimkent, Kostanay / Qostanai
//	ye → e       at the start of a word or after a vowel, the Russian-style
//	             spelling of е: Yerlan / Ерлан, Tokayev / Тоқаев
//	w → u        у in the 2019 draft alphabet
//	ii → i, ss → s   Дмитрий / Dmitriy / Dmitri, Kassym / Қасым
func respell(b []byte) []byte {
	w, word := 0, 0 // write position; where the current word starts in the output
	for r := 0; r < len(b); r++ {
		c := b[r]
		var next byte
		if r+1 < len(b) {
			next = b[r+1]
		}
		switch c {
		case ' ':
			word = w + 1
		case 's', 'c':
			if c == 's' && next == 'k' && r+2 < len(b) && b[r+2] == 'h' {
				// skh: с+х in Russian-style spelling (Askhat = Асхат = Ashat).
				r++
				next = 'h'
			}
			if next == 'h' {
				r++
				if w-word >= 2 && b[w-2] == 's' && b[w-1] == 'h' {
					continue
				}
				b[w], b[w+1] = c, 'h'
				w += 2
				continue
			}
			if c == 's' && w > word && b[w-1] == 's' {
				continue
			}
		case 'z':
			if next == 'h' {
				r++
				c = 'j'
			}
		case 'k', 'g':
			if next == 'h' {
				r++
			}
		case 'n':
			if next == 'g' && (r+2 == len(b) || b[r+2] == ' ') {
				r++
			}
		case 'h':
			c = 'k'
		case 'y':
			if next == 'e' && (w == word || isVowel(b[w-1])) {
				continue
			}
			c = 'i'
		case 'w':
			c = 'u'
		}
		if c == 'i' && w > word && b[w-1] == 'i' {
			continue
		}
		b[w] = c
		w++
	}
	return b[:w]
}

// OnlyMatch is which of names a typed name q means, when it means one: the
// only name (more: there were more matches than names), or the only one
// equal to q once both are folded. ok is false when q leaves a choice.
// Pickers that take a person by name (a course's teachers and learners, a
// competition's judges) share this rule.
func OnlyMatch(names []string, more bool, q string) (i int, ok bool) {
	if len(names) == 1 && !more {
		return 0, true
	}
	key, found := Fold(q), -1
	for j, n := range names {
		if Fold(n) == key {
			if found >= 0 {
				return 0, false
			}
			found = j
		}
	}
	return max(found, 0), found >= 0
}
