package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeNext returns p when it is an address on this site that is safe to
// send a browser to after an action — the page to return to after signing
// in or up, the language switch's target — and def otherwise. Every
// return address Ortaq takes from a request passes through here.
//
// p must be a path: one leading "/", no "//" and no backslash anywhere (a
// browser reads "//host" and "/\host" as another host), no whitespace,
// control or invisible characters, valid UTF-8 — in p as given and after
// each round of percent-decoding, since "/%09/evil.example" becomes
// "//evil.example" once a browser drops the tab — and, parsed with
// net/url, no scheme, host or user.
func SafeNext(p, def string) string {
	if localPath(p) {
		return p
	}
	return def
}

// maxNext bounds a return address (a longer one is not ours).
const maxNext = 2048

func localPath(p string) bool {
	if p == "" || len(p) > maxNext {
		return false
	}
	for s, round := p, 0; ; round++ {
		if !cleanPath(s) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			break
		}
		if round == 3 {
			return false // escaped within escapes within escapes: not an address of ours
		}
		s = d
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}

// cleanPath checks one reading of a return address.
func cleanPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.Contains(s, "//") || strings.ContainsRune(s, '\\') || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
