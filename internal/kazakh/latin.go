// Package kazakh handles Kazakh text: transliteration from Cyrillic to the
// official 2021 Latin alphabet (ToLatin), the folding of every spelling to
// one key (Fold), and the keys search stores and asks for, in Kazakh,
// Russian and English:
//
//   - Tokens / DocumentKey (TokensIn, DocumentKeyIn, SearchKeys): a
//     document field, language detected (Detect), folded and stemmed once —
//     Kazakh by Stem, Russian by internal/russian, English by a plural strip.
//   - QueryTerms / QueryKeys: a query, each word stemmed for every language
//     it may be in; a document matches a word when it has any of its tokens.
//   - SearchKey: DocumentKey, as orgs and proposals use it.
//   - KeyVersion: changes when stored keys would; stores recompute theirs.
//
// Tokens are lower-case letters and digits, at most 64 bytes: safe in FTS5
// and tsquery. The choices are recorded in docs/decisions/0002-kazakh-latin.md
// and 0070-kazakh-search.md.
package kazakh

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cyrillicLatin is the lower-case Latin spelling of every lower-case letter
// of the Kazakh Cyrillic alphabet: the 2021 alphabet for the Kazakh letters,
// and our own decision (see the ADR) for the letters used only in Russian
// loanwords, which the 2021 alphabet has no letters for.
var cyrillicLatin = map[rune]string{
	'а': "a", 'ә': "ä", 'б': "b", 'в': "v", 'г': "g", 'ғ': "ğ", 'д': "d",
	'е': "e", 'ж': "j", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'қ': "q",
	'л': "l", 'м': "m", 'н': "n", 'ң': "ñ", 'о': "o", 'ө': "ö", 'п': "p",
	'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "ū", 'ү': "ü", 'ф': "f",
	'х': "h", 'һ': "h", 'ш': "ş", 'ы': "y", 'і': "ı",
	// Russian-only letters.
	'ё': "io", 'ц': "ts", 'ч': "ch", 'щ': "şş", 'ъ': "", 'ь': "", 'э': "e",
	'ю': "iu", 'я': "ia",
}

// latinLetter is how one Cyrillic letter is written in Latin.
type latinLetter struct {
	known bool
	// s is the spelling, unless title is set.
	s string
	// title and caps are set for an upper-case letter whose spelling has more
	// than one letter: which one applies depends on the neighbouring letters
	// ("Щучинск" → "Şşuchinsk", "ЩУЧИНСК" → "ŞŞUCHİNSK").
	title, caps string
}

// latinTable covers the Cyrillic block U+0400–U+04FF, which holds every
// Kazakh and Russian letter.
var latinTable = func() (t [0x100]latinLetter) {
	for lower, lat := range cyrillicLatin {
		t[lower-0x400] = latinLetter{known: true, s: lat}
		upper := &t[unicode.ToUpper(lower)-0x400]
		caps := upperLatin(lat)
		if utf8.RuneCountInString(lat) <= 1 {
			*upper = latinLetter{known: true, s: caps}
			continue
		}
		_, nc := utf8.DecodeRuneInString(caps)
		_, nl := utf8.DecodeRuneInString(lat)
		*upper = latinLetter{known: true, title: caps[:nc] + lat[nl:], caps: caps}
	}
	return t
}()

// upperLatin upper-cases a Latin spelling with the case pairs of the 2021
// alphabet, which follows Turkish here: i ↔ İ (и, й) and ı ↔ I (і).
func upperLatin(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 'i':
			b.WriteRune('İ')
		case 'ı':
			b.WriteRune('I')
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// isCyrillicLead reports whether c starts the UTF-8 encoding of a rune in
// U+0400–U+04FF. Continuation bytes are 0x80–0xBF, so a byte scan cannot
// mistake the middle of another rune for one.
func isCyrillicLead(c byte) bool { return c >= 0xD0 && c <= 0xD3 }

// ToLatin transliterates Kazakh Cyrillic to the official 2021 Latin alphabet
// ("Қазақстан Республикасы" → "Qazaqstan Respublikasy"). Case is kept,
// including for letters written with two Latin letters ("Щ" → "Şş" in a
// capitalised word, "ŞŞ" in an all-caps one). Everything that is not a
// Kazakh or Russian Cyrillic letter, including placeholders such as {name}
// and %s, is copied unchanged; text without Cyrillic is returned as is,
// without allocating.
func ToLatin(s string) string {
	i := 0
	for i < len(s) && !isCyrillicLead(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	// Most letters keep their byte length (2 in Cyrillic, 1 or 2 in Latin);
	// only щ grows, so a little slack usually avoids a second allocation.
	b.Grow(len(s) + 8)
	done := 0 // s[:done] is written or about to be copied in one piece
	for i < len(s) {
		if !isCyrillicLead(s[i]) {
			i++
			continue
		}
		// A two-byte sequence; decoded by hand, as this is the hot path.
		if i+1 == len(s) || s[i+1]&0xC0 != 0x80 {
			i++ // invalid UTF-8: copied as is
			continue
		}
		r, size := rune(s[i]&0x1F)<<6|rune(s[i+1]&0x3F), 2
		if !latinTable[r-0x400].known {
			i += size
			continue
		}
		if done < i {
			b.WriteString(s[done:i])
		}
		l := &latinTable[r-0x400]
		switch {
		case l.title == "":
			b.WriteString(l.s)
		case allCaps(s[:i], s[i+size:]):
			b.WriteString(l.caps)
		default:
			b.WriteString(l.title)
		}
		i += size
		done = i
	}
	b.WriteString(s[done:])
	return b.String()
}

// allCaps reports whether an upper-case letter between before and after is
// part of an all-caps word: the next letter is upper case, or, at the end of
// a word, the previous one is.
func allCaps(before, after string) bool {
	if next, _ := utf8.DecodeRuneInString(after); unicode.IsLetter(next) {
		return unicode.IsUpper(next)
	}
	prev, _ := utf8.DecodeLastRuneInString(before)
	return unicode.IsUpper(prev)
}
