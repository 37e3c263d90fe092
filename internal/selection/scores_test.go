package selection

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

var rubric = Rubric{
	{Key: "idea", Weight: 2, Max: 10},
	{Key: "team", Weight: 1, Max: 5},
	{Key: "bonus", Weight: 1, Max: 3, Optional: true},
}

func TestRubricCheck(t *testing.T) {
	if err := rubric.Check(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []Rubric{
		nil,
		{{Key: "", Weight: 1, Max: 1}},
		{{Key: "a", Weight: 1, Max: 1}, {Key: "a", Weight: 1, Max: 1}},
		{{Key: "a", Weight: 0, Max: 1}},
		{{Key: "a", Weight: math.NaN(), Max: 1}},
		{{Key: "a", Weight: 1, Max: -1}},
		{{Key: "a", Weight: 1, Max: math.Inf(1)}},
	} {
		if r.Check() == nil {
			t.Fatalf("%+v accepted", r)
		}
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	if err := rubric.Validate(map[string]float64{"idea": 10, "team": 0}); err != nil {
		t.Fatalf("a valid sheet: %v", err)
	}
	if err := rubric.Validate(map[string]float64{"idea": 7.5, "team": 5, "bonus": 3}); err != nil {
		t.Fatalf("a valid sheet with fractions and the optional: %v", err)
	}
	err := rubric.Validate(map[string]float64{"idea": 11, "bonus": math.NaN(), "style": 3})
	var se *SheetError
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	want := []FieldProblem{{Key: "bonus", Code: ProblemNotANumber}, {Key: "idea", Code: ProblemRange, Max: 10},
		{Key: "style", Code: ProblemUnknown}, {Key: "team", Code: ProblemRequired}}
	if !reflect.DeepEqual(se.Problems, want) {
		t.Fatalf("problems %+v, want %+v", se.Problems, want)
	}
	if err := rubric.Validate(map[string]float64{"idea": -0.5, "team": 1}); err == nil {
		t.Fatal("a negative score accepted")
	}
}

func TestTotal(t *testing.T) {
	for _, tc := range []struct {
		scores map[string]float64
		want   float64
	}{
		{map[string]float64{"idea": 10, "team": 5, "bonus": 3}, 100},
		{map[string]float64{"idea": 0, "team": 0}, 0},
		// (2·0.8 + 1·1 + 1·0) / 4 · 100
		{map[string]float64{"idea": 8, "team": 5}, 65},
		{map[string]float64{"idea": 8, "team": 5, "bonus": 1.5}, 77.5},
	} {
		if got := rubric.Total(tc.scores); math.Abs(got-tc.want) > 1e-9 {
			t.Fatalf("Total(%v) = %v, want %v", tc.scores, got, tc.want)
		}
	}
}

func TestLeadIsTheHeaviestFirstListed(t *testing.T) {
	if l := rubric.Lead(); l != 0 {
		t.Fatalf("lead %d", l)
	}
	r := Rubric{{Key: "a", Weight: 1, Max: 1}, {Key: "b", Weight: 3, Max: 1}, {Key: "c", Weight: 3, Max: 1}}
	if l := r.Lead(); l != 1 {
		t.Fatalf("lead %d, want 1 (b: heaviest, listed before c)", l)
	}
}
