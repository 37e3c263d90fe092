package tabular

import (
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// stdRecords splits data with encoding/csv as the importers did before.
func stdRecords(data string, comma byte) [][]string {
	r := csv.NewReader(strings.NewReader(data))
	r.Comma = rune(comma)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var out [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			return append(out, []string{"ERROR " + err.Error()})
		}
		out = append(out, rec)
	}
}

func ourRecords(data string, comma byte) [][]string {
	p := csvParser{data: []byte(data), comma: comma}
	var out [][]string
	for {
		var rec []string
		more, err := p.next(func() error { return nil }, func(col int, v []byte) error {
			if col != len(rec) {
				return errors.New("columns out of order")
			}
			rec = append(rec, string(v))
			return nil
		})
		if err != nil {
			return append(out, []string{"ERROR " + err.Error()})
		}
		if !more {
			return out
		}
		out = append(out, rec)
	}
}

func checkSame(t *testing.T, data string, comma byte) {
	t.Helper()
	want, got := stdRecords(data, comma), ourRecords(data, comma)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%q (sep %q):\nencoding/csv %q\ntabular      %q", data, comma, want, got)
	}
}

// The CSV parser splits records exactly as encoding/csv with LazyQuotes
// does (what the importers used): the same bytes give the same rows.
func TestCSVParserMatchesEncodingCSV(t *testing.T) {
	for _, c := range []string{
		"", "\n", "a", "a\n", "a,b\nc,d\n", "a,b\r\nc,d\r\n", "\n\na,b\n\n\nc\n", "a,\n,b\n,,\n",
		`"a,b",c` + "\n", `"a""b",c`, `"a"b,c`, `a"b,c"d`, `"a` + "\n" + `b",c`, `"unterminated,x` + "\n" + "y",
		`"a"` + "\r\n" + `"b"`, "a\r", "a\rb\n", `"a` + "\r\n" + `b"`, `"",""` + "\n", `" "x",y`, "\ufeffa,b",
		"Аты-жөні;Электрондық пошта\nӘлия;a@b.kz\n", "x\t\"y\"\tz\n", `"a""`, `""""`, `"`, `,"`, "\r\n\r\n",
	} {
		for _, sep := range []byte{',', ';', '\t'} {
			checkSame(t, c, sep)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", ",", ";", `"`, `"`, "\n", "\r", " ", "ә", "\t", `""`, "\r\n"}
	for range 100_000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		checkSame(t, b.String(), []byte{',', ';', '\t'}[rng.IntN(3)])
	}
}

func FuzzCSVParser(f *testing.F) {
	for _, s := range []string{"a,b\n", `"a""b",c`, `"a"b,c`, "\"x\r\ny\",z", "a\r", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSame(t, s, ',')
		checkSame(t, s, ';')
	})
}

func TestSeparator(t *testing.T) {
	for in, want := range map[string]byte{
		"a,b,c\n":             ',',
		"a;b;c\nx,y,z,w,v\n":  ';',
		"a\tb\tc\n":           '\t',
		"a;b,c;d\n":           ';',
		"name\temail,x\trole": '\t',
		"":                    ',',
	} {
		if got := separator([]byte(in)); got != want {
			t.Errorf("separator(%q) = %q, want %q", in, got, want)
		}
	}
}
