package i18n

import (
	"strings"
	"testing"
	"unicode"
)

// TestCatalog is the missing-key test: it fails when any key is missing in
// any language, when plural forms are wrong, or when a translation's
// placeholders differ from English — over the real, embedded catalogs.
func TestCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := c.Keys()
	if len(keys) == 0 {
		t.Fatal("no keys")
	}
	for _, l := range Langs {
		p := c.Printer(l)
		if p.Lang() != l {
			t.Errorf("Printer(%q).Lang() = %q", l, p.Lang())
		}
		for _, key := range keys {
			if !p.Has(key) || p.T(key) == key {
				t.Errorf("%s: %s: not translated", l, key)
			}
		}
	}
}

// TestCatalogScripts catches a Latin letter typed inside a Kazakh or Russian
// word (i for і, a for а — they look alike), which also breaks kk-Latn, and
// Cyrillic that ToLatin does not know, which would show in kk-Latn.
func TestCatalogScripts(t *testing.T) {
	c := MustLoad()
	for _, l := range []Lang{KK, RU} {
		for _, key := range c.Keys() {
			for _, w := range strings.FieldsFunc(allForms(c.Printer(l), key), func(r rune) bool { return !unicode.IsLetter(r) }) {
				if strings.IndexFunc(w, isCyrillic) >= 0 && strings.IndexFunc(w, isLatin) >= 0 {
					t.Errorf("%s: %s: %q mixes Cyrillic and Latin letters", l, key, w)
				}
			}
		}
	}
	for _, key := range c.Keys() {
		if s := allForms(c.Printer(KKLatn), key); strings.IndexFunc(s, isCyrillic) >= 0 {
			t.Errorf("kk-Latn: %s: Cyrillic left after transliteration: %q", key, s)
		}
	}
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }
func isLatin(r rune) bool    { return unicode.Is(unicode.Latin, r) }

// allForms joins a message's text or plural forms.
func allForms(p *Printer, key string) string {
	m := p.msgs[key]
	if m.forms == nil {
		return m.text
	}
	var b strings.Builder
	for _, s := range m.forms {
		b.WriteString(s + " ")
	}
	return b.String()
}

func TestLatinCatalog(t *testing.T) {
	c := MustLoad()
	p := c.Printer(KKLatn)
	tests := []struct{ key, want string }{
		{"lang.short", "Qaz"},
		{"lang.autonym", "Qazaqşa"}, {"lang.name.kk-Latn", "Qazaqşa (latyn)"},
		{"nav.organizations", "Ūiymdar"},
		{"auth.hello", "Sälemetsız be, {name}!"},
	}
	for _, tt := range tests {
		if got := p.T(tt.key); got != tt.want {
			t.Errorf("kk-Latn T(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestLanguageLabels: each language names itself, so the switcher takes a
// language's label from that language's printer.
func TestLanguageLabels(t *testing.T) {
	c := MustLoad()
	want := map[Lang]string{KK: "Қаз", KKLatn: "Qaz", RU: "Рус", EN: "Eng"}
	for _, l := range Langs {
		if got := c.Printer(l).T("lang.short"); got != want[l] {
			t.Errorf("Printer(%s).T(lang.short) = %q, want %q", l, got, want[l])
		}
	}
}

// TestValidate proves the validator fails on broken catalogs.
func TestValidate(t *testing.T) {
	const (
		kk = `{"a": "А", "hello": "Сәлем, {name}!", "n": {"one": "{count} минут", "other": "{count} минут"}}`
		ru = `{"a": "А", "hello": "Привет, {name}!", "n": {"one": "{count} минута", "few": "{count} минуты", "many": "{count} минут", "other": "{count} минуты"}}`
		en = `{"a": "A", "hello": "Hello, {name}!", "n": {"one": "{count} minute", "other": "{count} minutes"}}`
	)
	tests := []struct {
		name       string
		kk, ru, en string
		want       []string // substrings of the error; none for a valid catalog
	}{
		{"valid", kk, ru, en, nil},
		{"missing in ru", kk, `{"a": "А", "n": {"one": "1", "few": "2", "many": "5", "other": "1,5"}}`, en,
			[]string{"ru: hello: missing"}},
		{"only in kk", `{"a": "А", "extra": "Қосымша", "hello": "Сәлем, {name}!", "n": {"one": "{count}", "other": "{count}"}}`, ru, en,
			[]string{"ru: extra: missing", "en: extra: missing"}},
		{"missing plural form", kk, `{"a": "А", "hello": "Привет, {name}!", "n": {"one": "{count} минута", "many": "{count} минут", "other": "{count} минуты"}}`, en,
			[]string{`ru: n: plural form "few" missing`}},
		{"extra plural form", `{"a": "А", "hello": "Сәлем, {name}!", "n": {"one": "{count}", "few": "{count}", "other": "{count}"}}`, ru, en,
			[]string{`kk: n: plural form "few"`, `kk-Latn: n: plural form "few"`}},
		{"plain where en is plural", kk, ru, `{"a": "A", "hello": "Hello, {name}!", "n": "{count} minutes"}`,
			[]string{"kk: n: plural, but plain text in en", "ru: n: plural, but plain text in en"}},
		{"placeholder renamed", kk, `{"a": "А", "hello": "Привет, {имя}!", "n": {"one": "{count}", "few": "{count}", "many": "{count}", "other": "{count}"}}`, en,
			[]string{"ru: hello: placeholders [], en has [name]"}},
		{"placeholder missing in a translation", `{"a": "А", "hello": "Сәлем!", "n": {"one": "{count} минут", "other": "{count} минут"}}`, ru, en,
			[]string{"kk: hello: placeholders [], en has [name]", "kk-Latn: hello: placeholders [], en has [name]"}},
		{"extra placeholder", kk, ru, `{"a": "A {x}", "hello": "Hello, {name}!", "n": {"one": "{count} minute", "other": "{count} minutes"}}`,
			[]string{"kk: a: placeholders [], en has [x]"}},
		{"empty text", `{"a": "", "hello": "Сәлем, {name}!", "n": {"one": "{count}", "other": "{count}"}}`, ru, en,
			[]string{"kk: a: empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cats := make(map[Lang]map[string]message)
			for l, data := range map[Lang]string{KK: tt.kk, RU: tt.ru, EN: tt.en} {
				m, err := parseCatalog([]byte(data))
				if err != nil {
					t.Fatalf("%s: %v", l, err)
				}
				cats[l] = m
			}
			cats[KKLatn] = latinize(cats[KK])
			err := validate(cats)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("validate: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseCatalogErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"duplicate key", `{"a": "x", "b": "y", "a": "z"}`, `"a" appears twice`},
		{"duplicate plural form", `{"n": {"one": "x", "one": "y"}}`, `plural form "one" appears twice`},
		{"number", `{"a": 1}`, `"a": want a string`},
		{"array", `{"a": ["x"]}`, `"a": want a string`},
		{"plural form not a string", `{"n": {"one": 1}}`, `"n": plural form "one"`},
		{"not an object", `["a"]`, `want "{"`},
		{"trailing data", `{"a": "x"} {}`, "data after"},
		{"truncated", `{"a": "x"`, "EOF"},
	}
	for _, tt := range tests {
		_, err := parseCatalog([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: parseCatalog(%s) = %v, want an error containing %q", tt.name, tt.data, err, tt.want)
		}
	}
}
