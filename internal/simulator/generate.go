package simulator

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/varco-anpr/varco/internal/codicefiscale"
)

// populationEpoch is "today" for the generated registry. It is fixed, not time.Now, so that
// a seed always yields the same people whatever the day the simulator starts.
var populationEpoch = day(2026, 1, 1)

// generator builds a Population deterministically from a seed.
type generator struct {
	rng *rand.Rand
	pop *Population
}

func newPopulation(seed int64, n int) (*Population, error) {
	fx := fixtures()
	total := len(fx) + n
	g := &generator{
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed_a11e_a9a9)),
		pop: &Population{
			people: make([]Person, 0, total),
			byID:   make(map[string]int32, total),
			byCF:   make(map[string]int32, total),
		},
	}
	for _, f := range fx {
		g.startFamily()
		if err := g.add(f.person()); err != nil {
			return nil, err
		}
	}
	for left := n; left > 0; {
		size := min(2+g.rng.IntN(4), left)
		if err := g.family(size); err != nil {
			return nil, err
		}
		left -= size
	}
	if err := g.homonyms(); err != nil {
		return nil, err
	}
	g.pop.famStart = append(g.pop.famStart, int32(len(g.pop.people)))
	return g.pop, nil
}

// homonymBirthplaces are ROMA and MILANO: one homonym born in each.
func homonymBirthplaces() []*Comune { return []*Comune{&comuni[0], &comuni[1]} }

// homonyms adds two people who share cognome, nome, sex and birth date and differ only in
// the Comune of birth, so that a search by generalità without the Comune finds both (ANPR's
// EN095) and with it finds one. They come after the generated population, so they do not
// change anyone else's identifiers.
func (g *generator) homonyms() error {
	for _, born := range homonymBirthplaces() {
		p := Person{Cognome: "ROSSI", Nome: "MARIO", Sesso: Maschio, DataNascita: day(1980, 12, 3), ComuneNascita: born,
			Cittadinanza: &italia, Legame: LegameIntestatario, StatoCivile: StatoCivileCelibe,
			Residenza: Residenza{Comune: born, Specie: "VIA", CodSpecie: "213", Toponimo: "GARIBALDI", Civico: 3, Dal: day(2010, 3, 1)}}
		if err := g.identify(&p); err != nil {
			return err
		}
		g.startFamily()
		if err := g.add(p); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) startFamily() {
	g.pop.famStart = append(g.pop.famStart, int32(len(g.pop.people)))
}

// add indexes p, which must already carry a unique idANPR and CF.
func (g *generator) add(p Person) error {
	i := int32(len(g.pop.people))
	if _, dup := g.pop.byID[p.IDANPR]; dup {
		return fmt.Errorf("simulator: duplicate idANPR at index %d", i)
	}
	if _, dup := g.pop.byCF[p.CodiceFiscale]; dup {
		return fmt.Errorf("simulator: duplicate codice fiscale at index %d", i)
	}
	p.Famiglia = int32(len(g.pop.famStart) - 1)
	p.IDScheda = 1_000_000 + uint32(i)
	g.pop.people = append(g.pop.people, p)
	g.pop.byID[p.IDANPR] = i
	g.pop.byCF[p.CodiceFiscale] = i
	return nil
}

// family appends one family of size members: an intestatario, usually a spouse, children.
func (g *generator) family(size int) error {
	g.startFamily()
	res := g.residence()
	headAge := 25 + g.rng.IntN(60)
	head := g.adult(g.rng.IntN(100) < 35, headAge, res)
	head.Legame = LegameIntestatario
	members := []Person{head}
	if size >= 2 && g.rng.IntN(100) < 80 {
		// About 3% of couples are civil unions (same sex, stato civile 6), so that C014 has
		// subjects to verify; the union date lives in DataMatrimonio.
		union := g.rng.IntN(100) < 3
		spouse := g.adult(head.Female() == union, max(20, headAge+g.rng.IntN(11)-5), res)
		spouse.Legame = LegameConiuge
		wedding := later(head.DataNascita, spouse.DataNascita).AddDate(22+g.rng.IntN(10), g.rng.IntN(12), 0)
		if wedding.After(populationEpoch) {
			wedding = populationEpoch.AddDate(0, -1-g.rng.IntN(24), 0)
		}
		head.DataMatrimonio, spouse.DataMatrimonio = wedding, wedding
		head.StatoCivile, spouse.StatoCivile = StatoCivileConiugato, StatoCivileConiugato
		if union {
			head.StatoCivile, spouse.StatoCivile = StatoCivileUnitoCivilmente, StatoCivileUnitoCivilmente
		}
		members = []Person{head, spouse}
	} else if size >= 2 {
		members[0].StatoCivile = []uint8{StatoCivileCelibe, StatoCivileVedovo, StatoCivileDivorziato}[g.rng.IntN(3)]
	}
	for len(members) < size {
		members = append(members, g.child(members))
	}
	g.widow(members)
	for _, m := range members {
		if err := g.identify(&m); err != nil {
			return err
		}
		if err := g.add(m); err != nil {
			return err
		}
	}
	return nil
}

// widow marks the surviving spouse when one of the couple died: vedovo after a marriage,
// stato libero (7) after a civil union.
func (g *generator) widow(m []Person) {
	if len(m) < 2 || m[1].Legame != LegameConiuge {
		return
	}
	survivor := StatoCivileVedovo
	if m[0].StatoCivile == StatoCivileUnitoCivilmente {
		survivor = StatoCivileLiberoDecessoUnito
	}
	switch {
	case m[0].Deceased() && !m[1].Deceased():
		m[1].StatoCivile = survivor
	case m[1].Deceased() && !m[0].Deceased():
		m[0].StatoCivile = survivor
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// adult makes a person aged about age years living at res.
func (g *generator) adult(female bool, age int, res Residenza) Person {
	birth := populationEpoch.AddDate(-age, 0, -g.rng.IntN(365))
	return g.person(g.pick(cognomi), female, birth, res)
}

// child makes a child of the couple (or lone parent) in members: the father's surname,
// born when the mother (or the parent) was 20–42.
func (g *generator) child(members []Person) Person {
	surname, parentBirth := members[0].Cognome, members[0].DataNascita
	if len(members) > 1 && members[1].Legame == LegameConiuge {
		if members[1].Sesso == Maschio {
			surname = members[1].Cognome
		}
		parentBirth = later(members[0].DataNascita, members[1].DataNascita)
	}
	birth := parentBirth.AddDate(20+g.rng.IntN(23), 0, g.rng.IntN(365))
	if !birth.Before(populationEpoch) {
		// Young parents: a child born after the parent turned 18, before today.
		span := int(populationEpoch.Sub(parentBirth.AddDate(18, 0, 0)).Hours() / 24)
		birth = populationEpoch.AddDate(0, 0, -1-g.rng.IntN(max(1, span)))
	}
	c := g.person(surname, g.rng.IntN(2) == 0, birth, members[0].Residenza)
	c.Legame = LegameFiglio
	return c
}

// person fills the common fields; identity (CF, idANPR) comes later in identify.
func (g *generator) person(surname string, female bool, birth time.Time, res Residenza) Person {
	p := Person{Cognome: surname, DataNascita: birth, Cittadinanza: &italia, StatoCivile: StatoCivileCelibe, Sesso: Maschio}
	p.Nome = g.pick(nomiMaschili)
	if female {
		p.Sesso, p.Nome = Femmina, g.pick(nomiFemminili)
	}
	g.birthPlace(&p, res)
	p.Residenza = res
	if p.Residenza.Dal.Before(birth) {
		p.Residenza.Dal = birth
	}
	if g.rng.IntN(1000) < 25 { // about 2.5% deceased, within the last 15 years
		p.DataDecesso = later(birth.AddDate(0, 0, 1), populationEpoch.AddDate(-15, 0, g.rng.IntN(15*365)))
	}
	p.Cancellato = g.rng.IntN(1000) < 5
	return p
}

// birthPlace: mostly the residence comune or another one; a few people born abroad, who
// then hold that state's citizenship.
func (g *generator) birthPlace(p *Person, res Residenza) {
	switch r := g.rng.IntN(100); {
	case r < 4:
		s := &stati[g.rng.IntN(len(stati))]
		p.StatoNascita, p.Cittadinanza = s, s
	case r < 55 && res.Comune != nil:
		p.ComuneNascita = res.Comune
	default:
		p.ComuneNascita = &comuni[g.rng.IntN(len(comuni))]
	}
}

// residence draws a family address; about 4% of families live abroad (AIRE).
func (g *generator) residence() Residenza {
	r := Residenza{
		Dal:    populationEpoch.AddDate(-g.rng.IntN(30), -g.rng.IntN(12), -g.rng.IntN(28)),
		Civico: uint16(1 + g.rng.IntN(200)),
	}
	if g.rng.IntN(100) < 4 {
		r.Estero = &stati[g.rng.IntN(len(stati))]
		r.Toponimo = g.pick(foreignStreets)
		return r
	}
	sp := specieList[g.rng.IntN(len(specieList))]
	r.Comune = &comuni[g.rng.IntN(len(comuni))]
	r.Specie, r.CodSpecie, r.Toponimo = sp.name, sp.code, g.pick(toponimi)
	if g.rng.IntN(3) == 0 {
		r.Scala, r.Interno = byte('A'+g.rng.IntN(4)), uint8(1+g.rng.IntN(30))
	}
	return r
}

// identify assigns a unique CF (omocodia on collision, as the Agenzia does, plus ~1% at
// random so that clients meet omocodic codes) and a unique idANPR.
func (g *generator) identify(p *Person) error {
	belfiore := ""
	if p.ComuneNascita != nil {
		belfiore = p.ComuneNascita.Belfiore
	} else {
		belfiore = p.StatoNascita.Belfiore
	}
	base, err := codicefiscale.Generate(p.Cognome, p.Nome, p.DataNascita, p.Female(), belfiore)
	if err != nil {
		return fmt.Errorf("simulator: generating codice fiscale: %w", err)
	}
	level := 0
	if g.rng.IntN(100) == 0 {
		level = 1 + g.rng.IntN(2)
	}
	if p.CodiceFiscale, err = g.freeCF(base, level); err != nil {
		return err
	}
	p.IDANPR = g.freeID()
	return nil
}

func (g *generator) freeCF(base string, level int) (string, error) {
	for ; level <= 7; level++ {
		cf, err := codicefiscale.Omocode(base, level)
		if err != nil {
			return "", fmt.Errorf("simulator: omocodia: %w", err)
		}
		if _, taken := g.pop.byCF[cf]; !taken {
			return cf, nil
		}
	}
	return "", fmt.Errorf("simulator: no free omocodia variant left")
}

const (
	letters  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	digitSet = "0123456789"
)

// freeID draws idANPR values shaped like ANPR's ([A-Z]{2}\d{5}[A-Z0-9]{2}) until unused.
func (g *generator) freeID() string {
	var b [9]byte
	for {
		for i := range b {
			switch {
			case i < 2:
				b[i] = letters[g.rng.IntN(len(letters))]
			case i < 7:
				b[i] = digitSet[g.rng.IntN(len(digitSet))]
			default:
				b[i] = alnum[g.rng.IntN(len(alnum))]
			}
		}
		if _, taken := g.pop.byID[string(b[:])]; !taken {
			return string(b[:])
		}
	}
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }
