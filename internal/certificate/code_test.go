package certificate

import (
	"errors"
	"strings"
	"testing"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 20000 {
		c := NewCode()
		if len(c) != CodeLength {
			t.Fatalf("%q: length %d", c, len(c))
		}
		if n, err := NormalizeCode(c); err != nil || n != c {
			t.Fatalf("%q is not canonical: %q %v", c, n, err)
		}
		if seen[c] {
			t.Fatalf("%q drawn twice", c)
		}
		seen[c] = true
		for _, r := range c[1:] { // the first character carries 4 bits only
			counts[r]++
		}
	}
	// Every symbol appears, none much more than the others (11 × 20000 / 32
	// ≈ 6875 each).
	if len(counts) != 32 {
		t.Fatalf("%d symbols used", len(counts))
	}
	for r, n := range counts {
		if n < 6000 || n > 7800 {
			t.Fatalf("symbol %q drawn %d times", r, n)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	const c = "7KQ4M2XW9HC0"
	for _, typed := range []string{c, "7KQ4-M2XW-9HC0", "7kq4 m2xw 9hc0", " 7kq4-m2xw-9hco ", "7KQ4–M2XW–9HCO"} {
		if got, err := NormalizeCode(typed); err != nil || got != c {
			t.Fatalf("%q → %q, %v", typed, got, err)
		}
	}
	if got, _ := NormalizeCode("1111-iiii-LLLL"); got != "111111111111" {
		t.Fatalf("I and L: %q", got)
	}
	for _, bad := range []string{"", "7KQ4M2XW9HC", "7KQ4M2XW9HC00", "7KQ4-M2XW-9HCU", "7KQ4M2XW9HÇ0", "ӘKQ4M2XW9HC0", strings.Repeat("A", 100)} {
		if _, err := NormalizeCode(bad); !errors.Is(err, ErrCode) {
			t.Fatalf("%q accepted", bad)
		}
	}
	if f := FormatCode(c); f != "7KQ4-M2XW-9HC0" {
		t.Fatalf("format %q", f)
	}
}
