package web

import (
	"slices"
	"testing"

	"github.com/ortaq/ortaq/internal/i18n"
)

// A list on a person's home is in the alphabetical order of the reader's
// language: English readers get English order, not the Kazakh one.
func TestPanelItemsSortInTheReadersOrder(t *testing.T) {
	titles := func(items []PanelItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Title)
		}
		return out
	}
	items := func(ts ...string) []PanelItem {
		var out []PanelItem
		for _, s := range ts {
			out = append(out, PanelItem{Title: s})
		}
		return out
	}
	en := items("youth wing", "Assembly", "chess club", "Zhastar", "Oral branch")
	Reader{Lang: i18n.EN}.Sort(en)
	if got, want := titles(en), []string{"Assembly", "chess club", "Oral branch", "youth wing", "Zhastar"}; !slices.Equal(got, want) {
		t.Errorf("en: %q, want %q", got, want)
	}
	// Kazakh letters in their place in the Kazakh alphabet: Ә after А, Ө after О.
	kk := items("Өрлеу", "Орал", "Әлем", "Бірлік", "Ауыл")
	Reader{Lang: i18n.KK}.Sort(kk)
	if got, want := titles(kk), []string{"Ауыл", "Әлем", "Бірлік", "Орал", "Өрлеу"}; !slices.Equal(got, want) {
		t.Errorf("kk: %q, want %q", got, want)
	}
	// Ё sorts as Е, as in dictionaries.
	ru := items("Яблоко", "ель", "ёлка", "Арбуз")
	Reader{Lang: i18n.RU}.Sort(ru)
	if got, want := titles(ru), []string{"Арбуз", "ёлка", "ель", "Яблоко"}; !slices.Equal(got, want) {
		t.Errorf("ru: %q, want %q", got, want)
	}
}

// A person's words in another language than the page's are marked with
// lang; Kazakh is told from Russian by the letters only Kazakh has.
func TestUserTextMarksAnotherLanguage(t *testing.T) {
	for _, tc := range []struct {
		page      i18n.Lang
		in        string
		want, tag string
	}{
		{i18n.EN, "Мектеп кітапханаларында ашық Wi-Fi", "Мектеп кітапханаларында ашық Wi-Fi", "kk"},
		{i18n.EN, "Арендное жильё для молодых", "Арендное жильё для молодых", "ru"},
		{i18n.EN, "Free Wi-Fi in libraries", "Free Wi-Fi in libraries", ""},
		{i18n.KK, "Арендное жильё для молодых", "Арендное жильё для молодых", "ru"},
		{i18n.KK, "Мектеп кітапханалары", "Мектеп кітапханалары", ""},
		{i18n.RU, "Мектеп кітапханалары", "Мектеп кітапханалары", "kk"},
		{i18n.KKLatn, "Мектеп кітапханалары", "Mektep kıtaphanalary", ""},
		{i18n.KKLatn, "Арендное жильё", "Арендное жильё", "ru"},
	} {
		got, tag := Reader{Lang: tc.page}.UserText(tc.in)
		if got != tc.want || tag != tc.tag {
			t.Errorf("%s %q: %q lang=%q, want %q lang=%q", tc.page, tc.in, got, tag, tc.want, tc.tag)
		}
	}
}
