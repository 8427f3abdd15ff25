package simulator

import "time"

// Sesso values.
const (
	Maschio = 'M'
	Femmina = 'F'
)

// Codici legame (ANPR "rapporto di parentela" with the intestatario of the family record).
const (
	LegameIntestatario uint8 = 1
	LegameConiuge      uint8 = 2
	LegameFiglio       uint8 = 3
)

// Stato civile codes (docs/anpr.md §2.2).
const (
	StatoCivileCelibe     uint8 = 1
	StatoCivileConiugato  uint8 = 2
	StatoCivileVedovo     uint8 = 3
	StatoCivileDivorziato uint8 = 4
	// StatoCivileUnitoCivilmente and StatoCivileLiberoDecessoUnito (stato libero after the
	// death of the partner of a civil union) complete the codes the population uses.
	StatoCivileUnitoCivilmente    uint8 = 6
	StatoCivileLiberoDecessoUnito uint8 = 7
)

// Person is one subject of the simulated registry. It is kept flat and small because a
// simulator may hold a million of them: strings point into the shared tables of data.go,
// places are pointers to shared Comune/Stato values. Treat it as read-only.
type Person struct {
	IDANPR        string
	CodiceFiscale string
	Cognome       string
	Nome          string
	DataNascita   time.Time
	// Birth place: exactly one of ComuneNascita and StatoNascita is set.
	ComuneNascita *Comune
	StatoNascita  *Stato
	Cittadinanza  *Stato
	Residenza     Residenza
	// DataMatrimonio is the date of the current or last marriage (or civil union, when
	// StatoCivile is 6 or 7); zero when never married.
	DataMatrimonio time.Time
	// DataDecesso is zero while the person is alive.
	DataDecesso time.Time
	// Famiglia indexes the family; its members are contiguous in the population.
	Famiglia    int32
	IDScheda    uint32 // idSchedaSoggettoANPR
	Sesso       byte   // Maschio or Femmina
	Legame      uint8  // codiceLegame within the family
	StatoCivile uint8
	Cancellato  bool // cancelled from ANPR: lookups answer EN122 "Soggetto cancellato da ANPR"
}

// Residenza is where a person lives: an Italian address, or a foreign one for AIRE.
type Residenza struct {
	Comune    *Comune // nil when registered in AIRE
	Estero    *Stato  // set when registered in AIRE
	Specie    string  // "VIA"; for AIRE the street is in Toponimo only
	CodSpecie string  // "213"
	Toponimo  string
	Dal       time.Time // dataDecorrenzaResidenza
	Civico    uint16
	Metrico   uint16 // metric civic number, 0 when none
	Interno   uint8  // 0 when none
	Scala     byte   // 0 when none
}

// Deceased reports whether the person has died (at any date).
func (p *Person) Deceased() bool { return !p.DataDecesso.IsZero() }

// DeceasedAt reports whether the person had died on or before day.
func (p *Person) DeceasedAt(day time.Time) bool {
	return p.Deceased() && !p.DataDecesso.After(day)
}

// AIRE reports whether the person is registered as resident abroad.
func (p *Person) AIRE() bool { return p.Residenza.Estero != nil }

// Female reports whether Sesso is Femmina.
func (p *Person) Female() bool { return p.Sesso == Femmina }

// Population is the simulated registry: people in a deterministic order with lookups by
// idANPR and codice fiscale. It is immutable after New, hence safe for concurrent reads.
type Population struct {
	people   []Person
	byID     map[string]int32
	byCF     map[string]int32
	famStart []int32 // family f spans people[famStart[f]:famStart[f+1]]
}

// ByIDANPR returns the person with the given idANPR.
func (p *Population) ByIDANPR(id string) (*Person, bool) {
	i, ok := p.byID[id]
	if !ok {
		return nil, false
	}
	return &p.people[i], true
}

// ByCF returns the person with exactly this codice fiscale (omocodia variants are distinct
// codes, as in ANPR).
func (p *Population) ByCF(cf string) (*Person, bool) {
	i, ok := p.byCF[cf]
	if !ok {
		return nil, false
	}
	return &p.people[i], true
}

// Len is the number of people, fixtures included.
func (p *Population) Len() int { return len(p.people) }

// At returns the i-th person (0 ≤ i < Len): first the collaudo fixtures, then the generated
// people family by family. It panics on an out-of-range index like a slice would.
func (p *Population) At(i int) *Person { return &p.people[i] }

// Family returns the members of person's family, intestatario first. The slice aliases the
// population: do not modify it.
func (p *Population) Family(person *Person) []Person {
	f := person.Famiglia
	if f < 0 || int(f)+1 >= len(p.famStart) {
		return nil
	}
	return p.people[p.famStart[f]:p.famStart[f+1]]
}

// Families is the number of families.
func (p *Population) Families() int { return len(p.famStart) - 1 }
