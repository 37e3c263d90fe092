// Package i18n holds the user-interface catalogs and the per-language
// printers that translate keys, choose plural forms and format dates and
// numbers.
//
// There is one flat catalog per language (catalog/kk.json, ru.json, en.json)
// with dotted keys. Kazakh in Latin script (kk-Latn) has no file: it is
// generated from kk at load time with kazakh.ToLatin.
//
// To add a message, add its key to all three files. A value is a string, or
// for a count an object of CLDR plural forms — kk and en: "one", "other";
// ru: "one", "few", "many", "other" (the last for fractions):
//
//	"time.minutes": {"one": "{count} минута", "few": "{count} минуты", "many": "{count} минут", "other": "{count} минуты"}
//
// Placeholders are named, {name}, and must be the same in every language.
// Load checks all of this, and TestCatalog fails until it holds.
package i18n

import (
	"strconv"
	"strings"
)

// Lang is a UI language, as a BCP 47 tag.
type Lang string

const (
	KK     Lang = "kk"      // Kazakh, Cyrillic script
	KKLatn Lang = "kk-Latn" // Kazakh, Latin script (2021 alphabet)
	RU     Lang = "ru"
	EN     Lang = "en"
)

// Langs lists the UI languages in the order the language switcher shows them.
var Langs = []Lang{KK, KKLatn, RU, EN}

// Parse recognises a language tag, ignoring case: "kk", "KK-LATN", "Ru".
func Parse(s string) (Lang, bool) {
	for _, l := range Langs {
		if strings.EqualFold(s, string(l)) {
			return l, true
		}
	}
	return "", false
}

// HTMLLang is the value of the <html lang> attribute.
func (l Lang) HTMLLang() string { return string(l) }

// Base is the language without its script: "kk" for both Kazakh variants.
// Plural rules and most formats depend only on it.
func (l Lang) Base() string {
	if l == KKLatn {
		return string(KK)
	}
	return string(l)
}

// Negotiate picks the UI language from an Accept-Language header: the
// supported language with the highest q-value, the first one on a tie. Any
// kk tag is Kazakh in Cyrillic unless it names the Latin script (kk-Latn,
// kk-Latn-KZ); ru-* and en-* match Russian and English. Without a match it
// is KK.
func Negotiate(acceptLanguage string) Lang {
	best, bestQ := KK, 0.0
	for item := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(item, ";")
		l, ok := match(strings.TrimSpace(tag))
		if !ok {
			continue
		}
		if q := quality(params); q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// match maps a language tag to a UI language by its primary subtag.
func match(tag string) (Lang, bool) {
	primary, rest, _ := strings.Cut(tag, "-")
	switch {
	case strings.EqualFold(primary, "kk"):
		for sub := range strings.SplitSeq(rest, "-") {
			if strings.EqualFold(sub, "Latn") {
				return KKLatn, true
			}
		}
		return KK, true
	case strings.EqualFold(primary, "ru"):
		return RU, true
	case strings.EqualFold(primary, "en"):
		return EN, true
	}
	return "", false
}

// quality reads the q parameter of an Accept-Language item: 1 when absent,
// 0 (not acceptable) when malformed.
func quality(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
