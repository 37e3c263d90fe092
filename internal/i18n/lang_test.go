package i18n

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"kk", KK, true},
		{"Kk", KK, true},
		{"KK", KK, true},
		{"kk-Latn", KKLatn, true},
		{"kk-latn", KKLatn, true},
		{"KK-LATN", KKLatn, true},
		{"ru", RU, true},
		{"RU", RU, true},
		{"en", EN, true},
		{"", "", false},
		{"kz", "", false},
		{"kk-Cyrl", "", false},
		{"kk_Latn", "", false},
		{"en-US", "", false},
		{"de", "", false},
		{" kk", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"", KK},
		{"kk", KK},
		{"kk-KZ", KK},
		{"kk-Cyrl-KZ", KK},
		{"kk-Latn", KKLatn},
		{"KK-latn-KZ", KKLatn},
		{"ru", RU},
		{"ru-RU,ru;q=0.9", RU},
		{"ru-KZ", RU},
		{"en-US,en;q=0.9", EN},
		{"en-GB", EN},
		{"de-DE,de;q=0.9", KK},
		{"*", KK},
		{"fr, ru;q=0.8, en;q=0.9", EN},
		{"ru;q=0.5, kk;q=0.7, en;q=0.6", KK},
		{"ru;q=0.5, kk-Latn;q=0.7, en;q=0.6", KKLatn},
		{"en;q=0.8, ru;q=0.8", EN}, // first on a tie
		{"en;q=0, ru;q=0.1", RU},   // q=0 means not acceptable
		{"en;q=abc, ru;q=0.1", RU}, // malformed q: ignored
		{"en;q=2, ru;q=0.1", RU},
		{"ru ; q=0.4 , en ; q=0.3", RU},
		{"rue, ru-x", RU}, // "rue" is Rusyn, not Russian
		{" , ;, en", EN},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestLangNames(t *testing.T) {
	tests := []struct {
		l          Lang
		html, base string
	}{
		{KK, "kk", "kk"},
		{KKLatn, "kk-Latn", "kk"},
		{RU, "ru", "ru"},
		{EN, "en", "en"},
	}
	for _, tt := range tests {
		if got := tt.l.HTMLLang(); got != tt.html {
			t.Errorf("%q.HTMLLang() = %q, want %q", tt.l, got, tt.html)
		}
		if got := tt.l.Base(); got != tt.base {
			t.Errorf("%q.Base() = %q, want %q", tt.l, got, tt.base)
		}
	}
}

func TestPluralForm(t *testing.T) {
	tests := []struct {
		base string
		n    int
		want string
	}{
		{"ru", 0, "many"},
		{"ru", 1, "one"},
		{"ru", 2, "few"},
		{"ru", 4, "few"},
		{"ru", 5, "many"},
		{"ru", 11, "many"},
		{"ru", 12, "many"},
		{"ru", 14, "many"},
		{"ru", 21, "one"},
		{"ru", 22, "few"},
		{"ru", 25, "many"},
		{"ru", 101, "one"},
		{"ru", 111, "many"},
		{"ru", 112, "many"},
		{"ru", 122, "few"},
		{"ru", 1001, "one"},
		{"ru", -1, "one"},
		{"ru", -22, "few"},
		{"kk", 0, "other"},
		{"kk", 1, "one"},
		{"kk", 2, "other"},
		{"kk", 21, "other"},
		{"en", 0, "other"},
		{"en", 1, "one"},
		{"en", 2, "other"},
		{"en", -1, "one"},
		{"de", 1, "other"},
	}
	for _, tt := range tests {
		if got := PluralForm(tt.base, tt.n); got != tt.want {
			t.Errorf("PluralForm(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
	}
}
