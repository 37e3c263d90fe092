package awards_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type item struct {
	ID        string `json:"id"`
	Code      string `json:"code"`
	VerifyURL string `json:"verify_url"`
	Recipient string `json:"recipient"`
}

func decode[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return v
}

// verifyVCJWT is an independent verifier of a VC-JWT: it splits the
// compact JWS by hand, requires alg EdDSA and no crit, finds the header's
// key in the published JWK set (same kid and x) and checks the signature
// with crypto/ed25519. It shares no code with the signer.
func verifyVCJWT(tok string, jwks []byte) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts", len(parts))
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, err
	}
	var hdr struct {
		Alg  string          `json:"alg"`
		Crit json.RawMessage `json:"crit"`
		JWK  struct {
			Kty, Crv, X, Kid string
		} `json:"jwk"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, err
	}
	if hdr.Alg != "EdDSA" || hdr.Crit != nil {
		return nil, fmt.Errorf("header %s", hb)
	}
	kid := hdr.JWK.Kid
	if kid == "" {
		kid = hdr.Kid
	}
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid string } `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	var x string
	for _, k := range set.Keys {
		if k.Kid == kid && k.Kty == "OKP" && k.Crv == "Ed25519" {
			x = k.X
		}
	}
	if x == "" || (hdr.JWK.X != "" && hdr.JWK.X != x) {
		return nil, fmt.Errorf("key %q is not published", kid)
	}
	pub, err := base64.RawURLEncoding.DecodeString(x)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("bad key")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, fmt.Errorf("signature does not verify")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var payload map[string]any
	return payload, json.Unmarshal(pb, &payload)
}

func TestAwardsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Орал қалалық жастар ұйымы")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		member := env.NewPerson()
		env.Grant(member, org, "member")
		outsider := env.NewPerson()
		minor := env.NewPerson("minor")
		env.Grant(minor, org, "member")
		tok := token(t, env, organizer)

		body := func(recipients string) string {
			return fmt.Sprintf(`{"organization_id":"%d","kind":"diploma","title":{"kk":"«Достық керуені» аудандық фестивалі","ru":"Районный фестиваль «Караван дружбы»"},"recipients":%s}`, org, recipients)
		}
		// Bad input: refused with a translated message and nothing issued.
		for _, tc := range []struct {
			name, token, body, lang string
			status                  int
			want                    string
		}{
			{"guest", "", body(`[{"name":"Әлібек"}]`), "en", 401, ""},
			{"not an organizer", token(t, env, member), body(`[{"name":"Әлібек"}]`), "en", 403, ""},
			{"no recipients", tok, body(`[]`), "en", 422, "Name at least one recipient"},
			{"stranger by id", tok, body(fmt.Sprintf(`[{"person_id":"%d"}]`, outsider.User.ID)), "ru", 422, "не член организации"},
			{"minor by id", tok, body(fmt.Sprintf(`[{"person_id":"%d"}]`, minor.User.ID)), "en", 422, "cannot be processed yet"},
			{"place on a certificate", tok, strings.Replace(body(`[{"name":"Әлібек","place":1}]`), "diploma", "certificate", 1), "kk", 422, "тек дипломда"},
			{"unknown kind", tok, strings.Replace(body(`[{"name":"Әлібек"}]`), "diploma", "medal", 1), "en", 422, "Choose one"},
			{"name and id", tok, body(fmt.Sprintf(`[{"name":"X","person_id":"%d"}]`, member.User.ID)), "en", 422, "not both"},
			{"participants of an unknown call", tok, strings.Replace(body(`[]`), `"recipients"`, `"call_id":"999999","to":"participants","recipients"`, 1), "en", 404, "no such call"},
			{"participants of no call", tok, strings.Replace(body(`[]`), `"recipients"`, `"to":"participants","recipients"`, 1), "en", 422, "call_id"},
		} {
			req, _ := http.NewRequest("POST", env.URL+"/api/v1/awards", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", tc.lang)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			r := c.Do(req)
			if r.StatusCode != tc.status || !strings.Contains(r.Body, tc.want) {
				t.Errorf("%s: %d %s, want %d with %q", tc.name, r.StatusCode, r.Body, tc.status, tc.want)
			}
		}
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM awards").Scan(&n); err != nil || n != 0 {
			t.Fatalf("after refused requests: %d awards (%v)", n, err)
		}

		r := c.JSON("POST", "/api/v1/awards", tok, body(fmt.Sprintf(`[{"person_id":"%d","place":1},{"name":"Гүлназ Өтепова","place":2}]`, member.User.ID)))
		if r.StatusCode != 201 {
			t.Fatalf("issue: %d %s", r.StatusCode, r.Body)
		}
		out := decode[struct{ Items []item }](t, r)
		if len(out.Items) != 2 || len(out.Items[0].Code) != 12 || out.Items[0].Code == out.Items[1].Code ||
			!strings.HasSuffix(out.Items[0].VerifyURL, "/kk/awards/"+out.Items[0].Code[:4]+"-"+out.Items[0].Code[4:8]+"-"+out.Items[0].Code[8:]) {
			t.Fatalf("issued %+v", out.Items)
		}
		mine, other := out.Items[0], out.Items[1]
		if mine.Recipient != member.User.Name {
			t.Errorf("recipient %q, want %q", mine.Recipient, member.User.Name)
		}

		// Public verification, the code typed in lower case with dashes.
		typed := strings.ToLower(mine.Code[:4] + "-" + mine.Code[4:8] + "-" + mine.Code[8:])
		v := decode[map[string]any](t, c.JSON("GET", "/api/v1/awards/verify/"+typed, "", ""))
		if v["valid"] != true || v["revoked"] != false || v["recipient"] != member.User.Name || v["place"] != 1.0 ||
			v["title"].(map[string]any)["kk"] != "«Достық керуені» аудандық фестивалі" || v["organization"].(map[string]any)["kk"] != "Орал қалалық жастар ұйымы" ||
			v["issued_at"] == "" {
			t.Errorf("verify: %v", v)
		}
		if r := c.JSON("GET", "/api/v1/awards/verify/ZZZZ-ZZZZ-ZZZZ", "", ""); r.StatusCode != 404 {
			t.Errorf("unknown code: %d", r.StatusCode)
		}
		if r := c.JSON("GET", "/api/v1/awards/verify/not-a-code!", "", ""); r.StatusCode != 404 {
			t.Errorf("malformed code: %d", r.StatusCode)
		}

		// The credential, checked with an independent verifier against the
		// key published at /.well-known/jwks.json.
		jwks := c.Get("/.well-known/jwks.json")
		if jwks.StatusCode != 200 || !strings.Contains(jwks.Header.Get("Content-Type"), "json") {
			t.Fatalf("jwks: %d %s", jwks.StatusCode, jwks.Body)
		}
		credJSON := decode[map[string]any](t, c.JSON("GET", "/api/v1/awards/"+mine.Code+"/credential", "", ""))
		jwt, _ := credJSON["credential"].(string)
		if credJSON["format"] != "vc+jwt" || !strings.HasSuffix(credJSON["jwks_url"].(string), "/.well-known/jwks.json") {
			t.Errorf("credential: %v", credJSON)
		}
		payload, err := verifyVCJWT(jwt, []byte(jwks.Body))
		if err != nil {
			t.Fatalf("independent verifier: %v", err)
		}
		subj := payload["credentialSubject"].(map[string]any)
		ident := subj["identifier"].([]any)[0].(map[string]any)
		if ident["identityHash"] != member.User.Name || !strings.Contains(fmt.Sprint(payload["type"]), "OpenBadgeCredential") ||
			!strings.HasSuffix(payload["credentialStatus"].(map[string]any)["id"].(string), "/api/v1/awards/verify/"+mine.Code) ||
			fmt.Sprint(subj["result"]) == "" || strings.Contains(string(mustJSON(payload)), member.Email) {
			t.Errorf("payload %v", payload)
		}
		// The bare token with Accept: application/vc+jwt is the same.
		req, _ := http.NewRequest("GET", env.URL+"/api/v1/awards/"+mine.Code+"/credential", nil)
		req.Header.Set("Accept", "application/vc+jwt")
		if bare := c.Do(req); bare.Header.Get("Content-Type") != "application/vc+jwt" || bare.Body != jwt {
			t.Errorf("bare token: %s %q", bare.Header.Get("Content-Type"), bare.Body)
		}
		// A changed payload, another award's signature: refused.
		p := strings.Split(jwt, ".")
		forged, _ := base64.RawURLEncoding.DecodeString(p[1])
		forged = bytes.Replace(forged, []byte(member.User.Name), []byte("Басқа Адам"), 1)
		if _, err := verifyVCJWT(p[0]+"."+base64.RawURLEncoding.EncodeToString(forged)+"."+p[2], []byte(jwks.Body)); err == nil {
			t.Error("a changed credential verifies")
		}
		otherJWT := decode[map[string]any](t, c.JSON("GET", "/api/v1/awards/"+other.Code+"/credential", "", ""))["credential"].(string)
		if _, err := verifyVCJWT(p[0]+"."+p[1]+"."+strings.Split(otherJWT, ".")[2], []byte(jwks.Body)); err == nil {
			t.Error("a swapped signature verifies")
		}

		// The verification page and the PDF.
		page := c.Get("/ru/awards/" + typed)
		if page.StatusCode != 200 || !strings.Contains(page.Body, member.User.Name) || !strings.Contains(page.Body, "Действителен") ||
			!strings.Contains(page.Body, "Районный фестиваль «Караван дружбы»") || !strings.Contains(page.Body, "Орал қалалық жастар ұйымы") {
			t.Errorf("page: %d\n%.2000s", page.StatusCode, page.Body)
		}
		pdf := c.Get("/kk/awards/" + mine.Code + ".pdf")
		if pdf.StatusCode != 200 || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF") {
			t.Errorf("pdf: %d %s", pdf.StatusCode, pdf.Header.Get("Content-Type"))
		}
		if r := c.Get("/kk/awards/ZZZZZZZZZZZZ.pdf"); r.StatusCode != 404 {
			t.Errorf("unknown pdf: %d", r.StatusCode)
		}

		// Revocation: a reason is needed; others may not; twice is 409.
		del := func(tok, path, body string) *apptest.Response { return c.JSON("DELETE", path, tok, body) }
		if r := del(tok, "/api/v1/awards/"+mine.ID, `{"reason":"  "}`); r.StatusCode != 422 {
			t.Errorf("revoke without a reason: %d %s", r.StatusCode, r.Body)
		}
		if r := del(token(t, env, member), "/api/v1/awards/"+mine.ID, `{"reason":"менікі емес"}`); r.StatusCode != 403 {
			t.Errorf("revoke by the recipient: %d", r.StatusCode)
		}
		if r := del(tok, "/api/v1/awards/"+mine.ID, `{"reason":"Қате жазылған"}`); r.StatusCode != 200 || !strings.Contains(r.Body, `"revoked":true`) {
			t.Errorf("revoke: %d %s", r.StatusCode, r.Body)
		}
		req, _ = http.NewRequest("DELETE", env.URL+"/api/v1/awards/"+mine.ID+"?reason=again", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept-Language", "en")
		if r := c.Do(req); r.StatusCode != 409 || !strings.Contains(r.Body, "already been revoked") {
			t.Errorf("revoke twice: %d %s", r.StatusCode, r.Body)
		}
		v = decode[map[string]any](t, c.JSON("GET", "/api/v1/awards/verify/"+mine.Code, "", ""))
		if v["valid"] != false || v["revoked"] != true || v["revoke_reason"] != "Қате жазылған" {
			t.Errorf("after revoking: %v", v)
		}
		if page := c.Get("/en/awards/" + mine.Code); !strings.Contains(page.Body, "Revoked") || !strings.Contains(page.Body, "Қате жазылған") {
			t.Errorf("revoked page:\n%.2000s", page.Body)
		}
		rows, err := audit.List(context.Background(), d, audit.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var issues, revokes int
		for _, row := range rows {
			switch row.Action {
			case "awards.issue":
				issues++
			case "awards.revoke":
				revokes++
			}
		}
		if issues != 1 || revokes != 1 {
			t.Errorf("audit: %d issues, %d revocations", issues, revokes)
		}

		// The recipient sees it on their profile and in their data export.
		mc := env.Client()
		mc.SignIn(member)
		if prof := mc.Get("/kk/profile"); !strings.Contains(prof.Body, "«Достық керуені» аудандық фестивалі") || !strings.Contains(prof.Body, mine.Code[:4]+"-") {
			t.Errorf("profile lacks the award:\n%.3000s", prof.Body)
		}
		if home := mc.Get("/kk/me"); !strings.Contains(home.Body, `id="me-awards"`) || !strings.Contains(home.Body, mine.Code[:4]+"-") {
			t.Errorf("the person's home lacks the award:\n%.3000s", home.Body)
		}
		if home := env.Client().Get("/kk/"); strings.Contains(home.Body, `id="me-awards"`) || strings.Contains(home.Body, mine.Code[:4]+"-") {
			t.Error("a guest's home page lists awards")
		}
		exp := mc.Get("/kk/profile/export")
		if !strings.Contains(exp.Body, `"awards"`) || !strings.Contains(exp.Body, mine.Code[:4]) {
			t.Errorf("export lacks the award: %.2000s", exp.Body)
		}

		// The organizer's page issues from a form, without JavaScript.
		oc := env.Client()
		oc.SignIn(organizer)
		path := fmt.Sprintf("/kk/organizations/%d/awards", org)
		if r := oc.Get(path); r.StatusCode != 200 || !strings.Contains(r.Body, "Гүлназ Өтепова") {
			t.Errorf("organizer page: %d", r.StatusCode)
		}
		bad := oc.PostForm(path, url.Values{"kind": {"diploma"}, "title_kk": {"Байқау"}, "recipients": {"Асқар Нұров; бірінші"}})
		if bad.StatusCode != 422 || !strings.Contains(bad.Body, "1-жол") {
			t.Errorf("bad line: %d\n%.3000s", bad.StatusCode, bad.Body)
		}
		good := oc.PostForm(path, url.Values{"kind": {"thanks"}, "title_kk": {"Керуенге қатысқаны үшін"},
			"recipients": {"Асқар Нұров\n#" + fmt.Sprint(member.User.ID) + "\n"}})
		if good.StatusCode != 303 {
			t.Errorf("issue by form: %d\n%.3000s", good.StatusCode, good.Body)
		}
		if r := env.Client().Get(path); r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "/signin") {
			t.Errorf("guest on the organizer page: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if r := mc.Get(path); r.StatusCode != 403 {
			t.Errorf("member on the organizer page: %d", r.StatusCode)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// Awards to a call's people: certificates to all its participants, diplomas
// to its winners with their places, through the calls component.
func TestAwardsToCallPeople(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Аудандық мәдениет үйі")
		other := env.NewOrg(0, "Басқа ұйым")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		tok := token(t, env, organizer)
		var people []apptest.Person
		for range 3 {
			people = append(people, env.NewPerson()) // applicants, not members
		}
		minor := env.NewPerson("minor") // applied; no guardian's consent yet
		var call int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO calls (org_id, kind, title_kk, created_at, updated_at) VALUES (?, 'festival', 'Достық керуені', ?, ?) RETURNING id`,
				org, tx.Now, tx.Now).Scan(&call); err != nil {
				return err
			}
			var stage int64
			if err := tx.QueryRow(ctx, `INSERT INTO call_stages (call_id, position, title_kk, opens_at, closes_at, criteria, advance, seed, closed_at)
				VALUES (?, 1, 'Аудандық кезең', ?, ?, '[]', 2, 1, ?) RETURNING id`, call, tx.Now.Add(-48*time.Hour), tx.Now.Add(-time.Hour), tx.Now).Scan(&stage); err != nil {
				return err
			}
			for i, p := range people {
				var app int64
				if err := tx.QueryRow(ctx, "INSERT INTO call_applications (call_id, user_id, submitted_at) VALUES (?, ?, ?) RETURNING id", call, p.User.ID, tx.Now).Scan(&app); err != nil {
					return err
				}
				status := "advanced"
				if i == 2 {
					status = "not_advanced"
				}
				// the second applicant ranked first
				if _, err := tx.Exec(ctx, `INSERT INTO call_results (stage_id, application_id, holding_id, rank, score, raw_score, status)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, stage, app, org, []int{2, 1, 3}[i], 90-i, 90-i, status); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, "INSERT INTO call_applications (call_id, user_id, submitted_at) VALUES (?, ?, ?)", call, minor.User.ID, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		issue := func(org int64, kind, to string) *apptest.Response {
			return c.JSON("POST", "/api/v1/awards", tok, fmt.Sprintf(`{"organization_id":"%d","kind":%q,"title":{"kk":"Достық керуені"},"call_id":"%d","to":%q,"recipients":[]}`,
				org, kind, call, to))
		}
		// The organizer page offers the organization's calls by title, not
		// a field for a call's number; another organization's page does not.
		oc := env.Client()
		oc.SignIn(organizer)
		if r := oc.Get(fmt.Sprintf("/kk/organizations/%d/awards", org)); r.StatusCode != 200 ||
			!strings.Contains(r.Body, fmt.Sprintf(`<option value="%d">Достық керуені</option>`, call)) {
			t.Fatalf("the organizer page's calls: %d %.2000s", r.StatusCode, r.Body)
		}
		if r := issue(other, "certificate", "participants"); r.StatusCode != 403 {
			t.Errorf("another organization's organizer: %d %s", r.StatusCode, r.Body)
		}
		env.Grant(organizer, other, "moderator")
		if r := issue(other, "certificate", "participants"); r.StatusCode != 422 || !strings.Contains(r.Body, "call_id") {
			t.Errorf("a call of another organization: %d %s", r.StatusCode, r.Body)
		}
		r := issue(org, "certificate", "participants")
		if r.StatusCode != 201 {
			t.Fatalf("participants: %d %s", r.StatusCode, r.Body)
		}
		got := map[string]bool{}
		for _, it := range decode[struct{ Items []item }](t, r).Items {
			got[it.Recipient] = true
		}
		if len(got) != 3 || got[minor.User.Name] {
			t.Errorf("certificates to %v: the three adults, not the minor without consent", got)
		}
		for _, p := range people {
			if !got[p.User.Name] {
				t.Errorf("participant %s has no certificate: %v", p.User.Name, got)
			}
		}
		r = issue(org, "diploma", "winners")
		if r.StatusCode != 201 {
			t.Fatalf("winners: %d %s", r.StatusCode, r.Body)
		}
		items := decode[struct{ Items []item }](t, r).Items
		if len(items) != 2 || items[0].Recipient != people[1].User.Name || items[1].Recipient != people[0].User.Name {
			t.Fatalf("winners: %+v", items)
		}
		for i, it := range items {
			v := decode[map[string]any](t, c.JSON("GET", "/api/v1/awards/verify/"+it.Code, "", ""))
			if v["place"] != float64(i+1) || v["kind"] != "diploma" {
				t.Errorf("winner %d: %v", i, v)
			}
		}
		// The organizer's form does the same, without JavaScript.
		if r := oc.PostForm(fmt.Sprintf("/kk/organizations/%d/awards", org), url.Values{"kind": {"diploma"}, "title_kk": {"Достық керуені"},
			"call_id": {fmt.Sprint(call)}, "to": {"winners"}}); r.StatusCode != 303 {
			t.Errorf("winners by form: %d %.2000s", r.StatusCode, r.Body)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM awards WHERE kind = 'diploma' AND call_id = ? AND place IS NOT NULL", call).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d diplomas with places (%v)", n, err)
		}
		// Named by id as a participant of the call, not a member.
		r = c.JSON("POST", "/api/v1/awards", tok, fmt.Sprintf(`{"organization_id":"%d","kind":"thanks","title":{"kk":"Рақмет"},"call_id":"%d","recipients":[{"person_id":"%d"}]}`,
			org, call, people[2].User.ID))
		if r.StatusCode != 201 {
			t.Errorf("a participant by id: %d %s", r.StatusCode, r.Body)
		}
	})
}
