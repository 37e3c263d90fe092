package api

import (
	"net/url"
	"strconv"

	"github.com/ortaq/ortaq/internal/errs"
)

// Filter builds a list endpoint's WHERE clause from its query parameters:
// each method reads one parameter and, when it is set and valid, adds a
// condition and its arguments; a bad value is a field error on the
// parameter (Err), never a condition.
type Filter struct {
	Q     url.Values
	Where string // "WHERE 1=1" and the conditions added
	Args  []any
	fs    errs.Fields
}

// NewFilter starts a filter on a request's query.
func NewFilter(q url.Values) *Filter { return &Filter{Q: q, Where: "WHERE 1=1"} }

// Add adds a condition with its arguments.
func (f *Filter) Add(cond string, args ...any) {
	f.Where += " AND " + cond
	f.Args = append(f.Args, args...)
}

// Invalid records a field error on parameter name.
func (f *Filter) Invalid(name, key string) { f.fs.Add(name, key) }

// ID filters by a positive integer id: "col = ?".
func (f *Filter) ID(name, col string) {
	v := f.Q.Get(name)
	if v == "" {
		return
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		f.fs.Add(name, "validation.invalid_value")
		return
	}
	f.Add(col+" = ?", n)
}

// Time filters by a time (ParseTime): cond has one placeholder for it.
func (f *Filter) Time(name, cond string) {
	v := f.Q.Get(name)
	if v == "" {
		return
	}
	t, ok := ParseTime(v)
	if !ok {
		f.fs.Add(name, "validation.invalid_value")
		return
	}
	f.Add(cond, t)
}

// Err is the field errors of the parameters read, or nil.
func (f *Filter) Err() error { return f.fs.Err() }
