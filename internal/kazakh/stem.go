package kazakh

// The Kazakh stemmer works on folded words (Fold's alphabet: a e i o u and
// ASCII consonants, sh and ch), so that every spelling of a word — Cyrillic,
// 2021 or 2018 Latin, plain ASCII — is stemmed alike. Folding loses some of
// what Kazakh grammar looks at (ы/і, а/ә, қ/к are merged), but keeps what
// chooses a suffix's form: whether the stem ends in a vowel, a sonorant, a
// voiced or a voiceless consonant.
//
// A word is stemmed in two steps:
//
//  1. Analysis. Every way of reading the word as a known stem followed by a
//     valid chain of suffixes is found (analyses): suffixes are stripped
//     from the right in the order Kazakh puts them on — person, case,
//     -дағы, possessive, plural, derivation, then for verbs a verbal noun
//     or participle, tense, negation and voice — each form only after the
//     letters it follows (-дың after р/л/з/ж/й/у, -тың after a voiceless
//     consonant …). A stem counts as known when it is in the lexicon
//     (lexicon.txt), also after undoing what a vowel-initial suffix does to
//     it: voicing (мектебі → мектеп, жүрегі → жүрек), a dropped vowel
//     (халқы → халық, аузы → ауыз), or a verb's final ы/і (оқу → оқы).
//     The analysis with the fewest suffixes wins, so a word that is itself
//     in the lexicon is never cut (басқа, қысқа, жылқы, білім, аудан stay
//     whole), and the lexicon decides between readings (ауданы is аудан+ы,
//     not ауда+ны).
//  2. Rules, for words whose stem is not in the lexicon (names, rare words,
//     new loanwords): inflectional suffixes are stripped from the right,
//     longest first, to a fixed point, never leaving fewer than three
//     letters. Iterating is what makes the forms of an unknown word meet:
//     Stem(w + suffix) reaches w and then continues exactly like Stem(w).
//     Where a cut stays ambiguous (марафоны = марафон+ы or марафо+ны) a
//     final n or s after a vowel is stripped too, so every form lands on the
//     same key, whichever way it is cut.

// Layers of suffixes, in the order they are stripped (right to left). A
// suffix of layer L may be stripped while the analysis is at a layer ≤ L
// (see allowed); nominal layers come first, then the verbal ones.
const (
	lEnd   = iota // nothing stripped yet
	lPred         // predicative person: студентпін, мұғаліммін
	lCase         // case, and possessive+case in one piece: -ына, -ында
	lRel          // -дағы, -ғы, -нікі, -дай
	lPx           // possessive, and plural+possessive -лары
	lPl           // plural
	lDer          // derivation: -лық, -шы, -сыз, -лы
	lVN           // verbal noun and participles: -у, -ған, -атын, -мақ, -ушы
	lPers         // person of a finite verb
	lTense        // tense: -ды, -ады, -ып, -са, -сын
	lNeg          // negation -ма
	lVoice        // passive, causative, reciprocal (repeatable)
)

// Classes of a stem's last letter, which decide what may follow it.
const (
	cA = 1 << iota // a e o: vowels only
	cI             // i: ы і и, and й
	cU             // u: ұ ү, and у
	cR             // р
	cL             // л
	cZ             // з ж
	cN             // м н ң
	cT             // voiceless consonants, and б в г д, which are devoiced at the end
)

const (
	cV      = cA | cI | cU // ends in a vowel (or a glide й, у, which fold to i, u)
	cG      = cI | cU      // may end in a glide й, у, which take consonant forms
	cC      = cR | cL | cZ | cN | cT
	cVoiced = cV | cR | cL | cZ | cN
	cSon    = cR | cL | cZ | cG // take the д- forms of genitive and ablative
	cAny    = cV | cC
)

var letterClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		t[c] = cT
	}
	for _, c := range "aeo" {
		t[c] = cA
	}
	t['i'], t['u'], t['r'], t['l'], t['z'], t['j'], t['m'], t['n'] = cI, cU, cR, cL, cZ, cZ, cN, cN
	return t
}()

// A suffix in folded spelling.
type suffix struct {
	s     string
	after uint8 // classes of the letter before it
	layer uint8
	next  uint8 // the layer the analysis is at after stripping it (0: layer+1)
	// rule: also stripped by the rules for unknown stems (step 2).
	rule bool
	// pers: only after a person ending (the aorist -а/-е/-й of барамын).
	pers bool
}

// suffixTable lists every suffix, grouped by layer. Vowel-harmony pairs
// (-лар/-лер) and voicing variants (-дар/-тар) fold to different
// spellings and are all listed; ы/і fold to one.
var suffixTable = []suffix{
	// Predicative person on nouns.
	{s: "min", after: cV | cR | cL, layer: lPred}, {s: "bin", after: cZ | cN, layer: lPred},
	{s: "pin", after: cT, layer: lPred}, {s: "biz", after: cZ | cN, layer: lPred},
	{s: "piz", after: cT, layer: lPred},

	// Case.
	{s: "nin", after: cV | cN, layer: lCase, rule: true}, {s: "din", after: cSon, layer: lCase, rule: true},
	{s: "tin", after: cT, layer: lCase, rule: true},
	{s: "ni", after: cV, layer: lCase, rule: true}, {s: "di", after: cSon | cN, layer: lCase, rule: true},
	{s: "ti", after: cT, layer: lCase, rule: true},
	{s: "ga", after: cVoiced, layer: lCase, rule: true}, {s: "ge", after: cVoiced, layer: lCase, rule: true},
	{s: "ka", after: cT, layer: lCase, rule: true}, {s: "ke", after: cT, layer: lCase, rule: true},
	{s: "da", after: cVoiced, layer: lCase, rule: true}, {s: "de", after: cVoiced, layer: lCase, rule: true},
	{s: "ta", after: cT, layer: lCase, rule: true}, {s: "te", after: cT, layer: lCase, rule: true},
	{s: "dan", after: cV | cSon, layer: lCase, rule: true}, {s: "den", after: cV | cSon, layer: lCase, rule: true},
	{s: "nan", after: cN, layer: lCase, rule: true}, {s: "nen", after: cN, layer: lCase, rule: true},
	{s: "tan", after: cT, layer: lCase, rule: true}, {s: "ten", after: cT, layer: lCase, rule: true},
	{s: "men", after: cAny, layer: lCase, rule: true}, {s: "ben", after: cZ | cN, layer: lCase, rule: true},
	{s: "pen", after: cT, layer: lCase, rule: true},
	// Possessive and case in one piece. Third person (-сы/-ы) with the
	// cases that follow it: -н, -на, -нда, -нан, -ның, -мен, -ндағы.
	{s: "sin", after: cV, layer: lCase, next: lPl}, {s: "sina", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "sine", after: cV, layer: lCase, next: lPl, rule: true}, {s: "sinda", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "sinde", after: cV, layer: lCase, next: lPl, rule: true}, {s: "sinan", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "sinen", after: cV, layer: lCase, next: lPl, rule: true}, {s: "sinin", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "simen", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "in", after: cC | cU, layer: lCase, next: lPl}, {s: "ina", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "ine", after: cC | cU, layer: lCase, next: lPl, rule: true}, {s: "inda", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "inde", after: cC | cU, layer: lCase, next: lPl, rule: true}, {s: "inan", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "inen", after: cC | cU, layer: lCase, next: lPl, rule: true}, {s: "inin", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "imen", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "sindagi", after: cV, layer: lCase, next: lPl, rule: true}, {s: "sindegi", after: cV, layer: lCase, next: lPl, rule: true},
	{s: "indagi", after: cC | cU, layer: lCase, next: lPl, rule: true}, {s: "indegi", after: cC | cU, layer: lCase, next: lPl, rule: true},
	// First and second person singular with the dative: -ма, -ыма, -ңа, -ыңа.
	{s: "ma", after: cV, layer: lCase, next: lPl}, {s: "me", after: cV, layer: lCase, next: lPl},
	{s: "ima", after: cC | cU, layer: lCase, next: lPl, rule: true}, {s: "ime", after: cC | cU, layer: lCase, next: lPl, rule: true},
	{s: "na", after: cV, layer: lCase, next: lPl}, {s: "ne", after: cV, layer: lCase, next: lPl},

	// -дағы, -ғы (жылғы, бүгінгі), -нікі, -дай.
	{s: "dagi", after: cVoiced, layer: lRel, rule: true}, {s: "degi", after: cVoiced, layer: lRel, rule: true},
	{s: "tagi", after: cT, layer: lRel, rule: true}, {s: "tegi", after: cT, layer: lRel, rule: true},
	{s: "gi", after: cC &^ cT, layer: lRel, rule: true}, {s: "ki", after: cT, layer: lRel, rule: true},
	{s: "niki", after: cV | cN, layer: lRel, rule: true}, {s: "diki", after: cSon, layer: lRel, rule: true},
	{s: "tiki", after: cT, layer: lRel, rule: true},
	{s: "dai", after: cVoiced, layer: lRel}, {s: "dei", after: cVoiced, layer: lRel},
	{s: "tai", after: cT, layer: lRel}, {s: "tei", after: cT, layer: lRel},

	// Possessive.
	{s: "si", after: cV, layer: lPx, rule: true}, {s: "i", after: cC | cU, layer: lPx, rule: true},
	{s: "m", after: cV, layer: lPx, rule: true}, {s: "im", after: cC | cU, layer: lPx, rule: true},
	{s: "n", after: cV, layer: lPx}, {s: "in", after: cC | cU, layer: lPx},
	{s: "miz", after: cV, layer: lPx, rule: true}, {s: "imiz", after: cC | cU, layer: lPx, rule: true},
	{s: "niz", after: cV, layer: lPx, rule: true}, {s: "iniz", after: cC | cU, layer: lPx, rule: true},
	{s: "lari", after: cV | cR, layer: lPx, next: lDer, rule: true}, {s: "leri", after: cV | cR, layer: lPx, next: lDer, rule: true},
	{s: "dari", after: cL | cZ | cN, layer: lPx, next: lDer, rule: true}, {s: "deri", after: cL | cZ | cN, layer: lPx, next: lDer, rule: true},
	{s: "tari", after: cT, layer: lPx, next: lDer, rule: true}, {s: "teri", after: cT, layer: lPx, next: lDer, rule: true},

	// Plural.
	{s: "lar", after: cV | cR, layer: lPl, rule: true}, {s: "ler", after: cV | cR, layer: lPl, rule: true},
	{s: "dar", after: cL | cZ | cN, layer: lPl, rule: true}, {s: "der", after: cL | cZ | cN, layer: lPl, rule: true},
	{s: "tar", after: cT, layer: lPl, rule: true}, {s: "ter", after: cT, layer: lPl, rule: true},

	// Derivation, only towards a known stem: -лық (ұлттық), -шы, -сыз, -лы.
	{s: "lik", after: cV | cR | cG, layer: lDer}, {s: "dik", after: cL | cZ | cN, layer: lDer},
	{s: "tik", after: cT, layer: lDer}, {s: "shi", after: cAny, layer: lDer},
	{s: "siz", after: cAny, layer: lDer}, {s: "li", after: cV | cR, layer: lDer},

	// Verbal nouns and participles (the word is a noun from here on
	// leftwards it is a verb): -у, -ған/-қан, -атын/-йтын, -мақ, -ушы.
	{s: "u", after: cAny, layer: lVN, next: lNeg},
	{s: "gan", after: cVoiced, layer: lVN, next: lNeg}, {s: "gen", after: cVoiced, layer: lVN, next: lNeg},
	{s: "kan", after: cT, layer: lVN, next: lNeg}, {s: "ken", after: cT, layer: lVN, next: lNeg},
	{s: "atin", after: cC, layer: lVN, next: lNeg}, {s: "etin", after: cC, layer: lVN, next: lNeg},
	{s: "itin", after: cA | cU, layer: lVN, next: lNeg}, {s: "tin", after: cI, layer: lVN, next: lNeg},
	{s: "mak", after: cV | cR | cL, layer: lVN, next: lNeg}, {s: "mek", after: cV | cR | cL, layer: lVN, next: lNeg},
	{s: "bak", after: cZ | cN, layer: lVN, next: lNeg}, {s: "bek", after: cZ | cN, layer: lVN, next: lNeg},
	{s: "pak", after: cT, layer: lVN, next: lNeg}, {s: "pek", after: cT, layer: lVN, next: lNeg},
	{s: "ushi", after: cAny, layer: lVN, next: lNeg},

	// Person of a finite verb: келдім, келдің, келдік, келдіңіз; барамын.
	{s: "m", after: cI, layer: lPers}, {s: "n", after: cI, layer: lPers}, {s: "k", after: cI, layer: lPers},
	{s: "niz", after: cI, layer: lPers}, {s: "min", after: cV, layer: lPers}, {s: "sin", after: cV, layer: lPers},
	{s: "siz", after: cV, layer: lPers}, {s: "miz", after: cV, layer: lPers},

	// Tense: past -ды/-ты (сайлады, өтті), present -ады/-еді/-йды, the
	// aorist stem before a person ending (бара-мын), converb -ып/-п,
	// conditional -са, imperative -сын.
	{s: "di", after: cVoiced, layer: lTense}, {s: "ti", after: cT, layer: lTense},
	{s: "adi", after: cC, layer: lTense}, {s: "edi", after: cC, layer: lTense},
	{s: "idi", after: cA | cU, layer: lTense},
	{s: "a", after: cC, layer: lTense, pers: true}, {s: "e", after: cC, layer: lTense, pers: true},
	{s: "i", after: cA | cU, layer: lTense, pers: true},
	{s: "ip", after: cC, layer: lTense}, {s: "p", after: cV, layer: lTense},
	{s: "sa", after: cAny, layer: lTense}, {s: "se", after: cAny, layer: lTense},
	{s: "sin", after: cAny, layer: lTense},

	// Negation.
	{s: "ma", after: cV | cR | cL, layer: lNeg}, {s: "me", after: cV | cR | cL, layer: lNeg},
	{s: "ba", after: cZ | cN, layer: lNeg}, {s: "be", after: cZ | cN, layer: lNeg},
	{s: "pa", after: cT, layer: lNeg}, {s: "pe", after: cT, layer: lNeg},

	// Voice: passive -ыл/-л/-ын/-н, causative -дыр/-тыр/-ғыз/-қыз/-т,
	// reciprocal -ыс/-с.
	{s: "il", after: cC, layer: lVoice, next: lVoice}, {s: "l", after: cV, layer: lVoice, next: lVoice},
	{s: "in", after: cL, layer: lVoice, next: lVoice}, {s: "n", after: cV, layer: lVoice, next: lVoice},
	{s: "dir", after: cVoiced, layer: lVoice, next: lVoice}, {s: "tir", after: cT, layer: lVoice, next: lVoice},
	{s: "giz", after: cVoiced, layer: lVoice, next: lVoice}, {s: "kiz", after: cT, layer: lVoice, next: lVoice},
	{s: "t", after: cV, layer: lVoice, next: lVoice},
	{s: "is", after: cC, layer: lVoice, next: lVoice}, {s: "s", after: cV, layer: lVoice, next: lVoice},
}

// suffixesByLast groups the table by a suffix's last letter, longest first.
var suffixesByLast = func() (t [256][]*suffix) {
	for i := range suffixTable {
		s := &suffixTable[i]
		if s.next == 0 {
			s.next = s.layer + 1
		}
		t[s.s[len(s.s)-1]] = append(t[s.s[len(s.s)-1]], s)
	}
	for i := range t {
		g := t[i]
		for j := 1; j < len(g); j++ { // insertion sort keeps the table's order among equals
			for k := j; k > 0 && len(g[k].s) > len(g[k-1].s); k-- {
				g[k], g[k-1] = g[k-1], g[k]
			}
		}
	}
	return t
}()

// allowed reports whether a suffix of layer l may be stripped when the
// analysis is at layer at.
func allowed(at, l uint8) bool {
	if at < lPers { // nominal, or nothing stripped yet
		return l >= at && l <= lVN || at == lEnd && (l == lPers || l == lTense)
	}
	return l >= at && l <= lVoice
}

const (
	maxDepth    = 7  // suffixes in one analysis
	maxStemWord = 40 // longer words are not stemmed (no Kazakh word is that long)
)

// analysis is a reading of the word as w[:n] + suffixes.
type analysis struct {
	n     uint8
	depth uint8
	weak  uint8 // single-letter suffixes among them
	at    uint8 // layer reached
	first byte  // the first letter of the suffix next to the stem
}

// analyzer collects the analyses of one word; it lives on the stack.
type analyzer struct {
	w    string
	out  [64]analysis
	nout int
}

func hasVowel(w string) bool {
	for i := 0; i < len(w); i++ {
		if isVowel(w[i]) {
			return true
		}
	}
	return false
}

// harmonious reports whether a suffix containing a may follow stem: a back
// suffix cannot follow a stem whose last vowel is e (the only vowel that
// stays front when folded: а/ә, о/ө, ы/і, ұ/ү are merged).
func harmonious(stem, sfx string) bool {
	back := false
	for i := 0; i < len(sfx); i++ {
		if sfx[i] == 'a' {
			back = true
		} else if sfx[i] == 'e' {
			return true
		}
	}
	if !back {
		return true
	}
	for i := len(stem) - 1; i >= 0; i-- {
		if isVowel(stem[i]) {
			return stem[i] != 'e'
		}
	}
	return true
}

func (a *analyzer) walk(n int, at, depth, weak uint8, first byte) {
	if a.nout == len(a.out) {
		return
	}
	a.out[a.nout] = analysis{uint8(n), depth, weak, at, first}
	a.nout++
	if depth == maxDepth {
		return
	}
	w := a.w[:n]
	for _, s := range suffixesByLast[w[n-1]] {
		if !allowed(at, s.layer) || s.pers && at != lTense {
			continue
		}
		rest := n - len(s.s)
		if rest < 2 || w[rest:] != s.s {
			continue
		}
		// A double letter folded to one (жұмыссыз → jumisiz, үйі → ui):
		// the suffix's first letter may also be the stem's last.
		for _, r := range [2]int{rest, rest + 1} {
			if r == rest+1 && (s.s[0] != 's' && s.s[0] != 'i' || len(s.s) == 1) {
				break
			}
			stem := w[:r]
			if letterClass[stem[r-1]]&s.after == 0 || !hasVowel(stem) || !harmonious(stem, s.s) {
				continue
			}
			w1 := weak
			if len(s.s) == 1 {
				w1++
			}
			a.walk(r, s.next, depth+1, w1, s.s[0])
		}
	}
}

// better reports whether x is a better analysis than y.
func (x analysis) better(y analysis) bool {
	if x.depth != y.depth {
		return x.depth < y.depth
	}
	return x.n > y.n
}

// verbStem reports whether an analysis ends on a verb stem.
func (x analysis) verbStem() bool { return x.at >= lNeg }

// valid reports whether an analysis can end here: not between a person
// ending and its tense.
func (x analysis) valid() bool { return x.at != lTense }

// known returns the lexicon form of w[:x.n] for analysis x, or "" if it is
// not a known stem even after undoing voicing, a dropped vowel, or a verb's
// final ы/і that a suffix swallowed.
func known(w string, x analysis, buf []byte) string {
	want := uint8(lexNoun)
	if x.verbStem() {
		want = lexVerb
	}
	stem := w[:x.n]
	if lexicon.has(stem, want) {
		return stem
	}
	n := len(stem)
	last := stem[n-1]
	try := func(b []byte) string {
		if lexicon.hasBytes(b, want) {
			return string(b)
		}
		return ""
	}
	// A loanword in -ст loses its т before a т: журналист+тер →
	// журналистер.
	if x.first == 't' && last == 's' {
		if s := try(append(append(buf[:0], stem...), 't')); s != "" {
			return s
		}
	}
	vowel := isVowel(x.first)
	if !vowel && !x.verbStem() {
		return ""
	}
	// Voicing: мектеп+і → мектебі, жүрек+і → жүрегі, тап+ады → табады.
	if vowel && (last == 'b' || last == 'g') {
		b := append(buf[:0], stem...)
		b[n-1] = 'p'
		if last == 'g' {
			b[n-1] = 'k'
		}
		if s := try(b); s != "" {
			return s
		}
	}
	// A dropped vowel: халық+ы → халқы, ауыз+ы → аузы, мұрын+ы → мұрны.
	if prev := stem[n-2]; vowel && n >= 3 && !isVowel(last) && last != 'h' && (!isVowel(prev) || prev == 'u' || prev == 'i') {
		b := append(append(append(buf[:0], stem[:n-1]...), 'i'), last)
		if s := try(b); s != "" {
			return s
		}
	}
	// A verb's final ы/і before -у, -ып: оқы+у → оқу, оқы+п → оқып.
	if x.verbStem() && !isVowel(last) {
		if s := try(append(append(buf[:0], stem...), 'i')); s != "" {
			return s
		}
	}
	return ""
}

// stemKnown returns the stem of w found through the lexicon, or "".
func stemKnown(w string) string {
	if lexicon.has(w, lexNoun|lexVerb) {
		return w
	}
	a := analyzer{w: w}
	a.walk(len(w), lEnd, 0, 0, 0)
	var buf [maxStemWord + 2]byte
	best, bestStem := analysis{depth: 255}, ""
	for _, x := range a.out[1:a.nout] {
		// The fewest suffixes win; then the longest stem.
		if !x.valid() || !x.better(best) {
			continue
		}
		if s := known(w, x, buf[:0]); s != "" {
			best, bestStem = x, s
		}
	}
	return bestStem
}

// ruleSuffixesByLast is the part of the table the rules strip, by last
// letter, longest first.
var ruleSuffixesByLast = func() (t [256][]*suffix) {
	for c, g := range suffixesByLast {
		for _, s := range g {
			if s.rule {
				t[c] = append(t[c], s)
			}
		}
	}
	return t
}()

// minRuleStem is the shortest stem the rules leave; a one-letter suffix
// (-ы, -м, a final n or s) leaves at least one letter more, so that a short
// word or a typed prefix ("shym") is not taken for a shorter one.
const minRuleStem = 3

// stemByRules strips suffixes from a word whose stem the lexicon does not
// know (step 2 in the comment at the top).
func stemByRules[S string | []byte](w S) (int, byte) {
	n := len(w)
	// A Russian surname's feminine form in Kazakh text: Тоқаева as Тоқаев.
	if n > 5 && w[n-1] == 'a' && w[n-2] == 'v' && (w[n-3] == 'o' || w[n-3] == 'e') {
		n--
	}
	for n > minRuleStem {
		// ң typed as ng, once a suffix is gone: "mitingte" → "miting"; Fold
		// does the same at the end of a word.
		if w[n-1] == 'g' && w[n-2] == 'n' {
			n--
			continue
		}
		cut := 0
		for _, s := range ruleSuffixesByLast[w[n-1]] {
			rest := n - len(s.s)
			if rest < minRuleStem || len(s.s) == 1 && rest < minRuleStem+1 || string(w[rest:n]) != s.s {
				continue
			}
			if letterClass[w[rest-1]]&s.after == 0 {
				continue
			}
			cut = len(s.s)
			break
		}
		// A final n or s after a vowel, so that whichever way an ambiguous
		// form is cut, all forms meet (see the comment at the top).
		if cut == 0 && n > minRuleStem+1 && (w[n-1] == 'n' || w[n-1] == 's') && isVowel(w[n-2]) {
			cut = 1
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

// Stem returns the stem of a Kazakh word folded by Fold, stripped of its
// inflections — plural, possessive, case, person, and the common verb forms
// — so that "жастарға", "жастардың", "Jastarǵa" and "жастар" meet, and
// "сайланды", "сайлауға" and "сайлайды" meet "сайла-". The stem is a
// matching key, not a word for display: "мектебі" gives "mektep". How it
// works is described at the top of stem.go.
func Stem(word string) string {
	if len(word) < 2 || len(word) > maxStemWord || !isASCIIWord(word) {
		return word
	}
	if s := stemKnown(word); s != "" {
		return s
	}
	n, last := stemByRules(word)
	if word[n-1] == last {
		return word[:n]
	}
	return word[:n-1] + string(last)
}

// isASCIIWord reports whether w is a folded word of letters a-z (not digits,
// not another script's letters, which are left as they are).
func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}
