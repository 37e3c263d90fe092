package audit

import (
	"slices"
	"strings"

	"github.com/ortaq/ortaq/internal/i18n"
)

// Kinds are the actions the components record (Entry.Action), as the
// catalog names them: each kind has its label in every language under
// audit.action.KIND, in the recording component's own catalog files. The
// tests check that every action written in the code has one, so a
// component that records a new kind adds only its own catalog entries.
func Kinds(c *i18n.Catalog) []string {
	var out []string
	for _, k := range c.Keys() {
		if kind, ok := strings.CutPrefix(k, "audit.action."); ok {
			out = append(out, kind)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Label is an action's name for people: its label in p's language, or a
// general "administrative action" for a kind without one (never the key).
func Label(p *i18n.Printer, action string) string {
	if k := "audit.action." + action; p.Has(k) {
		return p.T(k)
	}
	return p.T("audit.action_other")
}
