package certificate

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
)

// Kind is the kind of an award, as in the API's "kind".
type Kind string

const (
	Certificate Kind = "certificate" // of participation or completion
	Diploma     Kind = "diploma"     // of a contest, usually with a place
	Thanks      Kind = "thanks"      // a letter of thanks
)

// Valid reports whether k is one of the three kinds.
func (k Kind) Valid() bool { return k == Certificate || k == Diploma || k == Thanks }

// Text is a multilingual field, as the API's {"kk","ru","en"}.
type Text struct {
	KK string `json:"kk,omitempty"`
	RU string `json:"ru,omitempty"`
	EN string `json:"en,omitempty"`
}

// In returns the text in base language lang ("kk", "ru", "en"); with
// fallback it falls back to Kazakh, then Russian, then English.
func (t Text) In(lang string, fallback bool) string {
	var s string
	switch lang {
	case "kk":
		s = t.KK
	case "ru":
		s = t.RU
	case "en":
		s = t.EN
	}
	if s != "" || !fallback {
		return s
	}
	for _, v := range []string{t.KK, t.RU, t.EN} {
		if v != "" {
			return v
		}
	}
	return ""
}

// Signatory is who signs a printed award, optional.
type Signatory struct {
	Name     string `json:"name"`
	Position Text   `json:"position"`
}

// Award is one issued award: what is printed and what the credential says.
type Award struct {
	Code      string    `json:"code"` // canonical (NewCode)
	Kind      Kind      `json:"kind"`
	Title     Text      `json:"title"`           // what for
	Place     int       `json:"place,omitempty"` // diplomas: 1, 2, 3 …; 0 for none
	Recipient string    `json:"recipient"`       // the name as printed; never an email
	IssuedAt  time.Time `json:"issued_at"`
	// Organization is the issuing organization's name; OrganizationURL its
	// public page, the credential's issuer id and url.
	Organization    Text       `json:"organization"`
	OrganizationURL string     `json:"organization_url"`
	Signatory       *Signatory `json:"signatory,omitempty"`
}

func (a *Award) check() error {
	switch {
	case !a.Kind.Valid():
		return fmt.Errorf("certificate: unknown kind %q", a.Kind)
	case len(a.Code) != CodeLength:
		return fmt.Errorf("certificate: %q is not a canonical code", a.Code)
	case strings.TrimSpace(a.Recipient) == "":
		return fmt.Errorf("certificate: award %s has no recipient", a.Code)
	case a.Title.In("kk", true) == "":
		return fmt.Errorf("certificate: award %s has no title", a.Code)
	case a.Place < 0:
		return fmt.Errorf("certificate: award %s: place %d", a.Code, a.Place)
	case a.IssuedAt.IsZero():
		return fmt.Errorf("certificate: award %s has no date", a.Code)
	}
	return nil
}

// VerifyURL is the public verification page of code: {base}/{lang}/awards/{code},
// the code grouped for reading ("…/kk/awards/7KQ4-M2XW-9HC0"). The page
// accepts the code typed in any form NormalizeCode reads.
func VerifyURL(base, lang, code string) string {
	return strings.TrimRight(base, "/") + "/" + lang + "/awards/" + FormatCode(code)
}

// labels are the fixed words of a printed award. They live here, not in
// the UI catalog, because a certificate is a document with its own
// wording, printed in two languages at once.
type labels struct {
	kind     map[Kind]string // the large heading
	intro    map[Kind]string // the line before the recipient's name
	place    func(int) string
	verify   string // before the verification address
	code     string
	issuedAt string
}

var roman = []string{"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"}

func romanPlace(n int) string {
	if n < len(roman) {
		return roman[n]
	}
	return fmt.Sprint(n)
}

var wording = map[string]labels{
	"kk": {
		kind:     map[Kind]string{Certificate: "СЕРТИФИКАТ", Diploma: "ДИПЛОМ", Thanks: "АЛҒЫС ХАТ"},
		intro:    map[Kind]string{Certificate: "табыс етіледі", Diploma: "марапатталады", Thanks: "алғыс білдіреміз"},
		place:    func(n int) string { return romanPlace(n) + " орын" },
		verify:   "Түпнұсқалығын тексеру",
		code:     "Коды",
		issuedAt: "Берілген күні",
	},
	"ru": {
		kind:     map[Kind]string{Certificate: "СЕРТИФИКАТ", Diploma: "ДИПЛОМ", Thanks: "БЛАГОДАРСТВЕННОЕ ПИСЬМО"},
		intro:    map[Kind]string{Certificate: "вручается", Diploma: "награждается", Thanks: "выражаем благодарность"},
		place:    func(n int) string { return romanPlace(n) + " место" },
		verify:   "Проверка подлинности",
		code:     "Код",
		issuedAt: "Дата выдачи",
	},
	"en": {
		kind:  map[Kind]string{Certificate: "CERTIFICATE", Diploma: "DIPLOMA", Thanks: "LETTER OF THANKS"},
		intro: map[Kind]string{Certificate: "is presented to", Diploma: "is awarded to", Thanks: "with gratitude to"},
		place: func(n int) string {
			suffix := "th"
			switch {
			case n%100 >= 11 && n%100 <= 13:
			case n%10 == 1:
				suffix = "st"
			case n%10 == 2:
				suffix = "nd"
			case n%10 == 3:
				suffix = "rd"
			}
			return fmt.Sprintf("%d%s place", n, suffix)
		},
		verify:   "Verify at",
		code:     "Code",
		issuedAt: "Issued",
	},
}

// catalog gives the project's date formats ("2026 ж. 4 қараша"), loaded
// on first use.
var catalog = sync.OnceValue(i18n.MustLoad)

func formatDate(lang string, t time.Time) string {
	l, _ := i18n.Parse(lang)
	return catalog().Printer(l).Date(t)
}
