package codicefiscale

import (
	"fmt"
	"strings"
	"time"
)

// Generate builds the base codice fiscale of a person (docs/anpr.md §5.1). belfiore is the
// cadastral code of the birth comune ("H501") or "Z" + 3 digits for a foreign state.
// Names may carry accents, apostrophes and spaces ("D'ANGELO", "DE LUCA"); only letters count.
func Generate(surname, name string, birth time.Time, female bool, belfiore string) (string, error) {
	sc, err := surnameCode(surname)
	if err != nil {
		return "", err
	}
	nc, err := nameCode(name)
	if err != nil {
		return "", err
	}
	if !validBelfiore(belfiore) {
		return "", fmt.Errorf("%w: belfiore code must be a letter and 3 digits", ErrInput)
	}
	if birth.IsZero() {
		return "", fmt.Errorf("%w: missing birth date", ErrInput)
	}
	day := birth.Day()
	if female {
		day += 40
	}
	b := make([]byte, 0, Length)
	b = append(b, sc...)
	b = append(b, nc...)
	b = fmt.Appendf(b, "%02d", birth.Year()%100)
	b = append(b, monthLetters[birth.Month()-1])
	b = fmt.Appendf(b, "%02d", day)
	b = append(b, belfiore...)
	b = append(b, 0)
	return withCheckChar(b)
}

func validBelfiore(s string) bool {
	return len(s) == 4 && isUpper(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3])
}

// surnameCode: consonants in order, then vowels, padded with X.
func surnameCode(surname string) (string, error) {
	cons, vows := split(surname)
	if len(cons)+len(vows) == 0 {
		return "", fmt.Errorf("%w: surname has no letters", ErrInput)
	}
	return pad(cons + vows), nil
}

// nameCode: with 4 or more consonants the 1st, 3rd and 4th; otherwise as the surname.
func nameCode(name string) (string, error) {
	cons, vows := split(name)
	if len(cons)+len(vows) == 0 {
		return "", fmt.Errorf("%w: name has no letters", ErrInput)
	}
	if len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]}), nil
	}
	return pad(cons + vows), nil
}

func pad(s string) string {
	s += "XXX"
	return s[:3]
}

// split returns the consonants and the vowels of s, uppercased, accents folded, other
// characters dropped.
func split(s string) (cons, vows string) {
	var c, v strings.Builder
	for _, r := range strings.ToUpper(s) {
		r = fold(r)
		switch {
		case strings.ContainsRune("AEIOU", r):
			v.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			c.WriteRune(r)
		}
	}
	return c.String(), v.String()
}

// fold maps the accented capitals found in Italian names to their base letter.
func fold(r rune) rune {
	switch r {
	case 'À', 'Á', 'Â', 'Ä':
		return 'A'
	case 'È', 'É', 'Ê', 'Ë':
		return 'E'
	case 'Ì', 'Í', 'Î', 'Ï':
		return 'I'
	case 'Ò', 'Ó', 'Ô', 'Ö':
		return 'O'
	case 'Ù', 'Ú', 'Û', 'Ü':
		return 'U'
	case 'Ç':
		return 'C'
	case 'Ñ':
		return 'N'
	}
	return r
}
