package calls

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// parseScores gives exactly what encoding/json gives, for what we store
// and for anything else.
func TestParseScoresAgreesWithEncodingJSON(t *testing.T) {
	check := func(in string) {
		t.Helper()
		var want map[string]float64
		wantErr := json.Unmarshal([]byte(in), &want)
		got, err := parseScores([]byte(in))
		if (err != nil) != (wantErr != nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: got %v %v, encoding/json %v %v", in, got, err, want, wantErr)
		}
	}
	for _, in := range []string{`{}`, ` { } `, `{"art":7}`, `{"art":7.5,"idea":0,"stage":-0.25}`, `{"a":1e3,"b":2E-2,"c":-0}`,
		`{"a":01}`, `{"a":.5}`, `{"a":1.}`, `{"a":+1}`, `{"a":-}`, `{"a":1,}`, `{"a" 1}`, `{"a":1}x`, `{"a":NaN}`, `{"a":"7"}`,
		`{"a":1,"a":2}`, `{"a\\u0062":1}`, `{"шеберлік":9}`, `null`, ``, `[]`, `{"a":1e999}`, `{"a":0x10}`, `{"a":1_0}`, "{\n\"a\" :\t3 }"} {
		check(in)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		m := map[string]float64{}
		for k := range r.IntN(6) {
			m[fmt.Sprintf("c%d", k)] = r.NormFloat64() * 100
		}
		b, _ := json.Marshal(m)
		check(string(b))
		if got, ok := fastScores(b); !ok || !reflect.DeepEqual(got, m) {
			t.Fatalf("the fast path missed what we store: %s", b)
		}
	}
}
