package simulator

import "time"

// fixture is a fictitious collaudo subject published by ANPR (docs/anpr.md §5.1). Names, dates and
// birth places are chosen so that the codice fiscale ANPR published is the one they generate
// (checked by a test); idANPR/CF pairs are ANPR's.
type fixture struct {
	id, cf, cognome, nome string
	sesso                 byte
	birth                 time.Time
	nascita, residenza    *Comune
	cancellato            bool
	complexAddress        bool // LB27131ED: scala/interno
	metric                bool // RE03592S1: numero civico metrico
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func fixtures() []fixture {
	roma, bolzano, trieste := &comuni[0], &comuni[10], &comuni[11]
	d90 := day(1990, 1, 1)
	return []fixture{
		{id: "UK79569LF", cf: "PRVGNN90R10H501Q", cognome: "PROVA", nome: "GIOVANNI", sesso: Maschio, birth: day(1990, 10, 10), nascita: roma, residenza: roma},
		{id: "JF28000UG", cf: "NRECLD90R50H501G", cognome: "NERE", nome: "CLAUDIA", sesso: Femmina, birth: day(1990, 10, 10), nascita: roma, residenza: roma},
		{id: "AF41450AS", cf: "STTSGT90A01H501J", cognome: "SETTIMO", nome: "SOGGETTO", sesso: Maschio, birth: d90, nascita: roma, residenza: roma},
		{id: "EV45959WW", cf: "NNOSGT90A01H501I", cognome: "NONO", nome: "SOGGETTO", sesso: Maschio, birth: d90, nascita: roma, residenza: roma},
		{id: "TK44563XB", cf: "TTVSGT90A01H501H", cognome: "OTTAVO", nome: "SOGGETTO", sesso: Maschio, birth: d90, nascita: roma, residenza: roma},
		{id: "LB27131ED", cf: "NDRCPL01A01H501S", cognome: "INDIRIZZO", nome: "COMPLESSO", sesso: Maschio, birth: day(2001, 1, 1), nascita: roma, residenza: roma, complexAddress: true},
		{id: "RE03592S1", cf: "NDRMRC02B02H501D", cognome: "INDIRIZZO", nome: "METRICO", sesso: Maschio, birth: day(2002, 2, 2), nascita: roma, residenza: roma, metric: true},
		{id: "DU58740Y1", cf: "TDSPRM00R10A952C", cognome: "TEDESCO", nome: "PRIMO", sesso: Maschio, birth: day(2000, 10, 10), nascita: bolzano, residenza: bolzano},
		{id: "DJ02468WZ", cf: "SLVDNN00R50L424L", cognome: "SLOVENO", nome: "DONNA", sesso: Femmina, birth: day(2000, 10, 10), nascita: trieste, residenza: trieste},
		{id: "GS66689VV", cf: "TSDSND90R10A952M", cognome: "TESDI", nome: "SECONDO", sesso: Maschio, birth: day(1990, 10, 10), nascita: bolzano, residenza: bolzano},
		{id: "OR69233LN", cf: "PRVCCL60B50G393U", cognome: "PROVA", nome: "CECILIA", sesso: Femmina, birth: day(1960, 2, 10), nascita: &comunePaterno, residenza: roma, cancellato: true},
	}
}

// person turns a fixture into a single-member family record.
func (f fixture) person() Person {
	p := Person{
		IDANPR: f.id, CodiceFiscale: f.cf, Cognome: f.cognome, Nome: f.nome, Sesso: f.sesso,
		DataNascita: f.birth, ComuneNascita: f.nascita, Cittadinanza: &italia,
		Legame: LegameIntestatario, StatoCivile: StatoCivileCelibe, Cancellato: f.cancellato,
		Residenza: Residenza{
			Comune: f.residenza, Specie: "VIA", CodSpecie: "213", Toponimo: "NAZIONALE",
			Civico: 10, Dal: day(2019, 6, 1),
		},
	}
	if f.complexAddress {
		p.Residenza.Scala, p.Residenza.Interno = 'A', 5
	}
	if f.metric {
		p.Residenza.Metrico = 1250
	}
	return p
}
