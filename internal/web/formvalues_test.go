package web

import (
	"net/url"
	"slices"
	"testing"
)

func TestFormIDs(t *testing.T) {
	f := url.Values{"teacher": {"12", " 7 ", "x", "0", "-3", "", "99999999999999999999", "45"}}
	if got := FormIDs(f, "teacher"); !slices.Equal(got, []int64{12, 7, 45}) {
		t.Errorf("FormIDs = %v, want [12 7 45]", got)
	}
	if got := FormIDs(f, "judge"); got != nil {
		t.Errorf("a field not sent: %v", got)
	}
	for s, want := range map[string]int64{"12": 12, " 12\n": 12, "1e3": 0, "": 0, "٣": 0} {
		if got := FormInt(s); got != want {
			t.Errorf("FormInt(%q) = %d, want %d", s, got, want)
		}
	}
}
