package orgs_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
	"github.com/ortaq/ortaq/internal/regions"
)

func regionCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM regions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegionImport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		before := regionCount(t, d)
		// Another node, whose list was read before the import.
		otherList, err := regions.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		other := orgs.New(orgs.Deps{DB: d, Auth: f.env.App.Auth, Regions: otherList, Catalog: f.env.App.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})

		// Every kind of bad row is reported, with its row and column, and
		// nothing is written.
		bad := "code,kind,parent_code,name_kk,name_ru,name_en\n" +
			"KZ-35-jana,district,KZ-35,Жаңа аудан,Новый район,New District\n" + // 2: fine
			"KZ-35-jana,district,KZ-35,Тағы,Ещё,Again\n" + // 3: duplicate code
			"KZ-35-x,village,KZ-35,Ауыл,Село,\n" + // 4: bad kind
			"KZ-35-y,district,KZ-77,Ауыл,Село,\n" + // 5: unknown parent
			"KZ-35-z,district,KZ-35,,Село,\n" + // 6: empty Kazakh name
			"KZ-35-temirtau,city,KZ-31,Теміртау,Темиртау,\n" + // 7: moved to another region
			"KZ-35-w,district,KZ-35-temirtau,Ауыл,Село,\n" + // 8: inside a city of regional significance
			"KZ-35-v,region,KZ-35,Облыс,Область,\n" + // 9: a region inside a region
			"Астана,city,KZ,Астана,Астана,\n" // 10: bad code
		_, err = f.svc.ImportRegions(ctx, f.admin.User, []byte(bad))
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			t.Fatalf("bad file: %v", err)
		}
		got := map[int]string{}
		for _, fe := range e.Fields {
			got[fe.Row] = fe.Name + ":" + fe.Key
		}
		want := map[int]string{3: "code:orgs.import.duplicate_row", 4: "kind:orgs.regions.bad_kind",
			5: "parent_code:orgs.regions.unknown_parent", 6: "name_kk:validation.required",
			7: "parent_code:orgs.regions.parent_changed", 8: "parent_code:orgs.regions.too_deep",
			9: "kind:orgs.regions.kind_level", 10: "code:orgs.regions.bad_code"}
		for row, w := range want {
			if got[row] != w {
				t.Errorf("row %d: got %q, want %q", row, got[row], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("errors: %v", got)
		}
		if n := regionCount(t, d); n != before {
			t.Fatalf("a rejected file wrote %d regions", n-before)
		}

		// Russian headers and kinds; a district before its new region; a
		// renamed entry; an unchanged one; a missing English name.
		good := "Код;Тип;Родительский код;Название на казахском;Название на русском;Название на английском\n" +
			"KZ-99-ortalyq;район;KZ-99;Орталық ауданы;Центральный район;\n" +
			"KZ-99;область;KZ;Сынақ облысы;Тестовая область;Test Region\n" +
			"kz-35-temirtau;город;KZ-35;Теміртау қаласы (облыстық маңызы бар);город Темиртау;Temirtau\n" +
			"KZ-31-sarysu;район;KZ-31;Сарысу ауданы;Сарысуский район;Sarysu District\n"
		var sarysu string
		d.QueryRow(ctx, "SELECT name_kk || '|' || name_ru || '|' || name_en || '|' || kind FROM regions WHERE code = 'KZ-31-sarysu'").Scan(&sarysu)
		if sarysu != "Сарысу ауданы|Сарысуский район|Sarysu District|district" {
			t.Fatalf("the test expects the shipped Sarysu entry, got %q", sarysu)
		}
		if _, err := f.svc.ImportRegions(ctx, f.env.NewPerson().User, []byte(good)); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a non-admin imported regions: %v", err)
		}
		res, err := f.svc.ImportRegions(ctx, f.admin.User, []byte(good))
		if err != nil {
			t.Fatal(err)
		}
		if res != (orgs.RegionImportResult{Created: 2, Updated: 1, Unchanged: 1}) {
			t.Fatalf("result %+v", res)
		}
		var en, kind string
		d.QueryRow(ctx, "SELECT name_en, kind FROM regions WHERE code = 'KZ-99-ortalyq'").Scan(&en, &kind)
		if en != "Ortalyq audany" || kind != "district" {
			t.Errorf("new district: %q %q", en, kind)
		}
		// The list in memory is fresh: an organization may use the new codes.
		if _, err := f.svc.Create(ctx, f.admin.User, 0, orgs.Patch{Kind: ptr("ngo"), Name: &i18n.Text{KK: "Сынақ"},
			Region: ptr("KZ-99"), District: ptr("KZ-99-ortalyq")}); err != nil {
			t.Fatalf("organization in the new district: %v", err)
		}
		// Another node sees the import when it next looks.
		if _, ok := otherList.Get("KZ-99"); ok {
			t.Fatal("the other node's list changed by itself")
		}
		other.FreshRegionsNow(ctx)
		if r, ok := otherList.Get("KZ-35-temirtau"); !ok || r.Name["kk"] != "Теміртау қаласы (облыстық маңызы бар)" {
			t.Errorf("other node after reload: %+v", r)
		}
		// Again: nothing changes; one audit entry per import.
		if res, err := f.svc.ImportRegions(ctx, f.admin.User, []byte(good)); err != nil || res.Unchanged != 4 || res.Created+res.Updated != 0 {
			t.Fatalf("again: %+v %v", res, err)
		}
		var audits int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'orgs.regions.import'").Scan(&audits)
		if audits != 2 {
			t.Errorf("audit entries: %d", audits)
		}

		// The page and the API.
		c := f.env.Client()
		if r := c.Get("/kk/admin/regions"); r.StatusCode != 401 && r.StatusCode != 303 {
			t.Errorf("guest on the regions page: %d", r.StatusCode)
		}
		adm := f.env.Client()
		adm.SignIn(f.admin)
		if r := adm.Get("/ru/admin/regions"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="regions-form"`) || !strings.Contains(r.Body, "Тестовая область") {
			t.Fatalf("regions page: %d %.2000s", r.StatusCode, r.Body)
		}
		r := upload(t, f.env, adm, "/kk/admin/regions/import", "", "regions.csv", []byte("code,kind,parent_code,name_kk,name_ru\nKZ-99-a,аудан,KZ-99,,А\n"))
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="import-report"`) || !strings.Contains(r.Body, "<td>name_kk</td>") {
			t.Fatalf("page report: %d %.3000s", r.StatusCode, r.Body)
		}
		token, err := f.env.App.Auth.CreateToken(ctx, f.admin.User, "script", f.admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		r = upload(t, f.env, c, "/api/v1/regions/import", token, "regions.csv", []byte("code,kind,parent_code,name_kk,name_ru\nKZ-99-b,аудан,KZ-98,Б,Б\n"))
		if r.StatusCode != 422 || !strings.Contains(r.Body, `"row":2`) || !strings.Contains(r.Body, "KZ-98") {
			t.Fatalf("API report: %d %s", r.StatusCode, r.Body)
		}
		r = upload(t, f.env, c, "/api/v1/regions/import", token, "regions.csv", []byte("code,kind,parent_code,name_kk,name_ru\nKZ-99-b,аудан,KZ-99,Батыс ауданы,Западный район\n"))
		if r.StatusCode != 200 || !strings.Contains(r.Body, `"created":1`) {
			t.Fatalf("API import: %d %s", r.StatusCode, r.Body)
		}
		var list struct {
			Items []struct {
				Code   string `json:"code"`
				Parent string `json:"parent_code"`
			} `json:"items"`
		}
		json.Unmarshal([]byte(c.JSON("GET", "/api/v1/regions", "", "").Body), &list)
		found := false
		for _, it := range list.Items {
			found = found || (it.Code == "KZ-99-b" && it.Parent == "KZ-99")
		}
		if !found {
			t.Error("GET /api/v1/regions lacks the imported district")
		}
	})
}

// Platform administrators download the reference list in the form the
// import reads; importing it back changes nothing, and an edited copy
// imports as an edit.
func TestRegionExport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		if _, err := f.svc.ImportRegions(ctx, f.admin.User, []byte("code,kind,parent_code,name_kk,name_ru,name_en\n"+
			"KZ-35-TE,district,KZ-35,\"Тест, ауданы\",Тестовый район,Test District\n")); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportRegions(ctx, f.env.NewPerson().User, &buf); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a person who is not a platform administrator exported the list: %v", err)
		}
		adm := f.env.Client()
		adm.SignIn(f.admin)
		if r := adm.Get("/ru/admin/regions"); !strings.Contains(r.Body, `href="/ru/admin/regions/export"`) {
			t.Fatalf("the regions page does not link to the export")
		}
		r := adm.Get("/ru/admin/regions/export")
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		body := r.Body
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if lines[0] != "\ufeffcode,kind,parent_code,name_kk,name_ru,name_en" {
			t.Fatalf("header %q", lines[0])
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM regions WHERE parent_code IS NOT NULL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if len(lines)-1 != n || !strings.Contains(body, "KZ-35-TE,district,KZ-35,\"Тест, ауданы\",Тестовый район,Test District") ||
			!strings.Contains(body, "KZ-71,city,KZ,Астана қаласы,город Астана,Astana") || strings.Contains(body, "\nKZ,") {
			t.Fatalf("export of %d entries:\n%.3000s", n, body)
		}
		res, err := f.svc.ImportRegions(ctx, f.admin.User, []byte(body))
		if err != nil || res != (orgs.RegionImportResult{Unchanged: n}) {
			t.Fatalf("the export imported back: %+v, %v", res, err)
		}
		edited := strings.Replace(body, "Тестовый район", "Тестовый район (новый)", 1)
		if res, err := f.svc.ImportRegions(ctx, f.admin.User, []byte(edited)); err != nil || res != (orgs.RegionImportResult{Updated: 1, Unchanged: n - 1}) {
			t.Fatalf("an edited export: %+v, %v", res, err)
		}
		other := f.env.Client()
		other.SignIn(f.env.NewPerson())
		if r := other.Get("/ru/admin/regions/export"); r.StatusCode != 403 || strings.Contains(r.Body, "KZ-35-TE") {
			t.Errorf("a person who is not a platform administrator: %d", r.StatusCode)
		}
	})
}
