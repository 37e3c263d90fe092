package i18n

// PluralForm returns the CLDR plural category of the integer n in a base
// language ("kk", "ru", "en"): "one", "few", "many" or "other". Kazakh and
// English have one and other; Russian uses one, few and many for integers
// (1, 21 → one; 2, 22 → few; 5, 11, 111 → many) and other for fractions.
// An unknown language gets "other".
func PluralForm(base string, n int) string {
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	switch base {
	case "ru":
		i10, i100 := u%10, u%100
		switch {
		case i10 == 1 && i100 != 11:
			return "one"
		case i10 >= 2 && i10 <= 4 && (i100 < 12 || i100 > 14):
			return "few"
		}
		return "many"
	case "kk", "en":
		if u == 1 {
			return "one"
		}
	}
	return "other"
}

// pluralCategories lists the CLDR plural categories of a base language:
// exactly the forms its catalog gives for a plural message.
func pluralCategories(base string) []string {
	if base == "ru" {
		return []string{"one", "few", "many", "other"}
	}
	return []string{"one", "other"}
}
