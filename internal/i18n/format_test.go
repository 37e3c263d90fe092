package i18n

import (
	"math"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	c := MustLoad()
	nov4 := time.Date(2020, 11, 4, 10, 4, 0, 0, time.UTC) // 15:04 in Almaty
	tests := []struct {
		lang Lang
		t    time.Time
		date string
		full string
	}{
		{KK, nov4, "2020 ж. 4 қараша", "2020 ж. 4 қараша 15:04"},
		{KKLatn, nov4, "2020 j. 4 qaraşa", "2020 j. 4 qaraşa 15:04"},
		{RU, nov4, "4 ноября 2020 г.", "4 ноября 2020 г. 15:04"},
		{EN, nov4, "4 November 2020", "4 November 2020 15:04"},
		// 19:30 UTC on 31 December is already New Year in Almaty.
		{KK, time.Date(2023, 12, 31, 19, 30, 0, 0, time.UTC), "2024 ж. 1 қаңтар", "2024 ж. 1 қаңтар 00:30"},
		{RU, time.Date(2023, 12, 31, 19, 30, 0, 0, time.UTC), "1 января 2024 г.", "1 января 2024 г. 00:30"},
		// The zone of t does not matter, only the instant.
		{EN, time.Date(2024, 3, 8, 9, 0, 0, 0, time.FixedZone("UTC+3", 3*3600)), "8 March 2024", "8 March 2024 11:00"},
	}
	for _, tt := range tests {
		p := c.Printer(tt.lang)
		if got := p.Date(tt.t); got != tt.date {
			t.Errorf("%s: Date(%v) = %q, want %q", tt.lang, tt.t, got, tt.date)
		}
		if got := p.DateTime(tt.t); got != tt.full {
			t.Errorf("%s: DateTime(%v) = %q, want %q", tt.lang, tt.t, got, tt.full)
		}
	}
}

func TestMonths(t *testing.T) {
	c := MustLoad()
	want := map[Lang][12]string{
		KK:     {"қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"},
		KKLatn: {"qañtar", "aqpan", "nauryz", "säuır", "mamyr", "mausym", "şılde", "tamyz", "qyrküiek", "qazan", "qaraşa", "jeltoqsan"},
		RU:     {"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		EN:     {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
	for lang, months := range want {
		p := c.Printer(lang)
		for i, m := range months {
			d := time.Date(2021, time.Month(i+1), 15, 12, 0, 0, 0, Almaty)
			var w string
			switch lang {
			case KK:
				w = "2021 ж. 15 " + m
			case KKLatn:
				w = "2021 j. 15 " + m
			case RU:
				w = "15 " + m + " 2021 г."
			default:
				w = "15 " + m + " 2021"
			}
			if got := p.Date(d); got != w {
				t.Errorf("%s: Date(%v) = %q, want %q", lang, d, got, w)
			}
		}
	}
}

func TestNumber(t *testing.T) {
	c := MustLoad()
	tests := []struct {
		n      int64
		kk, en string
	}{
		{0, "0", "0"},
		{7, "7", "7"},
		{999, "999", "999"},
		{1000, "1\u00a0000", "1,000"},
		{1234567, "1\u00a0234\u00a0567", "1,234,567"},
		{-1234, "-1\u00a0234", "-1,234"},
		{100000, "100\u00a0000", "100,000"},
		{math.MaxInt64, "9\u00a0223\u00a0372\u00a0036\u00a0854\u00a0775\u00a0807", "9,223,372,036,854,775,807"},
		{math.MinInt64, "-9\u00a0223\u00a0372\u00a0036\u00a0854\u00a0775\u00a0808", "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		for _, l := range []Lang{KK, KKLatn, RU} {
			if got := c.Printer(l).Number(tt.n); got != tt.kk {
				t.Errorf("%s: Number(%d) = %q, want %q", l, tt.n, got, tt.kk)
			}
		}
		if got := c.Printer(EN).Number(tt.n); got != tt.en {
			t.Errorf("en: Number(%d) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestDecimal(t *testing.T) {
	c := MustLoad()
	tests := []struct {
		f      float64
		digits int
		ru, en string
	}{
		{12.5, 1, "12,5", "12.5"},
		{12.5, -1, "12,5", "12.5"},
		{12.5, 0, "12", "12"}, // round half to even
		{12.25, 2, "12,25", "12.25"},
		{0.1, 3, "0,100", "0.100"},
		{1234567.891, 2, "1\u00a0234\u00a0567,89", "1,234,567.89"},
		{-1234.5, 1, "-1\u00a0234,5", "-1,234.5"},
		{-0.04, 1, "0,0", "0.0"},
		{3, -1, "3", "3"},
		{math.Inf(1), 1, "+Inf", "+Inf"},
		{math.NaN(), 1, "NaN", "NaN"},
	}
	for _, tt := range tests {
		if got := c.Printer(RU).Decimal(tt.f, tt.digits); got != tt.ru {
			t.Errorf("ru: Decimal(%v, %d) = %q, want %q", tt.f, tt.digits, got, tt.ru)
		}
		if got := c.Printer(KK).Decimal(tt.f, tt.digits); got != tt.ru {
			t.Errorf("kk: Decimal(%v, %d) = %q, want %q", tt.f, tt.digits, got, tt.ru)
		}
		if got := c.Printer(EN).Decimal(tt.f, tt.digits); got != tt.en {
			t.Errorf("en: Decimal(%v, %d) = %q, want %q", tt.f, tt.digits, got, tt.en)
		}
	}
}

func TestTimeRangeShowsTheDateOnceOnOneDay(t *testing.T) {
	c := MustLoad()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		l        Lang
		from, to string
		want     string
	}{
		{EN, "2026-12-07T05:00:00Z", "2026-12-07T07:30:00Z", "7 December 2026 10:00–12:30"},
		{RU, "2026-12-07T05:00:00Z", "2026-12-07T07:30:00Z", "7 декабря 2026 г. 10:00–12:30"},
		{KK, "2026-12-07T05:00:00Z", "2026-12-07T07:30:00Z", "2026 ж. 7 желтоқсан 10:00–12:30"},
		// 20:00 UTC is the next day in Kazakhstan: two dates.
		{EN, "2026-12-07T05:00:00Z", "2026-12-07T20:00:00Z", "7 December 2026 10:00 – 8 December 2026 01:00"},
	} {
		if got := c.Printer(tc.l).TimeRange(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.l, got, tc.want)
		}
	}
}
