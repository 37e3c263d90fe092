package audit_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Every action kind reads as words in every language: never its key, never
// the general fallback.
func TestEveryActionKindHasALabelInEveryLanguage(t *testing.T) {
	c := i18n.MustLoad()
	kinds := audit.Kinds(c)
	if len(kinds) < 50 {
		t.Fatalf("only %d kinds in the catalog", len(kinds))
	}
	cyr := regexp.MustCompile(`\p{Cyrillic}`)
	for _, l := range i18n.Langs {
		p := c.Printer(l)
		other := p.T("audit.action_other")
		seen := map[string]string{}
		for _, k := range kinds {
			got := audit.Label(p, k)
			switch {
			case got == "" || got == other:
				t.Errorf("%s: %s has no label", l, k)
			case strings.Contains(got, k) || strings.Contains(got, "audit.action"):
				t.Errorf("%s: %s shows as %q", l, k, got)
			case l == i18n.KKLatn && cyr.MatchString(got):
				t.Errorf("kk-Latn: %s has Cyrillic: %q", k, got)
			}
			if prev, dup := seen[got]; dup && l == i18n.EN {
				t.Errorf("en: %s and %s both read %q", prev, k, got)
			}
			seen[got] = k
		}
		if got := audit.Label(p, "no.such_kind"); got != other || strings.Contains(got, "no.such") {
			t.Errorf("%s: an unknown kind shows as %q", l, got)
		}
	}
}

// Every action the code records is a known kind (so it has its labels):
// the literal ones (Action: "…") and those chosen in a variable first.
func TestEveryRecordedActionIsAKnownKind(t *testing.T) {
	kinds := audit.Kinds(i18n.MustLoad())
	root := filepath.Join("..")
	pats := []*regexp.Regexp{
		regexp.MustCompile(`Action:\s*"([a-z_]+\.[a-z_.]+)"`),
		regexp.MustCompile(`\baction(?:, \w+)? :?= "([a-z_]+\.[a-z_.]+)"`),
		regexp.MustCompile(`(?:transition|issueCodes|writeValues)\(.*"([a-z_]+\.[a-z_.]+)"\)\s*$`),
	}
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			for _, re := range pats {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					found++
					if strings.HasSuffix(m[1], "_") || strings.HasSuffix(m[1], ".") {
						// A prefix completed at run time ("meetings.question_" + action).
						if !slices.ContainsFunc(kinds, func(k string) bool { return strings.HasPrefix(k, m[1]) }) {
							t.Errorf("%s records %q…, and no kind begins so", path, m[1])
						}
						continue
					}
					if !slices.Contains(kinds, m[1]) {
						t.Errorf("%s records %q, which has no label (add audit.action.%s to the component's catalogs)", path, m[1], m[1])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d recorded actions: is the scan still reading the code?", found)
	}
}
