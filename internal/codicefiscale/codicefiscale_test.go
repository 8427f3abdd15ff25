package codicefiscale

import (
	"errors"
	"testing"
	"time"
)

// validVectors are the known-valid codes of docs/anpr.md §5.1.
var validVectors = []string{
	"RSSMRA80A01H501U", "PRVGNN90R10H501Q", "NRECLD90R50H501G", "STTSGT90A01H501J",
	"DPLPRM90R10H501I", "NRENTN80B22G393L", "TTRPNN00R51F839V", "PRVCCL60B50G393U",
	"RSSMRA85C52H501N",
	// collaudo subjects
	"NNOSGT90A01H501I", "TTVSGT90A01H501H", "NDRCPL01A01H501S", "NDRMRC02B02H501D",
	"TDSPRM00R10A952C", "SLVDNN00R50L424L", "TSDSND90R10A952M",
}

func TestValidateValid(t *testing.T) {
	for _, cf := range validVectors {
		t.Run(cf, func(t *testing.T) {
			if err := Validate(cf); err != nil {
				t.Fatalf("Validate(%s) = %v", cf, err)
			}
		})
	}
}

func TestValidateWrongCheckChar(t *testing.T) {
	for _, cf := range validVectors {
		for c := byte('A'); c <= 'Z'; c++ {
			if c == cf[15] {
				continue
			}
			bad := cf[:15] + string(c)
			if err := Validate(bad); !errors.Is(err, ErrCheckChar) {
				t.Fatalf("Validate(%s) = %v, want ErrCheckChar", bad, err)
			}
		}
	}
}

func TestValidateBadFormat(t *testing.T) {
	tests := []struct{ name, cf string }{
		{"empty", ""},
		{"short", "RSSMRA80A01H501"},
		{"long", "RSSMRA80A01H501UX"},
		{"lowercase", "rssmra80a01h501u"},
		{"digit in surname", "R5SMRA80A01H501U"},
		{"bad month", "RSSMRA80Z01H501U"},
		{"letter not omocodic in year", "RSSMRA8AA01H501U"},
		{"digit as belfiore letter", "RSSMRA80A011501U"},
		{"digit as check char", "RSSMRA80A01H5011"},
		{"space", "RSSMRA80A01 H501"},
		{"unicode", "RSSMRÀ80A01H501U"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.cf); !errors.Is(err, ErrFormat) {
				t.Fatalf("Validate(%q) = %v, want ErrFormat", tt.cf, err)
			}
		})
	}
}

func TestCheckChar(t *testing.T) {
	for _, cf := range validVectors {
		got, err := CheckChar(cf[:15])
		if err != nil || got != cf[15] {
			t.Errorf("CheckChar(%s) = %q, %v; want %q", cf[:15], got, err, cf[15])
		}
	}
	for _, bad := range []string{"", "RSSMRA80A01H50", "RSSMRA80A01H501U", "rssmra80a01h501"} {
		if _, err := CheckChar(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("CheckChar(%q) err = %v, want ErrFormat", bad, err)
		}
	}
}

func TestOmocodeRoundTrip(t *testing.T) {
	for _, cf := range validVectors {
		for n := 0; n <= 7; n++ {
			o, err := Omocode(cf, n)
			if err != nil {
				t.Fatalf("Omocode(%s,%d): %v", cf, n, err)
			}
			if err := Validate(o); err != nil {
				t.Fatalf("Omocode(%s,%d) = %s invalid: %v", cf, n, o, err)
			}
			if got := countLetters(o); got != n {
				t.Fatalf("Omocode(%s,%d) = %s has %d letters in digit positions", cf, n, o, got)
			}
			base, err := Base(o)
			if err != nil || base != cf {
				t.Fatalf("Base(%s) = %s, %v; want %s", o, base, err, cf)
			}
			again, _ := Omocode(o, n)
			if again != o {
				t.Fatalf("Omocode not idempotent: %s -> %s", o, again)
			}
		}
	}
}

func TestOmocodeKnown(t *testing.T) {
	// One substitution: position 15 '1' → 'M'; check char recomputed.
	got, err := Omocode("RSSMRA80A01H501U", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[:15] != "RSSMRA80A01H50M" {
		t.Fatalf("Omocode = %s", got)
	}
	if got, _ := Omocode("RSSMRA80A01H501U", 7); got[:15] != "RSSMRAULALMHRLM" {
		t.Fatalf("Omocode(7) = %s", got)
	}
}

func TestOmocodeErrors(t *testing.T) {
	if _, err := Omocode("RSSMRA80A01H501U", 8); !errors.Is(err, ErrInput) {
		t.Errorf("n=8: %v", err)
	}
	if _, err := Omocode("RSSMRA80A01H501U", -1); !errors.Is(err, ErrInput) {
		t.Errorf("n=-1: %v", err)
	}
	if _, err := Omocode("RSSMRA80A01H501A", 1); !errors.Is(err, ErrCheckChar) {
		t.Errorf("bad check: %v", err)
	}
}

func countLetters(cf string) int {
	n := 0
	for _, p := range omocodePositions {
		if !isDigit(cf[p]) {
			n++
		}
	}
	return n
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestGenerate(t *testing.T) {
	tests := []struct {
		surname, name string
		birth         time.Time
		female        bool
		belfiore      string
		want          string
	}{
		{"ROSSI", "MARIO", date(1980, 1, 1), false, "H501", "RSSMRA80A01H501U"},
		{"Rossi", "Maria", date(1985, 3, 12), true, "H501", "RSSMRA85C52H501N"},
		{"PROVA", "GIOVANNI", date(1990, 10, 10), false, "H501", "PRVGNN90R10H501Q"},
		{"PROVA", "CECILIA", date(1960, 2, 10), true, "G393", "PRVCCL60B50G393U"},
		{"SETTIMO", "SOGGETTO", date(1990, 1, 1), false, "H501", "STTSGT90A01H501J"},
		{"NONO", "SOGGETTO", date(1990, 1, 1), false, "H501", "NNOSGT90A01H501I"},
		{"OTTAVO", "SOGGETTO", date(1990, 1, 1), false, "H501", "TTVSGT90A01H501H"},
		{"INDIRIZZO", "COMPLESSO", date(2001, 1, 1), false, "H501", "NDRCPL01A01H501S"},
		{"INDIRIZZO", "METRICO", date(2002, 2, 2), false, "H501", "NDRMRC02B02H501D"},
		{"TEDESCO", "PRIMO", date(2000, 10, 10), false, "A952", "TDSPRM00R10A952C"},
		{"SLOVENO", "DONNA", date(2000, 10, 10), true, "L424", "SLVDNN00R50L424L"},
		{"FO", "LI", date(2001, 12, 31), true, "Z110", ""}, // padding with X; check computed below
		{"D'Angelo", "Niccolò", date(1999, 7, 4), false, "F205", ""},
	}
	for _, tt := range tests {
		t.Run(tt.surname+"_"+tt.name, func(t *testing.T) {
			got, err := Generate(tt.surname, tt.name, tt.birth, tt.female, tt.belfiore)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && got != tt.want {
				t.Fatalf("Generate = %s, want %s", got, tt.want)
			}
			if err := Validate(got); err != nil {
				t.Fatalf("generated %s invalid: %v", got, err)
			}
		})
	}
}

func TestGenerateRules(t *testing.T) {
	got, _ := Generate("FO", "LI", date(2001, 12, 31), true, "Z110")
	if got[:15] != "FOXLIX01T71Z110" {
		t.Errorf("padding/month/day: %s", got)
	}
	got, _ = Generate("D'Angelo", "Niccolò", date(1999, 7, 4), false, "F205")
	if got[:6] != "DNGNCL" {
		t.Errorf("apostrophe/accent handling: %s", got)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name, surname, given, belfiore string
		birth                          time.Time
	}{
		{"no surname letters", "123", "MARIO", "H501", date(1980, 1, 1)},
		{"no name letters", "ROSSI", "", "H501", date(1980, 1, 1)},
		{"bad belfiore", "ROSSI", "MARIO", "H50", date(1980, 1, 1)},
		{"lowercase belfiore", "ROSSI", "MARIO", "h501", date(1980, 1, 1)},
		{"zero date", "ROSSI", "MARIO", "H501", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Generate(tt.surname, tt.given, tt.birth, false, tt.belfiore); !errors.Is(err, ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
		})
	}
}

func FuzzValidate(f *testing.F) {
	for _, cf := range validVectors {
		f.Add(cf)
	}
	f.Add("")
	f.Add("RSSMRAULALMHRLMX")
	f.Add("ÀÀÀÀÀÀÀÀ")
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s)
		if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCheckChar) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil {
			// A valid code survives an omocodia round trip.
			base, err := Base(s)
			if err != nil || Validate(base) != nil {
				t.Fatalf("Base(%q) = %q, %v", s, base, err)
			}
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	for b.Loop() {
		_ = Validate("RSSMRA80A01H501U")
	}
}
