package api

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestWriteProblem(t *testing.T) {
	tests := []struct {
		name   string
		p      Problem
		status int
		body   string
	}{
		{"full", Problem{Type: "https://ortaq.kz/problems/x", Title: "Қате", Status: 422, Detail: "d",
			Errors: []FieldError{{Field: "email", Message: "m", Row: 3}, {Field: "name", Message: "n"}}}, 422,
			`{"type":"https://ortaq.kz/problems/x","title":"Қате","status":422,"detail":"d","errors":[{"field":"email","message":"m","row":3},{"field":"name","message":"n"}]}`},
		{"minimal", Problem{Title: "Not found", Status: 404}, 404, `{"title":"Not found","status":404}`},
		{"defaults", Problem{}, 500, `{"title":"Internal Server Error","status":500}`},
		{"title from status", Problem{Status: 409}, 409, `{"title":"Conflict","status":409}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteProblem(rec, tt.p)
			if rec.Code != tt.status {
				t.Errorf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := strings.TrimSuffix(rec.Body.String(), "\n"); got != tt.body {
				t.Errorf("body\n got %s\nwant %s", got, tt.body)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusCreated, map[string]any{"id": "x", "html": "<b>"})
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%d %v", rec.Code, rec.Header())
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got, map[string]any{"id": "x", "html": "<b>"}) {
		t.Errorf("body %s: %v", rec.Body, err)
	}

	// The answer says its length, and is what json.Marshal makes (HTML
	// escaped) with a newline; an answer after a longer one carries none
	// of its bytes.
	long := map[string]any{"items": strings.Repeat("ы", 5000)}
	for _, v := range []any{long, map[string]any{"id": "x", "html": "<b>"}} {
		rec = httptest.NewRecorder()
		WriteJSON(rec, http.StatusOK, v)
		want, _ := json.Marshal(v)
		if got := rec.Body.String(); got != string(want)+"\n" {
			t.Errorf("body %.80q, want %.80q", got, want)
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Content-Length %q for %d bytes", cl, rec.Body.Len())
		}
	}

	rec = httptest.NewRecorder()
	WriteJSON(rec, http.StatusNoContent, struct{}{})
	if rec.Code != 204 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("204: %d %q %v", rec.Code, rec.Body, rec.Header())
	}

	// An unencodable value panics before anything is written.
	rec = httptest.NewRecorder()
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "NaN") {
				t.Errorf("recover() = %v", r)
			}
		}()
		WriteJSON(rec, 200, map[string]float64{"turnout": math.NaN()})
	}()
	if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Errorf("something was written: %v %q", rec.Header(), rec.Body)
	}
}
