package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ortaq/ortaq/internal/kazakh"
)

//go:embed catalog/*.json
var catalogFiles embed.FS

// sources are the languages with a catalog file; kk-Latn is generated.
var sources = []Lang{KK, RU, EN}

// message is one catalog entry: a plain text, or plural forms by CLDR
// category.
type message struct {
	text  string
	forms map[string]string // nil for a plain text
}

// form returns the plural form for category, or "other" as the fallback CLDR
// prescribes.
func (m message) form(category string) string {
	if s, ok := m.forms[category]; ok {
		return s
	}
	return m.forms["other"]
}

// Catalog holds the messages of every language. It is read-only after Load
// and safe for concurrent use.
type Catalog struct {
	printers map[Lang]*Printer
	keys     []string
}

// Load parses the embedded catalogs, generates kk-Latn from kk and validates
// the result: every key in every language, complete plural forms, and the
// same placeholders as in English.
func Load() (*Catalog, error) {
	// A catalog is split into files per component: LANG.json for the core
	// and COMPONENT.LANG.json beside it (orgs.kk.json, …), so that
	// components add their messages without editing a shared file. A key
	// may be defined in one file per language only.
	names, err := fs.Glob(catalogFiles, "catalog/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	cats := make(map[Lang]map[string]message, len(Langs))
	for _, l := range sources {
		cats[l] = map[string]message{}
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		l := Lang(base[strings.LastIndexByte(base, '.')+1:])
		if !slices.Contains(sources, l) {
			return nil, fmt.Errorf("i18n: %s: not a source language (kk-Latn is generated from kk)", name)
		}
		data, err := catalogFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		msgs, err := parseCatalog(data)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, m := range msgs {
			if _, dup := cats[l][k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is defined in another %s file too", name, k, l)
			}
			cats[l][k] = m
		}
	}
	cats[KKLatn] = latinize(cats[KK])
	if err := validate(cats); err != nil {
		return nil, fmt.Errorf("i18n: invalid catalog:\n%w", err)
	}
	c := &Catalog{
		printers: make(map[Lang]*Printer, len(Langs)),
		keys:     slices.Sorted(maps.Keys(cats[EN])),
	}
	for _, l := range Langs {
		c.printers[l] = newPrinter(l, cats[l])
	}
	return c, nil
}

// MustLoad is Load for program start: it panics on an invalid catalog, which
// the tests catch long before.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Printer returns the printer of language l; an unknown language gets
// Kazakh.
func (c *Catalog) Printer(l Lang) *Printer {
	if p, ok := c.printers[l]; ok {
		return p
	}
	return c.printers[KK]
}

// Keys returns every message key, sorted.
func (c *Catalog) Keys() []string { return slices.Clone(c.keys) }

// parseCatalog reads one catalog file: a JSON object whose values are strings
// or objects of plural forms. Unlike json.Unmarshal it rejects duplicate keys,
// the usual result of adding a key that already exists further down.
func parseCatalog(data []byte) (map[string]message, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	msgs := make(map[string]message)
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := msgs[key]; dup {
			return nil, fmt.Errorf("%q appears twice", key)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case string:
			msgs[key] = message{text: v}
		case json.Delim:
			if v != '{' {
				return nil, fmt.Errorf("%q: want a string or an object of plural forms", key)
			}
			forms := make(map[string]string)
			for dec.More() {
				category, err := stringToken(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := forms[category]; dup {
					return nil, fmt.Errorf("%q: plural form %q appears twice", key, category)
				}
				if forms[category], err = stringToken(dec); err != nil {
					return nil, fmt.Errorf("%q: plural form %q: %w", key, category, err)
				}
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, err
			}
			msgs[key] = message{forms: forms}
		default:
			return nil, fmt.Errorf("%q: want a string or an object of plural forms", key)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the catalog object")
	}
	return msgs, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want a string, found %v", tok)
	}
	return s, nil
}

// latinize generates the kk-Latn catalog from kk. Placeholders are Latin and
// pass through ToLatin unchanged.
func latinize(kk map[string]message) map[string]message {
	out := make(map[string]message, len(kk))
	for key, m := range kk {
		if m.forms == nil {
			out[key] = message{text: kazakh.ToLatin(m.text)}
			continue
		}
		forms := make(map[string]string, len(m.forms))
		for category, s := range m.forms {
			forms[category] = kazakh.ToLatin(s)
		}
		out[key] = message{forms: forms}
	}
	return out
}

// validate checks parsed catalogs, one per language in Langs: every key is in
// every language; a message is plural in all languages or in none; plural
// messages have exactly the CLDR categories of their language; no text is
// empty; and each translation uses the same placeholders as English.
func validate(cats map[Lang]map[string]message) error {
	keys := make(map[string]bool)
	for _, l := range Langs {
		for key := range cats[l] {
			keys[key] = true
		}
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		en, inEN := cats[EN][key]
		for _, l := range Langs {
			m, ok := cats[l][key]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %s: missing", l, key))
				continue
			}
			if err := checkForms(l, m); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %w", l, key, err))
				continue
			}
			if !inEN || l == EN {
				continue
			}
			switch {
			case m.forms == nil && en.forms != nil:
				errs = append(errs, fmt.Errorf("%s: %s: plain text, but plural in en", l, key))
			case m.forms != nil && en.forms == nil:
				errs = append(errs, fmt.Errorf("%s: %s: plural, but plain text in en", l, key))
			default:
				if got, want := placeholders(m), placeholders(en); !slices.Equal(got, want) {
					errs = append(errs, fmt.Errorf("%s: %s: placeholders %v, en has %v", l, key, got, want))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// checkForms checks that a message has no empty text and, if plural, exactly
// the plural categories of language l.
func checkForms(l Lang, m message) error {
	if m.forms == nil {
		if m.text == "" {
			return errors.New("empty")
		}
		return nil
	}
	want := pluralCategories(l.Base())
	for category, s := range m.forms {
		if !slices.Contains(want, category) {
			return fmt.Errorf("plural form %q: %s has only %v", category, l.Base(), want)
		}
		if s == "" {
			return fmt.Errorf("plural form %q is empty", category)
		}
	}
	for _, category := range want {
		if _, ok := m.forms[category]; !ok {
			return fmt.Errorf("plural form %q missing (%s needs %v)", category, l.Base(), want)
		}
	}
	return nil
}

// placeholders returns the sorted, distinct placeholder names of a message,
// over all its plural forms.
func placeholders(m message) []string {
	var names []string
	add := func(s string) {
		for i := strings.IndexByte(s, '{'); i >= 0; {
			if name, end, ok := placeholderAt(s, i); ok {
				names = append(names, name)
				s = s[end:]
			} else {
				s = s[i+1:]
			}
			i = strings.IndexByte(s, '{')
		}
	}
	add(m.text)
	for _, s := range m.forms {
		add(s)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// placeholderAt parses a placeholder "{name}" at s[i], which is '{'; a name
// is ASCII letters, digits and underscores. It returns the name and the
// index just after the closing brace.
func placeholderAt(s string, i int) (name string, end int, ok bool) {
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '}':
			return s[i+1 : j], j + 1, j > i+1
		case c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}
