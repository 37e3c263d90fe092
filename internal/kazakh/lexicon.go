package kazakh

import (
	_ "embed"
	"strings"
	"sync"
)

// lexiconText is the stem lexicon: Kazakh roots and lemmas in Cyrillic,
// written for Ortaq (see the file's header and LEXICON.md). A word ending
// in "-" is a verb stem (the imperative: оқы-, сайла-); every other word is
// a noun, adjective, name or other non-verb.
//
//go:embed lexicon.txt
var lexiconText string

const (
	lexNoun = 1 << iota
	lexVerb
)

// lexiconSet is the lexicon folded (the stemmer works on folded words),
// built on first use.
type lexiconSet struct {
	once sync.Once
	m    map[string]uint8
}

var lexicon lexiconSet

func (l *lexiconSet) load() {
	l.m = make(map[string]uint8, 4096)
	for _, line := range strings.Split(lexiconText, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			kind := uint8(lexNoun)
			if strings.HasSuffix(w, "-") {
				kind, w = lexVerb, strings.TrimSuffix(w, "-")
			}
			if k := Fold(w); k != "" && !strings.Contains(k, " ") {
				l.m[k] |= kind
			}
		}
	}
}

// has reports whether w is in the lexicon as one of the kinds in want.
func (l *lexiconSet) has(w string, want uint8) bool {
	l.once.Do(l.load)
	return l.m[w]&want != 0
}

// hasBytes is has for a word in a scratch buffer (no allocation).
func (l *lexiconSet) hasBytes(w []byte, want uint8) bool {
	l.once.Do(l.load)
	return l.m[string(w)]&want != 0
}
