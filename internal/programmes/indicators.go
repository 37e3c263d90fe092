package programmes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/tabular"
)

// Country is the region code of values for the whole country.
const Country = "KZ"

// Indicator is a measure the programme wants to move.
type Indicator struct {
	ID          int64
	ProgrammeID int64
	Name        i18n.Text
	Unit        string
	Better      string // "lower" or "higher"
	Baseline    float64
	Target      float64
	TargetDate  string
	Values      []Value
}

// Value is one figure for a region and a period.
type Value struct {
	Region string  `json:"region" doc:"region code, or KZ for the whole country"`
	Period string  `json:"period" doc:"2025, 2025-Q2 or 2025-06"`
	Value  float64 `json:"value"`
}

// IndicatorInput is what an administrator writes.
type IndicatorInput struct {
	Name       i18n.Text
	Unit       string
	Better     string
	Baseline   float64
	Target     float64
	TargetDate string
}

var periodRE = regexp.MustCompile(`^(19|20)\d\d(-Q[1-4]|-(0[1-9]|1[0-2]))?$`)

func checkIndicator(in *IndicatorInput) error {
	var fs errs.Fields
	in.Name.KK, in.Name.RU, in.Name.EN = strings.TrimSpace(in.Name.KK), strings.TrimSpace(in.Name.RU), strings.TrimSpace(in.Name.EN)
	in.Unit, in.TargetDate = strings.TrimSpace(in.Unit), strings.TrimSpace(in.TargetDate)
	if in.Name.KK == "" && in.Name.RU == "" {
		fs.Add("name.kk", "validation.required")
	}
	checkText(&fs, "name.kk", in.Name.KK, false, 300)
	checkText(&fs, "name.ru", in.Name.RU, false, 300)
	checkText(&fs, "name.en", in.Name.EN, false, 300)
	checkText(&fs, "unit", in.Unit, true, 30)
	if in.Better != "lower" && in.Better != "higher" {
		fs.Add("better", "validation.invalid_choice")
	}
	if math.IsNaN(in.Baseline) || math.IsInf(in.Baseline, 0) {
		fs.Add("baseline", "validation.invalid_value")
	}
	if math.IsNaN(in.Target) || math.IsInf(in.Target, 0) {
		fs.Add("target", "validation.invalid_value")
	}
	if in.TargetDate == "" {
		fs.Add("target_date", "validation.required")
	}
	CheckDate(&fs, "target_date", in.TargetDate)
	return fs.Err()
}

// CreateIndicator adds an indicator to a programme (administrators).
func (s *Service) CreateIndicator(ctx context.Context, u *auth.User, programmeID int64, in IndicatorInput) (*Indicator, error) {
	p, err := s.Cached(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, p.OrgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	if err := checkIndicator(&in); err != nil {
		return nil, err
	}
	ind := &Indicator{ProgrammeID: programmeID, Name: in.Name, Unit: strings.TrimSpace(in.Unit), Better: in.Better,
		Baseline: in.Baseline, Target: in.Target, TargetDate: in.TargetDate}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO indicators (programme_id, name_kk, name_ru, name_en, unit, better, baseline, target, target_date, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, programmeID, in.Name.KK, in.Name.RU, in.Name.EN, ind.Unit,
			in.Better, in.Baseline, in.Target, in.TargetDate, tx.Now).Scan(&ind.ID); err != nil {
			return fmt.Errorf("indicators: create: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "indicators.create", TargetType: "indicator",
			TargetID: strconv.FormatInt(ind.ID, 10), OrgID: p.OrgID, After: in})
	})
	if err != nil {
		return nil, err
	}
	return ind, nil
}

// UpdateIndicator changes an indicator's name, unit, direction, baseline,
// target and target date (administrators); its values stay.
func (s *Service) UpdateIndicator(ctx context.Context, u *auth.User, id int64, in IndicatorInput) (*Indicator, error) {
	old, err := s.Indicator(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := s.Cached(ctx, old.ProgrammeID)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, p.OrgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	if err := checkIndicator(&in); err != nil {
		return nil, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE indicators SET name_kk = ?, name_ru = ?, name_en = ?, unit = ?, better = ?, baseline = ?,
			target = ?, target_date = ? WHERE id = ?`, in.Name.KK, in.Name.RU, in.Name.EN, in.Unit, in.Better, in.Baseline,
			in.Target, in.TargetDate, id); err != nil {
			return fmt.Errorf("indicators: update: %w", err)
		}
		before := IndicatorInput{Name: old.Name, Unit: old.Unit, Better: old.Better, Baseline: old.Baseline, Target: old.Target, TargetDate: old.TargetDate}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "indicators.update", TargetType: "indicator",
			TargetID: strconv.FormatInt(id, 10), OrgID: p.OrgID, Before: before, After: in})
	})
	if err != nil {
		return nil, err
	}
	return s.Indicator(ctx, id)
}

// Indicator returns one indicator with its values.
func (s *Service) Indicator(ctx context.Context, id int64) (*Indicator, error) {
	var pid int64
	err := s.DB.QueryRow(ctx, "SELECT programme_id FROM indicators WHERE id = ?", id).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, err
	}
	all, err := s.Indicators(ctx, pid)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, errs.New(errs.NotFound, "error.404.text")
}

// Indicators returns a programme's indicators with all their values (two
// queries, whatever the number of indicators).
func (s *Service) Indicators(ctx context.Context, programmeID int64) ([]Indicator, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, name_kk, name_ru, name_en, unit, better, baseline, target, target_date
		FROM indicators WHERE programme_id = ? ORDER BY id`, programmeID)
	if err != nil {
		return nil, fmt.Errorf("indicators: %w", err)
	}
	var out []Indicator
	idx := map[int64]int{}
	for rows.Next() {
		ind := Indicator{ProgrammeID: programmeID}
		if err := rows.Scan(&ind.ID, &ind.Name.KK, &ind.Name.RU, &ind.Name.EN, &ind.Unit, &ind.Better, &ind.Baseline, &ind.Target, &ind.TargetDate); err != nil {
			rows.Close()
			return nil, err
		}
		idx[ind.ID] = len(out)
		out = append(out, ind)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT v.indicator_id, v.region, v.period, v.value FROM indicator_values v
		JOIN indicators i ON i.id = v.indicator_id WHERE i.programme_id = ? ORDER BY v.indicator_id, v.period, v.region`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v Value
		if err := rows.Scan(&id, &v.Region, &v.Period, &v.Value); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Values = append(out[i].Values, v)
		}
	}
	return out, rows.Err()
}

// ImportResult counts what an import or a set of values did.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

type rowValue struct {
	indicator int64
	Value
	row int
}

func (s *Service) checkValue(fs *errs.Fields, p *Programme, v *Value, row int) {
	add := func(field, key string, args ...any) {
		*fs = append(*fs, errs.Field{Name: field, Key: key, Args: args, Row: row})
	}
	v.Region, v.Period = strings.TrimSpace(v.Region), strings.TrimSpace(v.Period)
	switch {
	case v.Region == "":
		add("region", "validation.required")
	case v.Region == Country:
	case !p.CoversRegion(v.Region):
		add("region", "indicators.region_outside", "code", v.Region)
	default:
		if r, ok := s.Regions.Get(v.Region); !ok || r.Parent != "KZ" {
			add("region", "programmes.unknown_region", "code", v.Region)
		}
	}
	if !periodRE.MatchString(v.Period) {
		add("period", "indicators.invalid_period")
	}
	if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
		add("value", "validation.invalid_value")
	}
}

// SetValues writes values for one indicator: all of them or none.
func (s *Service) SetValues(ctx context.Context, u *auth.User, indicatorID int64, vals []Value) (ImportResult, error) {
	ind, err := s.Indicator(ctx, indicatorID)
	if err != nil {
		return ImportResult{}, err
	}
	rows := make([]rowValue, len(vals))
	for i, v := range vals {
		rows[i] = rowValue{indicator: indicatorID, Value: v, row: i + 1}
	}
	return s.writeValues(ctx, u, ind.ProgrammeID, rows, "indicators.values")
}

func (s *Service) writeValues(ctx context.Context, u *auth.User, programmeID int64, rows []rowValue, action string) (ImportResult, error) {
	var res ImportResult
	p, err := s.Cached(ctx, programmeID)
	if err != nil {
		return res, err
	}
	if err := s.Auth.Require(ctx, u, p.OrgID, auth.OrgAdmin); err != nil {
		return res, err
	}
	var fs errs.Fields
	if len(rows) == 0 {
		fs.Add("values", "validation.required")
	}
	seen := map[string]int{}
	for i := range rows {
		s.checkValue(&fs, p, &rows[i].Value, rows[i].row)
		k := fmt.Sprintf("%d|%s|%s", rows[i].indicator, rows[i].Region, rows[i].Period)
		if first, dup := seen[k]; dup {
			fs = append(fs, errs.Field{Name: "period", Key: "indicators.duplicate_row", Args: []any{"row", first}, Row: rows[i].row})
		}
		seen[k] = rows[i].row
	}
	if err := fs.Err(); err != nil {
		return res, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, r := range rows {
			var old float64
			err := tx.QueryRow(ctx, "SELECT value FROM indicator_values WHERE indicator_id = ? AND region = ? AND period = ?",
				r.indicator, r.Region, r.Period).Scan(&old)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res.Created++
				_, err = tx.Exec(ctx, "INSERT INTO indicator_values (indicator_id, region, period, value, updated_at) VALUES (?, ?, ?, ?, ?)",
					r.indicator, r.Region, r.Period, r.Value.Value, tx.Now)
			case err != nil:
			case old == r.Value.Value:
				res.Unchanged++
			default:
				res.Updated++
				_, err = tx.Exec(ctx, "UPDATE indicator_values SET value = ?, updated_at = ? WHERE indicator_id = ? AND region = ? AND period = ?",
					r.Value.Value, tx.Now, r.indicator, r.Region, r.Period)
			}
			if err != nil {
				return fmt.Errorf("indicators: values: %w", err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: action, TargetType: "programme",
			TargetID: strconv.FormatInt(programmeID, 10), OrgID: p.OrgID, After: res})
	})
	return res, err
}

// valuesFile is how an indicator file is read: its columns with Kazakh
// and Russian header names, other columns ignored.
var valuesFile = &tabular.Spec{
	Columns: []tabular.Column{
		{Name: "indicator", Required: true, Synonyms: []string{"indicator_id", "көрсеткіш", "показатель"}},
		{Name: "region", Required: true, Synonyms: []string{"өңір", "аймақ", "регион"}},
		{Name: "period", Required: true, Synonyms: []string{"кезең", "период"}},
		{Name: "value", Required: true, Synonyms: []string{"мән", "значение"}},
	},
	IgnoreUnknown: true,
	MaxRows:       maxImportRows,
	FileField:     "file",
	Keys: tabular.Keys{BadFile: "indicators.import_bad_file", Empty: "indicators.import_empty",
		TooManyRows: "indicators.import_too_many", MissingColumn: "indicators.import_missing_column"},
}

// Import reads a CSV or XLSX file of values for a programme's indicators —
// columns indicator (id or name), region, period, value — and writes all
// rows or none, with a report of every bad row. The file's content tells
// its format, not its name.
func (s *Service) Import(ctx context.Context, u *auth.User, programmeID int64, filename string, data []byte) (ImportResult, error) {
	p, err := s.Cached(ctx, programmeID)
	if err != nil {
		return ImportResult{}, err
	}
	if err := s.Auth.Require(ctx, u, p.OrgID, auth.OrgAdmin); err != nil {
		return ImportResult{}, err
	}
	table, err := tabular.Read(data, valuesFile)
	if err != nil {
		return ImportResult{}, err
	}
	inds, err := s.Indicators(ctx, programmeID)
	if err != nil {
		return ImportResult{}, err
	}
	byName := map[string]int64{}
	for _, ind := range inds {
		byName[strconv.FormatInt(ind.ID, 10)] = ind.ID
		for _, n := range []string{ind.Name.KK, ind.Name.RU, ind.Name.EN} {
			if n != "" {
				byName[kazakh.Fold(n)] = ind.ID
			}
		}
	}
	var fs errs.Fields
	if len(table.Rows) == 0 {
		fs.Add("file", "indicators.import_empty")
		return ImportResult{}, fs.Err()
	}
	cell := func(rec tabular.Row, c string) string { return rec.Get(c) }
	var rows []rowValue
	for _, rec := range table.Rows {
		row := rec.Line
		name := cell(rec, "indicator")
		id, ok := byName[name]
		if !ok {
			id, ok = byName[kazakh.Fold(name)]
		}
		if !ok {
			fs = append(fs, errs.Field{Name: "indicator", Key: "indicators.unknown_indicator", Args: []any{"name", name}, Row: row})
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(cell(rec, "value"), " ", ""), ",", "."), 64)
		if err != nil {
			fs = append(fs, errs.Field{Name: "value", Key: "validation.invalid_value", Row: row})
		}
		rows = append(rows, rowValue{indicator: id, Value: Value{Region: cell(rec, "region"), Period: cell(rec, "period"), Value: v}, row: row})
	}
	if err := fs.Err(); err != nil {
		// Report the shape problems together with the value problems.
		for i := range rows {
			s.checkValue(&fs, p, &rows[i].Value, rows[i].row)
		}
		return ImportResult{}, fs.Err()
	}
	return s.writeValues(ctx, u, programmeID, rows, "indicators.import")
}

const maxImportRows = 20000

// Periods returns the sorted distinct periods of the values.
func (ind *Indicator) Periods() []string {
	var ps []string
	for _, v := range ind.Values {
		if !slices.Contains(ps, v.Period) {
			ps = append(ps, v.Period)
		}
	}
	slices.Sort(ps)
	return ps
}

// Regions returns the regions with values, the country first.
func (ind *Indicator) Regions() []string {
	var rs []string
	for _, v := range ind.Values {
		if !slices.Contains(rs, v.Region) {
			rs = append(rs, v.Region)
		}
	}
	slices.SortFunc(rs, func(a, b string) int {
		if a == Country {
			return -1
		}
		if b == Country {
			return 1
		}
		return strings.Compare(a, b)
	})
	return rs
}

// ValueAt returns the value for a region and period.
func (ind *Indicator) ValueAt(region, period string) (float64, bool) {
	for _, v := range ind.Values {
		if v.Region == region && v.Period == period {
			return v.Value, true
		}
	}
	return 0, false
}

// Latest returns the last period with a value for the whole country, or
// failing that any region, and that value.
func (ind *Indicator) Latest() (period string, value float64, ok bool) {
	ps := ind.Periods()
	for i := len(ps) - 1; i >= 0; i-- {
		if v, found := ind.ValueAt(Country, ps[i]); found {
			return ps[i], v, true
		}
	}
	return "", 0, false
}

// Progress is how far the latest national value has moved from the
// baseline to the target, 0–100.
func (ind *Indicator) Progress() (int, bool) {
	_, v, ok := ind.Latest()
	if !ok || ind.Target == ind.Baseline {
		return 0, false
	}
	pct := (v - ind.Baseline) / (ind.Target - ind.Baseline) * 100
	return int(math.Round(math.Max(0, math.Min(100, pct)))), true
}

// BaselineInput and TargetInput are the figures in full, for forms.
func (ind Indicator) BaselineInput() string { return strconv.FormatFloat(ind.Baseline, 'f', -1, 64) }

// TargetInput is the target in full, for forms.
func (ind Indicator) TargetInput() string { return strconv.FormatFloat(ind.Target, 'f', -1, 64) }
