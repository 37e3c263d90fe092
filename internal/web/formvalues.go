package web

import (
	"net/url"
	"strconv"
	"strings"
)

// FormInt reads a whole number from a form field or a path part ("12",
// " 12 "); 0 when it is not one (or too large for one), which no record
// has as its id.
func FormInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil { // a number too large comes back as the largest one
		return 0
	}
	return n
}

// FormIDs reads the ids of a repeated form field (the checkboxes or
// hidden inputs named name), leaving out any that is not a positive
// number.
func FormIDs(f url.Values, name string) []int64 {
	var out []int64
	for _, s := range f[name] {
		if id := FormInt(s); id > 0 {
			out = append(out, id)
		}
	}
	return out
}
