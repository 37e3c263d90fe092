package selection

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Criterion is one line of a stage's rubric, as in the call's
// "criteria":[{"key","title","weight","max"}].
type Criterion struct {
	Key    string  `json:"key"`
	Weight float64 `json:"weight"`
	Max    float64 `json:"max"`
	// Optional criteria may be left blank; a blank counts as 0.
	Optional bool `json:"optional,omitempty"`
}

// Rubric is a stage's criteria in the order the call lists them.
type Rubric []Criterion

// Check reports whether the rubric itself is usable: at least one
// criterion, keys present and distinct, weights and maxima positive.
func (r Rubric) Check() error {
	if len(r) == 0 {
		return errors.New("selection: a rubric needs at least one criterion")
	}
	seen := map[string]bool{}
	for _, c := range r {
		switch {
		case c.Key == "":
			return errors.New("selection: a criterion has no key")
		case seen[c.Key]:
			return fmt.Errorf("selection: criterion %q given twice", c.Key)
		case !(c.Weight > 0) || math.IsInf(c.Weight, 0):
			return fmt.Errorf("selection: criterion %q: the weight must be a positive number", c.Key)
		case !(c.Max > 0) || math.IsInf(c.Max, 0):
			return fmt.Errorf("selection: criterion %q: the maximum must be a positive number", c.Key)
		}
		seen[c.Key] = true
	}
	return nil
}

// Lead is the index of the criterion that breaks the first tie: the one
// with the greatest weight, the first listed among equals.
func (r Rubric) Lead() int {
	lead := 0
	for i, c := range r {
		if c.Weight > r[lead].Weight {
			lead = i
		}
	}
	return lead
}

// Problem codes of a score sheet, for translated messages.
const (
	ProblemRequired   = "required"     // a required criterion has no score
	ProblemRange      = "out_of_range" // below 0 or above the criterion's maximum
	ProblemNotANumber = "not_a_number" // NaN or infinite
	ProblemUnknown    = "unknown"      // a key the rubric does not have
)

// FieldProblem is one problem of a score sheet.
type FieldProblem struct {
	Key  string  `json:"field"`
	Code string  `json:"code"`
	Max  float64 `json:"max,omitempty"` // for out_of_range
}

// SheetError lists every problem of a score sheet, sorted by key; it maps
// onto the API's 422 problem with errors:[{field, message}].
type SheetError struct {
	Problems []FieldProblem
}

func (e *SheetError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Key + ": " + p.Code
	}
	return "selection: score sheet: " + strings.Join(parts, ", ")
}

// Validate checks a juror's score sheet: every required criterion scored,
// every score a number from 0 to the criterion's maximum, no unknown keys.
// It returns a *SheetError listing every problem, or nil.
func (r Rubric) Validate(scores map[string]float64) error {
	var ps []FieldProblem
	present := 0
	for _, c := range r {
		v, ok := scores[c.Key]
		if ok {
			present++
		}
		switch {
		case !ok:
			if !c.Optional {
				ps = append(ps, FieldProblem{Key: c.Key, Code: ProblemRequired})
			}
		case math.IsNaN(v) || math.IsInf(v, 0):
			ps = append(ps, FieldProblem{Key: c.Key, Code: ProblemNotANumber})
		case v < 0 || v > c.Max:
			ps = append(ps, FieldProblem{Key: c.Key, Code: ProblemRange, Max: c.Max})
		}
	}
	if present < len(scores) { // some key is not the rubric's
		known := make(map[string]bool, len(r))
		for _, c := range r {
			known[c.Key] = true
		}
		for k := range scores {
			if !known[k] {
				ps = append(ps, FieldProblem{Key: k, Code: ProblemUnknown})
			}
		}
	}
	if len(ps) == 0 {
		return nil
	}
	slices.SortFunc(ps, func(a, b FieldProblem) int { return strings.Compare(a.Key, b.Key) })
	return &SheetError{Problems: ps}
}

// Total is a valid sheet's weighted total on a 0–100 scale: the sum of
// weight × score / max over the criteria, divided by the sum of weights,
// times 100. A blank optional criterion counts as 0. With weights 2 and 1
// and maxima 10 and 5, scores 8 and 5 give (2·0.8 + 1·1) / 3 · 100 ≈ 86.7.
func (r Rubric) Total(scores map[string]float64) float64 {
	var sum, weights float64
	for _, c := range r {
		sum += c.Weight * scores[c.Key] / c.Max
		weights += c.Weight
	}
	return 100 * sum / weights
}
