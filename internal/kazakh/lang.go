package kazakh

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lang is the language of a text, as far as search is concerned.
type Lang uint8

const (
	// KK is Kazakh, in Cyrillic or Latin letters.
	KK Lang = iota + 1
	// RU is Russian.
	RU
	// EN is English (and any other Latin-script text that is not Kazakh).
	EN
)

func (l Lang) String() string {
	switch l {
	case KK:
		return "kk"
	case RU:
		return "ru"
	case EN:
		return "en"
	}
	return "unknown"
}

// isKazakhLetter reports whether r is one of the Cyrillic letters Kazakh has
// and Russian has not: ә ғ қ ң ө ұ ү һ і.
func isKazakhLetter(r rune) bool {
	switch unicode.ToLower(r) {
	case 'ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і':
		return true
	}
	return false
}

// isKazakhLatin reports whether r is a letter of the 2021 or 2018 Kazakh
// Latin alphabets that English does not use.
func isKazakhLatin(r rune) bool {
	switch unicode.ToLower(r) {
	case 'ä', 'ğ', 'ñ', 'ö', 'ū', 'ü', 'ş', 'ı', 'á', 'ǵ', 'ń', 'ó', 'ú', 'ý', 'q':
		return true
	}
	return false
}

func isCyrillic(r rune) bool { return r >= 0x400 && r < 0x530 }

// Stop words: frequent words that tell the language of a text.
var (
	stopKK = wordSet("және мен бен пен үшін туралы бойынша арқылы бұл осы сол ол бір да де та те " +
		"жылы жыл ретінде болып болды болады еді деп дейін кейін бар жоқ емес тиіс керек қажет " +
		"барлық әр өз біз сіз олар оның олардың мұнда онда қазір бүгін жаңа үлкен көп")
	stopRU = wordSet("и в во на с со по для не что из к от о об за это как а но же при до у мы вы " +
		"они он она его их был была было были будет быть также который которые которая того этого " +
		"года году город области района все всех или так только уже еще более после через между")
	stopEN = wordSet("the and of to in for is on with by at from as an be are was were this that " +
		"will it its or not all our we you your their youth council city region district")
	stopKKLatin = wordSet("jane jäne men ben pen ushin üşin üshin turaly boiynsha boiynşa arqyly " +
		"bul osy sol ol bir jyly retinde bolyp boldy bolady dep keiin bar joq emes")
	// Word endings that are Russian and not Kazakh.
	endRU = []string{"ый", "ий", "ой", "ая", "ое", "ые", "ого", "ему", "ому", "ых", "ими", "ыми",
		"ов", "ев", "ом", "ами", "ями", "ах", "ях", "ция", "ции", "ние", "ния", "ть", "ться", "ется", "ются"}
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// signals counts what tells the languages apart in a text.
type signals struct {
	cyrillic, latin  int // letters
	kkLetters, kkLat int // letters only Kazakh has (Cyrillic, Latin)
	ruOnly           int // ё ъ ь э щ
	stopKK, stopRU   int
	stopEN, stopKKL  int
	endRU, endKKL    int // words with Russian endings; Latin words with Kazakh ones
}

// maxDetect bounds how much of a text Detect reads.
const maxDetect = 4096

func (s *signals) word(w string) {
	if w == "" {
		return
	}
	lw := strings.ToLower(w)
	s.stopKK += b2i(stopKK[lw])
	s.stopRU += b2i(stopRU[lw])
	s.stopEN += b2i(stopEN[lw])
	s.stopKKL += b2i(stopKKLatin[lw])
	if utf8.RuneCountInString(lw) < 4 {
		return
	}
	r, _ := utf8.DecodeRuneInString(lw)
	if isCyrillic(r) {
		for _, e := range endRU {
			if strings.HasSuffix(lw, e) {
				s.endRU++
				break
			}
		}
		return
	}
	f := Fold(lw)
	for _, e := range [...]string{"lar", "ler", "dar", "der", "tar", "ter", "nin", "din", "tin", "dagi", "degi", "si", "ga", "ge"} {
		if strings.HasSuffix(f, e) {
			s.endKKL++
			break
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scan(text string) signals {
	var s signals
	if len(text) > maxDetect {
		text = text[:maxDetect]
	}
	start := -1
	for i, r := range text {
		letter := unicode.IsLetter(r)
		switch {
		case !letter:
		case isCyrillic(r):
			s.cyrillic++
			if isKazakhLetter(r) {
				s.kkLetters++
			}
			switch unicode.ToLower(r) {
			case 'ё', 'ъ', 'ь', 'э', 'щ':
				s.ruOnly++
			}
		case r < 0x250:
			s.latin++
			if isKazakhLatin(r) {
				s.kkLat++
			}
		}
		if letter || start >= 0 && isApostrophe(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			s.word(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		s.word(text[start:])
	}
	return s
}

// Detect returns the language of a text — one field: a title, a body, a
// name. Cyrillic text is Kazakh when it has letters only Kazakh has (ә ғ қ
// ң ө ұ ү һ і) in proportion, or more Kazakh than Russian stop words; it is
// Russian on Russian stop words, endings (-ый, -ого, -ция) and letters
// (ь, ё, щ); without any of these it is taken as Kazakh. Latin text is
// Kazakh on letters of the Kazakh Latin alphabets (ä ğ ñ ū ş ı q, á ǵ ń),
// Kazakh stop words ("jäne", "ushin") and endings (-lar, -dyñ), English on
// English stop words; when nothing tells, Latin text is taken as Kazakh
// typed without Kazakh letters (a name, "Jastar Ruhy"), which the Kazakh
// stemmer leaves alone when it is English. Only the first 4 KB
// are read.
func Detect(text string) Lang {
	return scan(text).lang()
}

func (s signals) lang() Lang {
	if s.cyrillic == 0 && s.latin == 0 {
		return KK
	}
	if s.cyrillic >= s.latin {
		kk := 3*s.stopKK + 80*s.kkLetters/max(s.cyrillic, 1)
		ru := 3*s.stopRU + 2*s.endRU + s.ruOnly
		if s.kkLetters > 0 && s.cyrillic < 40 {
			kk += 4 // a short text with a Kazakh letter: a name, a title
		}
		if ru > kk {
			return RU
		}
		return KK
	}
	kk := 3*s.kkLat + 3*s.stopKKL + s.endKKL
	en := 3 * s.stopEN
	if en > kk {
		return EN
	}
	return KK
}

// wordLang returns the language to stem one word of a text in lang with:
// a Cyrillic word with a Kazakh letter is Kazakh whatever the text; a Latin
// word in Cyrillic text is English (a brand, a term); otherwise the text's.
func wordLang(lang Lang, word string) Lang {
	cyr, lat := false, false
	for _, r := range word {
		switch {
		case isKazakhLetter(r):
			return KK
		case isCyrillic(r):
			cyr = true
		case r < 0x250 && unicode.IsLetter(r):
			lat = true
		}
	}
	switch {
	case cyr && lang == EN:
		return KK
	case lat && !cyr && lang == RU:
		return EN
	}
	return lang
}
