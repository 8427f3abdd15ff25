package codicefiscale

import "fmt"

// Omocode returns the omocodia variant of cf in which the n right-most substitutable digits
// (1-based positions 15, 14, 13, 11, 10, 8, 7) are replaced by their letters, with the check
// character recomputed. cf may itself be an omocodia variant: it is first brought back to its
// base form, so the result depends only on the person's base code and n. n = 0 returns the
// base form.
func Omocode(cf string, n int) (string, error) {
	if n < 0 || n > len(omocodePositions) {
		return "", fmt.Errorf("%w: omocodia level %d outside 0..%d", ErrInput, n, len(omocodePositions))
	}
	if err := Validate(cf); err != nil {
		return "", err
	}
	b := []byte(cf)
	decode(b)
	for _, pos := range omocodePositions[:n] {
		b[pos] = omocodeLetters[b[pos]-'0']
	}
	return withCheckChar(b)
}

// Base returns the base (non-omocodic) form of a valid cf.
func Base(cf string) (string, error) { return Omocode(cf, 0) }

// decode turns every omocodia letter back into its digit, in place.
func decode(b []byte) {
	for _, pos := range omocodePositions {
		if i := omocodeIndex(b[pos]); i >= 0 {
			b[pos] = byte('0' + i)
		}
	}
}

// withCheckChar overwrites b[15] with the check character of b[:15].
func withCheckChar(b []byte) (string, error) {
	c, err := CheckChar(string(b[:15]))
	if err != nil {
		return "", err
	}
	b[15] = c
	return string(b), nil
}
