package api

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/errs"
)

func TestFilter(t *testing.T) {
	f := NewFilter(url.Values{"organization_id": {"7"}, "from": {"2026-03-01"}, "to": {"2026-04-01T10:00:00+05:00"}})
	f.ID("organization_id", "m.org_id")
	f.ID("programme_id", "m.programme_id") // not given: no condition
	f.Time("from", "m.ends_at >= ?")
	f.Time("to", "m.starts_at < ?")
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "WHERE 1=1 AND m.org_id = ? AND m.ends_at >= ? AND m.starts_at < ?"; f.Where != want {
		t.Errorf("where %q, want %q", f.Where, want)
	}
	want := []any{int64(7), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC)}
	if !reflect.DeepEqual(f.Args, want) {
		t.Errorf("args %v, want %v", f.Args, want)
	}

	bad := NewFilter(url.Values{"organization_id": {"0"}, "meeting_id": {"x"}, "from": {"yesterday"}})
	bad.ID("organization_id", "e.org_id")
	bad.ID("meeting_id", "e.meeting_id")
	bad.Time("from", "e.opened_at >= ?")
	bad.Invalid("status", "validation.invalid_value")
	e, ok := errs.As(bad.Err())
	if !ok {
		t.Fatalf("bad values: %v", bad.Err())
	}
	got := map[string]string{}
	for _, fe := range e.Fields {
		got[fe.Name] = fe.Key
	}
	for _, name := range []string{"organization_id", "meeting_id", "from", "status"} {
		if got[name] != "validation.invalid_value" {
			t.Errorf("%s: %q", name, got[name])
		}
	}
	if bad.Where != "WHERE 1=1" || len(bad.Args) != 0 {
		t.Errorf("a bad value added a condition: %q %v", bad.Where, bad.Args)
	}
}
