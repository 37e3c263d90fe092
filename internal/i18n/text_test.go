package i18n_test

import (
	"encoding/json"
	"testing"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

func TestTextPick(t *testing.T) {
	all := i18n.Text{KK: "Жастар", RU: "Молодёжь", EN: "Youth"}
	onlyRU := i18n.Text{RU: "Молодёжь"}
	onlyEN := i18n.Text{EN: "Youth"}
	kkRU := i18n.Text{KK: "Жастар", RU: "Молодёжь"}
	for _, c := range []struct {
		t        i18n.Text
		l        i18n.Lang
		want     string
		wantLang i18n.Lang
	}{
		{all, i18n.KK, "Жастар", i18n.KK},
		{all, i18n.KKLatn, "Жастар", i18n.KK},
		{all, i18n.RU, "Молодёжь", i18n.RU},
		{all, i18n.EN, "Youth", i18n.EN},
		// The reader's language missing: Kazakh, then Russian, then English.
		{kkRU, i18n.EN, "Жастар", i18n.KK},
		{onlyRU, i18n.EN, "Молодёжь", i18n.RU},
		{onlyRU, i18n.KK, "Молодёжь", i18n.RU},
		{onlyRU, i18n.KKLatn, "Молодёжь", i18n.RU},
		{onlyEN, i18n.RU, "Youth", i18n.EN},
		{onlyEN, i18n.KK, "Youth", i18n.EN},
		{i18n.Text{}, i18n.RU, "", i18n.EN},
	} {
		got, lang := c.t.Pick(c.l)
		if got != c.want || lang != c.wantLang {
			t.Errorf("%+v.Pick(%s) = %q, %s; want %q, %s", c.t, c.l, got, lang, c.want, c.wantLang)
		}
		want := c.want
		if c.l == i18n.KKLatn {
			want = kazakh.ToLatin(want)
		}
		if in := c.t.In(c.l); in != want {
			t.Errorf("%+v.In(%s) = %q, want %q", c.t, c.l, in, want)
		}
	}
}

// The API contract: always all three keys.
func TestTextJSONHasAllThreeKeys(t *testing.T) {
	b, err := json.Marshal(i18n.Text{KK: "Жастар"})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"kk":"Жастар","ru":"","en":""}` {
		t.Fatalf("%s", b)
	}
}
