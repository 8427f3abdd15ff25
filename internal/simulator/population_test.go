package simulator

import (
	"regexp"
	"testing"

	"github.com/varco-anpr/varco/internal/codicefiscale"
)

var idANPRPattern = regexp.MustCompile(`^[A-Z]{2}\d{5}[A-Z0-9]{2}$`)

func TestPopulationInvariants(t *testing.T) {
	pop, err := newPopulation(7, 20000)
	if err != nil {
		t.Fatal(err)
	}
	if pop.Len() != 20000+len(fixtures())+len(homonymBirthplaces()) {
		t.Fatalf("Len %d", pop.Len())
	}
	var omocodic, deceased, aire, cancelled, abroad int
	for i := 0; i < pop.Len(); i++ {
		p := pop.At(i)
		if err := codicefiscale.Validate(p.CodiceFiscale); err != nil {
			t.Fatalf("person %d: CF invalid: %v", i, err)
		}
		if !idANPRPattern.MatchString(p.IDANPR) {
			t.Fatalf("person %d: idANPR %q", i, p.IDANPR)
		}
		if q, _ := pop.ByIDANPR(p.IDANPR); q != p {
			t.Fatalf("person %d: ByIDANPR mismatch", i)
		}
		if q, _ := pop.ByCF(p.CodiceFiscale); q != p {
			t.Fatalf("person %d: ByCF mismatch", i)
		}
		if base, _ := codicefiscale.Base(p.CodiceFiscale); base != p.CodiceFiscale {
			omocodic++
		}
		if (p.ComuneNascita == nil) == (p.StatoNascita == nil) {
			t.Fatalf("person %d: exactly one birth place expected", i)
		}
		if p.Deceased() {
			deceased++
			if p.DataDecesso.Before(p.DataNascita) {
				t.Fatalf("person %d died before birth", i)
			}
		}
		if p.AIRE() {
			aire++
		}
		if p.Cancellato {
			cancelled++
		}
		if p.StatoNascita != nil {
			abroad++
		}
	}
	t.Logf("omocodic %d, deceased %d, AIRE %d, cancelled %d, born abroad %d", omocodic, deceased, aire, cancelled, abroad)
	for name, n := range map[string]int{"omocodic": omocodic, "deceased": deceased, "AIRE": aire, "cancelled": cancelled, "born abroad": abroad} {
		if n == 0 {
			t.Errorf("no %s people", name)
		}
	}
}

func TestPopulationFamilies(t *testing.T) {
	pop, err := newPopulation(7, 5000)
	if err != nil {
		t.Fatal(err)
	}
	nFix, generated := len(fixtures()), pop.Families()-len(homonymBirthplaces()) // the homonyms live alone, last
	for f := nFix; f < generated; f++ {
		fam := pop.people[pop.famStart[f]:pop.famStart[f+1]]
		last := f == generated-1
		if (len(fam) < 2 && !last) || len(fam) > 5 {
			t.Fatalf("family %d has %d members", f, len(fam))
		}
		if fam[0].Legame != LegameIntestatario {
			t.Fatalf("family %d: first member legame %d", f, fam[0].Legame)
		}
		for i := range fam {
			m := &fam[i]
			if m.Famiglia != int32(f) || (i > 0 && m.Legame == LegameIntestatario) {
				t.Fatalf("family %d member %d: famiglia %d legame %d", f, i, m.Famiglia, m.Legame)
			}
			if m.Legame == LegameFiglio && !m.DataNascita.After(fam[0].DataNascita) {
				t.Fatalf("family %d: child older than intestatario", f)
			}
			if m.AIRE() != fam[0].AIRE() {
				t.Fatalf("family %d: split between Italy and AIRE", f)
			}
		}
		if got := pop.Family(&fam[len(fam)-1]); len(got) != len(fam) {
			t.Fatalf("Family() returned %d members", len(got))
		}
	}
}

func TestPopulationDeterministic(t *testing.T) {
	a, _ := newPopulation(1, 3000)
	b, _ := newPopulation(1, 3000)
	c, _ := newPopulation(2, 3000)
	same, differ := true, false
	for i := 0; i < a.Len(); i++ {
		if a.At(i).IDANPR != b.At(i).IDANPR || a.At(i).CodiceFiscale != b.At(i).CodiceFiscale {
			same = false
		}
		if a.At(i).IDANPR != c.At(i).IDANPR {
			differ = true
		}
	}
	if !same || !differ {
		t.Fatalf("same seed equal: %v; other seed differs: %v", same, differ)
	}
}

// The fixtures' names, dates and places must generate ANPR's published codes.
func TestFixtures(t *testing.T) {
	pop, _ := newPopulation(1, 0)
	for _, f := range fixtures() {
		t.Run(f.id, func(t *testing.T) {
			cf, err := codicefiscale.Generate(f.cognome, f.nome, f.birth, f.sesso == Femmina, f.nascita.Belfiore)
			if err != nil || cf != f.cf {
				t.Fatalf("Generate = %s, %v; want %s", cf, err, f.cf)
			}
			p, ok := pop.ByIDANPR(f.id)
			if !ok || p.CodiceFiscale != f.cf || p.Cancellato != (f.id == "OR69233LN") {
				t.Fatalf("fixture %+v", p)
			}
		})
	}
}

func TestDefaultPopulationSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test builds the default population of 10,000 people")
	}
	s, err := New(Config{PublicURL: "http://localhost:1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Population().Len(); got != defaultPopulation+len(fixtures())+len(homonymBirthplaces()) {
		t.Fatalf("Len %d", got)
	}
}

// BenchmarkPopulationMillion measures building the 1,000,000-person registry (target:
// < 1 min, < 2 GiB). Run with: go test -run x -bench PopulationMillion -benchmem ./internal/simulator/
func BenchmarkPopulationMillion(b *testing.B) {
	for b.Loop() {
		if _, err := newPopulation(1, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
}
