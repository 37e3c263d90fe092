package search

import (
	"testing"
	"unicode"
)

// wordRune's fast paths answer as the unicode tables do.
func TestWordRuneAgreesWithUnicode(t *testing.T) {
	for r := rune(0); r < 0x3000; r++ {
		want := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’'
		if got := wordRune(r); got != want {
			t.Fatalf("wordRune(%U) = %v, unicode says %v", r, got, want)
		}
	}
}
