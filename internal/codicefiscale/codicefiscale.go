// Package codicefiscale validates, builds and transforms Italian codici fiscali of natural
// persons (docs/anpr.md §5.1): the 16-character format, the check character, the omocodia variants
// the Agenzia delle Entrate assigns when two people would otherwise share a code, and the
// generation rules from surname, name, birth date, sex and Belfiore code.
package codicefiscale

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error returned by this package wraps one of them, so callers can
// map them with errors.Is without parsing messages.
var (
	// ErrFormat: the string is not 16 uppercase characters matching the CF pattern.
	ErrFormat = errors.New("codicefiscale: invalid format")
	// ErrCheckChar: the format is right but the 16th character is not the computed one.
	ErrCheckChar = errors.New("codicefiscale: wrong check character")
	// ErrInput: Generate or Omocode got arguments they cannot build a code from.
	ErrInput = errors.New("codicefiscale: invalid input")
)

// Length of a codice fiscale of a natural person.
const Length = 16

// omocodeLetters maps a digit (index) to the letter that replaces it in omocodia.
const omocodeLetters = "LMNPQRSTUV"

// monthLetters maps month-1 to the letter at position 9.
const monthLetters = "ABCDEHLMPRST"

// oddValues is the ODD table indexed by digit value or letter index (0/A share 1, ...).
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// omocodePositions are the 0-based positions that may carry an omocodia letter, right-most
// first: that is the order in which substitutions are applied.
var omocodePositions = [7]int{14, 13, 12, 10, 9, 7, 6}

// Validate reports whether cf is a well-formed codice fiscale with the right check character.
// Omocodia variants are valid. Lowercase is rejected: ANPR stores and compares uppercase.
func Validate(cf string) error {
	if err := checkFormat(cf); err != nil {
		return err
	}
	want, err := CheckChar(cf[:15])
	if err != nil {
		return err
	}
	if cf[15] != want {
		return fmt.Errorf("%w: got %q, want %q", ErrCheckChar, cf[15], want)
	}
	return nil
}

// checkFormat applies, position by position, the regex of docs/anpr.md §5.1:
// ^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$
// Hand-written rather than regexp because the simulator validates on every generated person.
func checkFormat(cf string) error {
	if len(cf) != Length {
		return fmt.Errorf("%w: length %d, want %d", ErrFormat, len(cf), Length)
	}
	for i := 0; i < Length; i++ {
		if !validAt(i, cf[i]) {
			return fmt.Errorf("%w: unexpected character at position %d", ErrFormat, i+1)
		}
	}
	return nil
}

func validAt(i int, c byte) bool {
	switch i {
	case 6, 7, 9, 10, 12, 13, 14:
		return isDigit(c) || omocodeIndex(c) >= 0
	case 8:
		return monthIndex(c) >= 0
	default:
		return isUpper(c)
	}
}

// CheckChar computes the check character (position 16) of the first 15 characters.
// first15 must be 15 uppercase letters or digits; the full pattern is not required, so it
// also serves codes under construction.
func CheckChar(first15 string) (byte, error) {
	if len(first15) != Length-1 {
		return 0, fmt.Errorf("%w: check char needs 15 characters, got %d", ErrFormat, len(first15))
	}
	sum := 0
	for i := 0; i < len(first15); i++ {
		v, ok := charValue(first15[i])
		if !ok {
			return 0, fmt.Errorf("%w: unexpected character at position %d", ErrFormat, i+1)
		}
		if i%2 == 0 { // 1-based odd position
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26), nil
}

// charValue is the EVEN-table value: digits 0–9 and letters A–Z → 0–25.
func charValue(c byte) (int, bool) {
	switch {
	case isDigit(c):
		return int(c - '0'), true
	case isUpper(c):
		return int(c - 'A'), true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func omocodeIndex(c byte) int {
	for i := 0; i < len(omocodeLetters); i++ {
		if omocodeLetters[i] == c {
			return i
		}
	}
	return -1
}

func monthIndex(c byte) int {
	for i := 0; i < len(monthLetters); i++ {
		if monthLetters[i] == c {
			return i
		}
	}
	return -1
}
