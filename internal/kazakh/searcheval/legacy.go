package searcheval

// This file keeps the Kazakh stemmer as it was before issue 17 (commit
// af02937, internal/kazakh/stem.go), unchanged except for its package, so
// the evaluation can compare it with today's. It runs over today's
// kazakh.Fold; Fold changed only for с+х (асхана) since.

import (
	"strings"

	"github.com/ortaq/ortaq/internal/kazakh"
)

// LegacyKey is SearchKey as it was: Fold, then the old suffix stripper on
// every word.
func LegacyKey(text string) []string {
	words := strings.Fields(kazakh.Fold(text))
	for i, w := range words {
		n, last := stemLen(w)
		if n == 0 {
			continue
		}
		words[i] = w[:n-1] + string(last)
	}
	return words
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// minStem is the shortest stem Stem leaves: "жас" of "жастар", "ұйым" (uim)
// of "ұйымдар".
const minStem = 3

// What a suffix may follow, by the last letter of what remains.
const (
	afterAny = iota
	afterVowel
	afterConsonant
)

type suffix struct {
	s     string
	after int
}

// suffixes are the inflectional endings Stem strips, in folded spelling (ы, і
// → i; ң → n; қ, к → k; ғ → g). Vowel-harmony and voicing pairs fold to
// separate spellings and are all listed.
//
// A constraint on the preceding letter keeps apart endings that a stem can
// look like: "саясаты" is саясат + ы (its policy), not саяса + ты, because
// the accusative -ты only follows a consonant. Some cuts stay ambiguous:
// "ауданы" is аудан+ы (its district) but could be ауда+ны, and "кеңесі" is
// кеңес+і but could be кеңе+сі, like "мүшесі" (мүше+сі). So a final n or s
// after a vowel is stripped too, and every form meets whichever way it is
// cut: "аудан", "ауданы" and "ауданда" all give "auda".
var suffixes = []suffix{
	// Plural.
	{"lar", afterAny}, {"ler", afterAny},
	{"dar", afterConsonant}, {"der", afterConsonant},
	{"tar", afterConsonant}, {"ter", afterConsonant},
	// Stems ending in n or s: see above.
	{"n", afterVowel}, {"s", afterVowel},
	// Possessive.
	{"i", afterConsonant}, {"si", afterVowel}, {"im", afterConsonant},
	{"imiz", afterConsonant}, {"miz", afterVowel}, {"iniz", afterConsonant}, {"niz", afterVowel},
	// Genitive.
	{"nin", afterAny}, {"din", afterConsonant}, {"tin", afterConsonant},
	// Dative, also after the third-person possessive (-ына, -сына).
	{"ga", afterAny}, {"ge", afterAny}, {"ka", afterAny}, {"ke", afterAny},
	{"ina", afterAny}, {"ine", afterAny}, {"sina", afterVowel}, {"sine", afterVowel},
	// Accusative.
	{"ni", afterVowel}, {"di", afterConsonant}, {"ti", afterConsonant},
	// Locative, also after the third-person possessive, and -дағы.
	{"da", afterAny}, {"de", afterAny}, {"ta", afterAny}, {"te", afterAny},
	{"inda", afterAny}, {"inde", afterAny}, {"sinda", afterVowel}, {"sinde", afterVowel},
	{"dagi", afterAny}, {"degi", afterAny}, {"tagi", afterAny}, {"tegi", afterAny},
	// Relational -ғы/-гі/-қы/-кі (жылғы, бүгінгі). Not after a vowel, where
	// gi is a voiced k-stem with the possessive: жүрек → жүрегі.
	{"gi", afterConsonant}, {"ki", afterConsonant},
	// Ablative.
	{"dan", afterAny}, {"den", afterAny}, {"tan", afterAny}, {"ten", afterAny},
	{"nan", afterAny}, {"nen", afterAny},
	// Instrumental.
	{"men", afterAny}, {"ben", afterAny}, {"pen", afterAny},
	// Russian endings that Kazakh words do not have: surnames (-ов, -ева)
	// and a few case endings. Endings a Kazakh word can have (-а, -е, -у)
	// are left alone.
	{"ov", afterAny}, {"ev", afterAny}, {"ova", afterAny}, {"eva", afterAny},
	{"om", afterAny}, {"oi", afterAny}, {"ami", afterAny},
	{"ogo", afterAny}, {"ego", afterAny}, {"omu", afterAny}, {"emu", afterAny},
}

// suffixesByLast groups suffixes by their last letter, longest first, so that
// Stem tries only the few that can match and prefers the longest.
var suffixesByLast = func() (t [256][]suffix) {
	for _, s := range suffixes {
		t[s.s[len(s.s)-1]] = append(t[s.s[len(s.s)-1]], s)
	}
	for i := range t {
		g := t[i]
		for j := 1; j < len(g); j++ { // insertion sort: the groups are tiny
			for k := j; k > 0 && len(g[k].s) > len(g[k-1].s); k-- {
				g[k], g[k-1] = g[k-1], g[k]
			}
		}
	}
	return t
}()

// follows reports whether a suffix with the constraint after may follow the
// letter c.
func follows(c byte, after int) bool {
	switch after {
	case afterVowel:
		return isVowel(c)
	case afterConsonant:
		return !isVowel(c)
	}
	return true
}

// stemLen returns the length of the stem of the folded word w and the letter
// that ends it after voicing is undone. It takes bytes too, so SearchKey can
// stem in place without converting each word to a string.
func stemLen[S string | []byte](w S) (int, byte) {
	n := len(w)
	if n == 0 {
		return 0, 0
	}
	for n > minStem {
		// ң typed as ng, once a suffix is gone: "mitingte" → "miting"; Fold
		// does the same at the end of a word.
		if w[n-1] == 'g' && w[n-2] == 'n' {
			n--
			continue
		}
		cut := 0
		for _, s := range suffixesByLast[w[n-1]] {
			rest := n - len(s.s)
			if rest < minStem || string(w[rest:n]) != s.s {
				continue
			}
			if !follows(w[rest-1], s.after) {
				continue
			}
			cut = len(s.s)
			break
		}
		if cut == 0 {
			break
		}
		n -= cut
	}
	// A suffix starting with a vowel voices the stem's last consonant:
	// мектеп → мектебі, тарақ → тарағы, жүрек → жүрегі.
	last := w[n-1]
	switch last {
	case 'b':
		last = 'p'
	case 'g':
		last = 'k'
	}
	return n, last
}
