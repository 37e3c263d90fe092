package i18n

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// testCatalog builds a catalog from inline JSON, so printer tests do not
// depend on the wording of the real one.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	const (
		kk = `{
			"hello": "Сәлеметсіз бе, {name}!",
			"plain": "Ұйымдар",
			"limit": "Ең көбі {max} таңба.",
			"ratio": "Үлесі: {share}",
			"nested": "Қате: {reason}",
			"reason": "{field} өрісі бос",
			"braces": "{ not a placeholder } {} {a-b} {unknown}",
			"minutes": {"one": "{count} минут", "other": "{count} минут"},
			"members": {"one": "{org}: {count} мүше", "other": "{org}: {count} мүше"}
		}`
		ru = `{
			"hello": "Здравствуйте, {name}!",
			"plain": "Организации",
			"limit": "Не более {max} символов.",
			"ratio": "Доля: {share}",
			"nested": "Ошибка: {reason}",
			"reason": "поле «{field}» пустое",
			"braces": "{ not a placeholder } {} {a-b} {unknown}",
			"minutes": {"one": "{count} минута", "few": "{count} минуты", "many": "{count} минут", "other": "{count} минуты"},
			"members": {"one": "{org}: {count} участник", "few": "{org}: {count} участника", "many": "{org}: {count} участников", "other": "{org}: {count} участника"}
		}`
		en = `{
			"hello": "Hello, {name}!",
			"plain": "Organizations",
			"limit": "At most {max} characters.",
			"ratio": "Share: {share}",
			"nested": "Error: {reason}",
			"reason": "{field} is empty",
			"braces": "{ not a placeholder } {} {a-b} {unknown}",
			"minutes": {"one": "{count} minute", "other": "{count} minutes"},
			"members": {"one": "{org}: {count} member", "other": "{org}: {count} members"}
		}`
	)
	cats := make(map[Lang]map[string]message)
	for l, data := range map[Lang]string{KK: kk, RU: ru, EN: en} {
		m, err := parseCatalog([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		cats[l] = m
	}
	cats[KKLatn] = latinize(cats[KK])
	if err := validate(cats); err != nil {
		t.Fatal(err)
	}
	c := &Catalog{printers: make(map[Lang]*Printer)}
	for _, l := range Langs {
		c.printers[l] = newPrinter(l, cats[l])
	}
	return c
}

type stringer struct{}

func (stringer) String() string { return "S" }

func TestT(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{KK, "plain", nil, "Ұйымдар"},
		{KKLatn, "plain", nil, "Ūiymdar"},
		{RU, "plain", nil, "Организации"},
		{EN, "plain", nil, "Organizations"},
		{KK, "hello", []any{"name", "Айгерім"}, "Сәлеметсіз бе, Айгерім!"},
		{KKLatn, "hello", []any{"name", "Aigerim"}, "Sälemetsız be, Aigerim!"},
		{RU, "hello", []any{"name", "Aigerim"}, "Здравствуйте, Aigerim!"},
		{EN, "hello", []any{"name", "Aigerim"}, "Hello, Aigerim!"},
		// Numbers are formatted for the language.
		{KK, "limit", []any{"max", 2000}, "Ең көбі 2\u00a0000 таңба."},
		{EN, "limit", []any{"max", int64(2000)}, "At most 2,000 characters."},
		{EN, "limit", []any{"max", uint8(200)}, "At most 200 characters."},
		{RU, "ratio", []any{"share", 12.5}, "Доля: 12,5"},
		{EN, "ratio", []any{"share", float32(0.25)}, "Share: 0.25"},
		{EN, "ratio", []any{"share", stringer{}}, "Share: S"},
		{EN, "ratio", []any{"share", errors.New("e")}, "Share: e"},
		{EN, "ratio", []any{"share", true}, "Share: true"},
		// A Message argument is translated too.
		{RU, "nested", []any{"reason", M("reason", "field", "Email")}, "Ошибка: поле «Email» пустое"},
		// No args, missing args, odd args, unknown names: placeholders stay.
		{EN, "hello", nil, "Hello, {name}!"},
		{EN, "hello", []any{"nom", "x"}, "Hello, {name}!"},
		{EN, "hello", []any{"name"}, "Hello, {name}!"},
		{EN, "hello", []any{1, "x", "name", "Ann"}, "Hello, Ann!"},
		{EN, "braces", []any{"a-b", "x", "unknown", "u"}, "{ not a placeholder } {} {a-b} u"},
		// A plural message through T takes its form from "count".
		{RU, "minutes", []any{"count", 22}, "22 минуты"},
		{RU, "minutes", nil, "{count} минуты"},
		// Unknown keys come back as they are.
		{EN, "no.such.key", nil, "no.such.key"},
		{KK, "no.such.key", []any{"name", "x"}, "no.such.key"},
	}
	for _, tt := range tests {
		if got := c.Printer(tt.lang).T(tt.key, tt.args...); got != tt.want {
			t.Errorf("%s: T(%q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestN(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		lang Lang
		key  string
		n    int
		args []any
		want string
	}{
		{RU, "minutes", 1, nil, "1 минута"},
		{RU, "minutes", 2, nil, "2 минуты"},
		{RU, "minutes", 5, nil, "5 минут"},
		{RU, "minutes", 11, nil, "11 минут"},
		{RU, "minutes", 21, nil, "21 минута"},
		{RU, "minutes", 22, nil, "22 минуты"},
		{RU, "minutes", 111, nil, "111 минут"},
		{RU, "minutes", 1001, nil, "1\u00a0001 минута"},
		{KK, "minutes", 1, nil, "1 минут"},
		{KK, "minutes", 5, nil, "5 минут"},
		{KKLatn, "minutes", 5, nil, "5 minut"},
		{EN, "minutes", 0, nil, "0 minutes"},
		{EN, "minutes", 1, nil, "1 minute"},
		{EN, "minutes", 1500, nil, "1,500 minutes"},
		{EN, "minutes", -1, nil, "-1 minute"},
		// Other args fill other placeholders; n wins over a "count" arg.
		{RU, "members", 3, []any{"org", "Жастар Рухы"}, "Жастар Рухы: 3 участника"},
		{EN, "members", 1, []any{"org", "Ortaq", "count", 7}, "Ortaq: 1 member"},
		// A plain message works with N too.
		{EN, "hello", 3, []any{"name", "Ann"}, "Hello, Ann!"},
		{EN, "no.such.key", 3, nil, "no.such.key"},
	}
	for _, tt := range tests {
		if got := c.Printer(tt.lang).N(tt.key, tt.n, tt.args...); got != tt.want {
			t.Errorf("%s: N(%q, %d, %v) = %q, want %q", tt.lang, tt.key, tt.n, tt.args, got, tt.want)
		}
	}
}

func TestMsg(t *testing.T) {
	c := testCatalog(t)
	m := M("hello", "name", "Ann")
	if m.Key != "hello" || len(m.Args) != 2 {
		t.Fatalf("M = %#v", m)
	}
	for lang, want := range map[Lang]string{KK: "Сәлеметсіз бе, Ann!", RU: "Здравствуйте, Ann!", EN: "Hello, Ann!"} {
		if got := c.Printer(lang).Msg(m); got != want {
			t.Errorf("%s: Msg = %q, want %q", lang, got, want)
		}
	}
}

func TestPrinterUnknownLang(t *testing.T) {
	c := testCatalog(t)
	if got := c.Printer("de").Lang(); got != KK {
		t.Errorf("Printer(de).Lang() = %q, want kk", got)
	}
}

var sink string

func TestTAllocs(t *testing.T) {
	p := testCatalog(t).Printer(KK)
	if n := testing.AllocsPerRun(100, func() { sink = p.T("plain") }); n != 0 {
		t.Errorf("T without args: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = p.T("hello") }); n != 0 {
		t.Errorf("T of a template without args: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = p.T("no.such.key") }); n != 0 {
		t.Errorf("T of a missing key: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = p.N("minutes", 1234) }); n != 1 {
		t.Errorf("N: %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = p.T("hello", "name", "Aigerim") }); n != 1 {
		t.Errorf("T with args: %v allocations, want 1", n)
	}
}

// TestConcurrent runs printers from many goroutines; with -race it checks
// that they share nothing mutable.
func TestConcurrent(t *testing.T) {
	c := MustLoad()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			p := c.Printer(Langs[i%len(Langs)])
			for j := range 200 {
				_ = p.T("auth.hello", "name", "Ann")
				_ = p.N("time.minutes", j)
				_ = p.Date(time.Unix(int64(j)*86400, 0))
				_ = p.Number(int64(j) * 1000)
			}
		})
	}
	wg.Wait()
}

func BenchmarkT(b *testing.B) {
	p := MustLoad().Printer(KK)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.T("nav.organizations")
		}
	})
	b.Run("args", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.T("auth.hello", "name", "Aigerim")
		}
	})
	b.Run("number", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.T("validation.too_long", "max", 2000)
		}
	})
	b.Run("plural", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = p.N("time.minutes", 21)
		}
	})
}
