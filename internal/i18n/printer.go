package i18n

import (
	"fmt"
	"math"
	"strings"
)

// Printer translates and formats for one language. Printers are created by
// Load, so getting one is a map lookup; they are read-only and safe for
// concurrent use.
type Printer struct {
	lang Lang
	base string
	msgs map[string]message
	loc  *locale
}

func newPrinter(l Lang, msgs map[string]message) *Printer {
	return &Printer{lang: l, base: l.Base(), msgs: msgs, loc: locales[l]}
}

// Lang is the printer's language.
func (p *Printer) Lang() Lang { return p.lang }

// Has reports whether the catalog has key.
func (p *Printer) Has(key string) bool {
	_, ok := p.msgs[key]
	return ok
}

// T translates key, filling placeholders from args, which are name, value
// pairs: T("auth.hello", "name", "Aigerim"). Strings are inserted as they
// are; integers and floats are formatted for the language (Number,
// Decimal); a Message is translated. A plural message takes its form from an
// integer "count" argument. An unknown key returns the key itself, and a
// placeholder without an argument is left as it is, so mistakes show on the
// page instead of failing it.
func (p *Printer) T(key string, args ...any) string {
	m, ok := p.msgs[key]
	if !ok {
		return key
	}
	if m.forms == nil {
		return p.format(m.text, args, 0, false)
	}
	category := "other"
	if n, ok := intArg(args, "count"); ok {
		category = PluralForm(p.base, n)
	}
	return p.format(m.form(category), args, 0, false)
}

// N translates a message with a plural form for n, by the CLDR rule of the
// language. {count} is n, formatted with Number; args are as for T.
func (p *Printer) N(key string, n int, args ...any) string {
	m, ok := p.msgs[key]
	if !ok {
		return key
	}
	tmpl := m.text
	if m.forms != nil {
		tmpl = m.form(PluralForm(p.base, n))
	}
	return p.format(tmpl, args, int64(n), true)
}

// Message is a user-facing message to be translated later, when the
// language is known: validation and service errors carry one.
type Message struct {
	Key  string
	Args []any
}

// M makes a Message; args are as for Printer.T.
func M(key string, args ...any) Message { return Message{Key: key, Args: args} }

// Msg translates m.
func (p *Printer) Msg(m Message) string { return p.T(m.Key, m.Args...) }

// format fills the placeholders of tmpl in one pass. When hasCount is set,
// {count} is count regardless of args.
func (p *Printer) format(tmpl string, args []any, count int64, hasCount bool) string {
	i := strings.IndexByte(tmpl, '{')
	if i < 0 || len(args) == 0 && !hasCount {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for i >= 0 {
		name, end, ok := placeholderAt(tmpl, i)
		if !ok {
			b.WriteString(tmpl[:i+1])
			tmpl = tmpl[i+1:]
		} else {
			b.WriteString(tmpl[:i])
			if hasCount && name == "count" {
				p.writeInt(&b, count)
			} else if v, ok := arg(args, name); ok {
				p.writeArg(&b, v)
			} else {
				b.WriteString(tmpl[i:end])
			}
			tmpl = tmpl[end:]
		}
		i = strings.IndexByte(tmpl, '{')
	}
	b.WriteString(tmpl)
	return b.String()
}

// arg finds the value of name among name, value pairs.
func arg(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if s, ok := args[i].(string); ok && s == name {
			return args[i+1], true
		}
	}
	return nil, false
}

// intArg finds an integer argument.
func intArg(args []any, name string) (int, bool) {
	v, _ := arg(args, name)
	n, ok := asInt(v)
	return int(n), ok
}

// asInt converts a value of any integer type that fits in int64.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return int64(v), uint64(v) <= math.MaxInt64
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return int64(v), v <= math.MaxInt64
	}
	return 0, false
}

func (p *Printer) writeInt(b *strings.Builder, n int64) {
	var buf [40]byte
	b.Write(p.appendNumber(buf[:0], n))
}

func (p *Printer) writeArg(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(v)
	case Message:
		b.WriteString(p.Msg(v))
	case float64:
		b.WriteString(p.Decimal(v, -1))
	case float32:
		b.WriteString(p.Decimal(float64(v), -1))
	case fmt.Stringer:
		b.WriteString(v.String())
	default:
		if n, ok := asInt(v); ok {
			p.writeInt(b, n)
		} else {
			b.WriteString(fmt.Sprint(v)) // not Fprint: b would escape to the heap
		}
	}
}
