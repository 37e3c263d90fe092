package i18n

import (
	"strings"

	"github.com/ortaq/ortaq/internal/kazakh"
)

// Text is user content written in up to three languages: the names of
// organizations, the titles of programmes, meetings and elections. In the
// API it is always the object {"kk": …, "ru": …, "en": …} with all three
// keys, empty strings for the languages not written.
type Text struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

// Pick returns the text for readers of l and the language it is written
// in. The rule, the same everywhere: the reader's own language when it is
// written (Kazakh for kk-Latn readers), else Kazakh, else Russian, else
// English. Kazakh comes first because it is the state language and the
// platform's default; a page in another language marks the borrowed text
// with its lang attribute.
func (t Text) Pick(l Lang) (string, Lang) {
	switch l {
	case RU:
		if t.RU != "" {
			return t.RU, RU
		}
	case EN:
		if t.EN != "" {
			return t.EN, EN
		}
	}
	switch {
	case t.KK != "":
		return t.KK, KK
	case t.RU != "":
		return t.RU, RU
	default:
		return t.EN, EN
	}
}

// In returns the text Pick chooses for readers of l, in their script:
// kk-Latn readers get it in the 2021 Latin alphabet (as the templates'
// text function shows every user-written text to them).
func (t Text) In(l Lang) string {
	s, _ := t.Pick(l)
	if l == KKLatn {
		return kazakh.ToLatin(s)
	}
	return s
}

// Empty reports whether no language has the text.
func (t Text) Empty() bool { return t.KK == "" && t.RU == "" && t.EN == "" }

// Trim returns the text with surrounding spaces removed in every language.
func (t Text) Trim() Text {
	return Text{KK: strings.TrimSpace(t.KK), RU: strings.TrimSpace(t.RU), EN: strings.TrimSpace(t.EN)}
}
