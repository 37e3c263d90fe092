package orgs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/tabular"
)

// The reference list of regions, cities and districts ships as migrations
// (0002, 0003); platform administrators may import a fuller one. An import
// adds and renames entries, found by code; it never deletes one (people and
// organizations refer to codes) and never moves one under another parent.

// MaxRegionImportBytes bounds a region file (the full list with every
// district is well under 1 MB).
const MaxRegionImportBytes = 4 << 20

// MaxRegionRows bounds a region file.
const MaxRegionRows = 20_000

// Columns of a region file and their header synonyms (compared folded).
var regionColumns = []struct {
	name     string
	synonyms []string
}{
	{"code", []string{"code", "код", "коды"}},
	{"kind", []string{"kind", "type", "түрі", "тип", "вид"}},
	{"parent_code", []string{"parent_code", "parent", "parent code", "жоғарғы коды", "жоғарғы код", "кімге қарайды",
		"родительский код", "код родителя", "входит в"}},
	{"name_kk", []string{"name_kk", "kk", "атауы қазақша", "қазақша атауы", "қазақша", "название на казахском", "на казахском", "казахское название"}},
	{"name_ru", []string{"name_ru", "ru", "атауы орысша", "орысша атауы", "орысша", "название на русском", "на русском", "русское название", "название"}},
	{"name_en", []string{"name_en", "en", "атауы ағылшынша", "ағылшынша атауы", "ағылшынша", "название на английском", "на английском", "английское название"}},
}

// regionFile is how a region file is read.
var regionFile = func() *tabular.Spec {
	keys := importKeys
	keys.Empty = "orgs.regions.empty"
	spec := &tabular.Spec{MaxRows: MaxRegionRows, Keys: keys}
	for _, c := range regionColumns {
		spec.Columns = append(spec.Columns, tabular.Column{Name: c.name, Required: c.name != "name_en", Synonyms: c.synonyms})
	}
	return spec
}()

// Kinds a region file may give, with the words people write for them.
var regionKinds = func() map[string]string {
	m := map[string]string{}
	for kind, words := range map[string][]string{
		"region":   {"region", "облыс", "область", "oblast"},
		"city":     {"city", "қала", "город"},
		"district": {"district", "аудан", "район", "audan", "raion"},
	} {
		for _, w := range words {
			m[kazakh.Fold(w)] = kind
		}
	}
	return m
}()

var regionCodeRe = regexp.MustCompile(`^KZ(-[A-Za-z0-9]+)+$`)

// RegionImportResult counts what a region import did.
type RegionImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

type regionRow struct {
	line                      int
	code, kind, parent        string
	nameKK, nameRU, nameEN    string
	exists, changed, topLevel bool
}

type storedRegion struct {
	kind, parent, kk, ru, en string
}

// ImportRegions adds and renames entries of the reference list from a
// CSV or XLSX file with the columns code, kind, parent_code, name_kk,
// name_ru, name_en (platform administrators). All or nothing: every row is
// checked first, and the error lists each bad row. Entries are found by
// code; none is ever deleted or moved to another parent.
func (s *Service) ImportRegions(ctx context.Context, actor *auth.User, data []byte) (RegionImportResult, error) {
	var res RegionImportResult
	if err := s.auth.Require(ctx, actor, 0, auth.PlatformAdmin); err != nil {
		return res, err
	}
	table, err := tabular.Read(data, regionFile)
	if err != nil {
		return res, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res = RegionImportResult{}
		stored, err := storedRegions(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := parseRegions(table, stored)
		if err != nil {
			return err
		}
		// Top-level entries first: districts refer to them.
		slices.SortStableFunc(rows, func(a, b regionRow) int {
			switch {
			case a.topLevel == b.topLevel:
				return 0
			case a.topLevel:
				return -1
			}
			return 1
		})
		for _, r := range rows {
			switch {
			case !r.exists:
				sort := 30
				switch {
				case r.topLevel:
					sort = 10
				case r.kind == "city":
					sort = 20
				}
				if _, err := tx.Exec(ctx, `INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, r.code, r.kind, r.parent, r.nameKK, r.nameRU, r.nameEN, sort); err != nil {
					return fmt.Errorf("orgs: regions: %w", err)
				}
				res.Created++
			case r.changed:
				if _, err := tx.Exec(ctx, "UPDATE regions SET kind = ?, name_kk = ?, name_ru = ?, name_en = ? WHERE code = ?",
					r.kind, r.nameKK, r.nameRU, r.nameEN, r.code); err != nil {
					return fmt.Errorf("orgs: regions: %w", err)
				}
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		if res.Created+res.Updated > 0 {
			// Other nodes see the version change and reload their lists.
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('regions.version', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, tx.Now.Format(time.RFC3339Nano)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.regions.import", TargetType: "regions",
			TargetID: "", After: res})
	})
	if err != nil {
		return RegionImportResult{}, err
	}
	if res.Created+res.Updated > 0 {
		if err := s.reloadRegions(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

func storedRegions(ctx context.Context, tx *db.Tx) (map[string]storedRegion, error) {
	rows, err := tx.Query(ctx, "SELECT code, kind, COALESCE(parent_code, ''), name_kk, name_ru, name_en FROM regions")
	if err != nil {
		return nil, fmt.Errorf("orgs: regions: %w", err)
	}
	defer rows.Close()
	out := map[string]storedRegion{}
	for rows.Next() {
		var code string
		var r storedRegion
		if err := rows.Scan(&code, &r.kind, &r.parent, &r.kk, &r.ru, &r.en); err != nil {
			return nil, err
		}
		out[code] = r
	}
	return out, rows.Err()
}

// parseRegions checks a region file against the stored list.
func parseRegions(table *tabular.Table, stored map[string]storedRegion) ([]regionRow, error) {
	var fs errs.Fields
	add := func(row int, field, key string, args ...any) {
		fs = append(fs, errs.Field{Name: field, Key: key, Args: args, Row: row})
	}
	get := func(rec tabular.Row, name string) string {
		return strings.Join(strings.Fields(rec.Get(name)), " ")
	}
	// The file's own entries, so that a district may come before its region.
	var out []regionRow
	inFile := map[string]int{} // code → index in out
	for _, rec := range table.Rows {
		r := regionRow{line: rec.Line, code: get(rec, "code"), parent: get(rec, "parent_code"),
			nameKK: get(rec, "name_kk"), nameRU: get(rec, "name_ru"), nameEN: get(rec, "name_en")}
		if r.code == "" && r.parent == "" && r.nameKK == "" && r.nameRU == "" && r.nameEN == "" && get(rec, "kind") == "" {
			continue // a blank line
		}
		r.code = strings.ToUpper(r.code[:min(2, len(r.code))]) + r.code[min(2, len(r.code)):]
		if strings.EqualFold(r.parent, "kz") {
			r.parent = "KZ"
		}
		r.kind = regionKinds[kazakh.Fold(get(rec, "kind"))]
		n := len(fs)
		switch {
		case r.code == "":
			fs.Add("code", "validation.required")
		case len(r.code) > 60 || !regionCodeRe.MatchString(r.code):
			fs.Add("code", "orgs.regions.bad_code")
		default:
			if first, dup := inFile[r.code]; dup {
				fs.Add("code", "orgs.import.duplicate_row", "row", out[first].line)
			}
		}
		if r.kind == "" {
			if get(rec, "kind") == "" {
				fs.Add("kind", "validation.required")
			} else {
				fs.Add("kind", "orgs.regions.bad_kind")
			}
		}
		if r.parent == "" {
			fs.Add("parent_code", "validation.required")
		}
		checkText(&fs, "name_kk", r.nameKK, true, 200, false)
		checkText(&fs, "name_ru", r.nameRU, true, 200, false)
		checkText(&fs, "name_en", r.nameEN, false, 200, false)
		for j := n; j < len(fs); j++ {
			fs[j].Row = r.line
		}
		if _, dup := inFile[r.code]; !dup && r.code != "" {
			inFile[r.code] = len(out)
		}
		out = append(out, r)
	}
	if len(out) == 0 && len(fs) == 0 {
		return nil, errs.New(errs.Invalid, "orgs.regions.empty")
	}
	// Where each entry sits: under the country (a region or a city of
	// republican significance) or under one of those (a district or a city
	// of regional significance). The list has two levels below the country.
	parentOf := func(code string) (string, bool) {
		if i, ok := inFile[code]; ok {
			return out[i].parent, true
		}
		if st, ok := stored[code]; ok {
			return st.parent, true
		}
		return "", false
	}
	for i := range out {
		r := &out[i]
		if r.code == "" || r.parent == "" || r.kind == "" {
			continue
		}
		row := func(field, key string, args ...any) { add(r.line, field, key, args...) }
		if r.code == "KZ" || r.parent == r.code {
			row("code", "orgs.regions.bad_code")
			continue
		}
		r.topLevel = r.parent == "KZ"
		if !r.topLevel {
			pp, ok := parentOf(r.parent)
			switch {
			case !ok:
				row("parent_code", "orgs.regions.unknown_parent", "code", r.parent)
				continue
			case pp != "KZ":
				row("parent_code", "orgs.regions.too_deep", "code", r.parent)
				continue
			}
		}
		if (r.topLevel && r.kind == "district") || (!r.topLevel && r.kind == "region") {
			row("kind", "orgs.regions.kind_level")
		}
		if st, ok := stored[r.code]; ok {
			r.exists = true
			if st.parent != r.parent {
				row("parent_code", "orgs.regions.parent_changed", "code", st.parent)
				continue
			}
		}
		if r.nameEN == "" {
			// Readers of English get the Kazakh name in Latin letters.
			r.nameEN = kazakh.ToLatin(r.nameKK)
		}
		if st, ok := stored[r.code]; ok {
			r.changed = st.kind != r.kind || st.kk != r.nameKK || st.ru != r.nameRU || st.en != r.nameEN
		}
	}
	if len(fs) > 0 {
		slices.SortStableFunc(fs, func(a, b errs.Field) int { return a.Row - b.Row })
		return nil, fs.Err()
	}
	return out, nil
}

// reloadRegions rereads the list into memory after an import here.
func (s *Service) reloadRegions(ctx context.Context) error {
	var v string
	err := s.db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'regions.version'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("orgs: regions: %w", err)
	}
	if err := s.regions.Reload(ctx, s.db); err != nil {
		return err
	}
	s.regionsVersion.Store(v)
	s.regionsChecked.Store(s.db.Now().Unix())
	return nil
}

// regionsCheckEvery is how often a node looks whether another node has
// imported regions (one indexed read of one setting).
const regionsCheckEvery = 30

// freshRegions reloads the in-memory list when another node has imported
// regions since this one last looked. It is called by the pages that show
// regions; a failure is logged and the old list kept.
func (s *Service) freshRegions(ctx context.Context) {
	now := s.db.Now().Unix()
	last := s.regionsChecked.Load()
	if now-last < regionsCheckEvery || !s.regionsChecked.CompareAndSwap(last, now) {
		return
	}
	var v string
	err := s.db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'regions.version'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.log.Warn("orgs: regions version", "err", err)
		return
	}
	if old, _ := s.regionsVersion.Load().(string); old == v {
		return
	}
	if err := s.regions.Reload(ctx, s.db); err != nil {
		s.log.Warn("orgs: regions reload", "err", err)
		return
	}
	s.regionsVersion.Store(v)
}

// RegionCounts says how many entries of each kind the list has.
func (s *Service) RegionCounts() (top, below int) {
	for _, r := range s.regions.All() {
		if r.Parent == "KZ" {
			top++
		} else {
			below++
		}
	}
	return top, below
}

// ExportRegions writes the reference list (every entry below the country)
// as a CSV file in the form ImportRegions reads: the columns code, kind,
// parent_code, name_kk, name_ru, name_en; regions and cities of
// republican significance first, then what lies below them (platform
// administrators). Importing the file unchanged changes nothing.
func (s *Service) ExportRegions(ctx context.Context, actor *auth.User, w io.Writer) error {
	if err := s.auth.Require(ctx, actor, 0, auth.PlatformAdmin); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT r.code, r.kind, r.parent_code, r.name_kk, r.name_ru, r.name_en
		FROM regions r WHERE r.parent_code IS NOT NULL
		ORDER BY CASE WHEN r.parent_code = 'KZ' THEN 0 ELSE 1 END, r.parent_code, r.sort, r.code`)
	if err != nil {
		return fmt.Errorf("orgs: export regions: %w", err)
	}
	defer rows.Close()
	t, err := newTable(w, CSV, "regions")
	if err != nil {
		return err
	}
	defer t.Discard()
	cols := make([]any, len(regionColumns))
	for i, c := range regionColumns {
		cols[i] = c.name
	}
	if err := t.row(cols...); err != nil {
		return err
	}
	for rows.Next() {
		var code, kind, parent, kk, ru, en string
		if err := rows.Scan(&code, &kind, &parent, &kk, &ru, &en); err != nil {
			return err
		}
		if err := t.row(code, kind, parent, kk, ru, en); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("orgs: export regions: %w", err)
	}
	return t.close()
}
