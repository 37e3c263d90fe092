package calls

import (
	"encoding/json"
	"strconv"
)

// parseScores reads a stored score sheet, {"key":number,…} as
// json.Marshal writes a map[string]float64, without reflection: closing a
// stage reads 30,000 of them, and encoding/json was a third of the close's
// CPU (docs/benchmarks.md). Anything it does not recognise (an escaped
// key, another shape) goes through encoding/json, so the result is always
// what json.Unmarshal gives.
func parseScores(b []byte) (map[string]float64, error) {
	if m, ok := fastScores(b); ok {
		return m, nil
	}
	var m map[string]float64
	err := json.Unmarshal(b, &m)
	return m, err
}

func fastScores(b []byte) (map[string]float64, bool) {
	i, n := 0, len(b)
	space := func() {
		for i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	space()
	if i >= n || b[i] != '{' {
		return nil, false
	}
	i++
	m := make(map[string]float64, 4)
	space()
	if i < n && b[i] == '}' {
		i++
		space()
		return m, i == n
	}
	for {
		space()
		if i >= n || b[i] != '"' {
			return nil, false
		}
		i++
		start := i
		for i < n && b[i] != '"' {
			if b[i] == '\\' || b[i] < 0x20 || b[i] >= 0x80 {
				return nil, false // escapes and non-ASCII keys: leave them to encoding/json
			}
			i++
		}
		if i >= n {
			return nil, false
		}
		key := string(b[start:i])
		i++
		space()
		if i >= n || b[i] != ':' {
			return nil, false
		}
		i++
		space()
		start = i
		if i = jsonNumber(b, i); i < 0 {
			return nil, false
		}
		f, err := strconv.ParseFloat(string(b[start:i]), 64)
		if err != nil {
			return nil, false
		}
		if _, dup := m[key]; dup {
			return nil, false
		}
		m[key] = f
		space()
		if i >= n {
			return nil, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			i++
			space()
			return m, i == n
		default:
			return nil, false
		}
	}
}

// jsonNumber returns the end of the JSON number starting at b[i]
// (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or -1 when there is none.
func jsonNumber(b []byte, i int) int {
	n := len(b)
	digits := func() int {
		s := i
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - s
	}
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case digits() == 0:
		return -1
	}
	if i < n && b[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}
