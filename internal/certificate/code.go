package certificate

import (
	"crypto/rand"
	"errors"
	"strings"
)

// CodeLength is the number of characters of an award code: 12 characters
// of Crockford's base32, 60 random bits. Guessing one valid code among a
// million issued takes about 2^40 tries on average, which the verification
// page's rate limit puts out of reach.
const CodeLength = 12

// alphabet is Crockford's base32: digits and letters without I, L, O and
// U, so a code read aloud or typed from paper is hard to get wrong.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ErrCode is returned for a string that cannot be an award code.
var ErrCode = errors.New("certificate: not an award code")

// NewCode returns a new random code in canonical form (12 characters,
// upper case, no dashes), as stored.
func NewCode() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	var out [CodeLength]byte
	for i := CodeLength - 1; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out[:])
}

// FormatCode groups a canonical code for reading: "7KQ4-M2XW-9HCT".
func FormatCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[:4] + "-" + code[4:8] + "-" + code[8:]
}

// NormalizeCode turns a typed code into its canonical form: case is
// ignored, dashes and spaces are dropped, O reads as 0, I and L as 1
// (Crockford's rules). Anything else that is not in the alphabet, or a
// wrong length, gives ErrCode.
func NormalizeCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\u00a0' || r == '\u2010' || r == '\u2013':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(alphabet, byte(r)) < 0 {
			return "", ErrCode
		}
		b.WriteRune(r)
		if b.Len() > CodeLength {
			return "", ErrCode
		}
	}
	if b.Len() != CodeLength {
		return "", ErrCode
	}
	return b.String(), nil
}
