package simulator

// Reference data embedded in the simulator: a handful of real Comuni and foreign states, and
// name/street tables for the synthetic population. Everything a Person points to lives here,
// so a million people share these strings instead of carrying copies.

// Comune is an Italian municipality as ANPR describes it.
type Comune struct {
	Nome        string // "ROMA"
	CodiceIstat string // 6 digits, "058091"
	Sigla       string // sigla provincia, "RM"
	Belfiore    string // codice catastale, "H501"
	CAP         string // one valid CAP of the comune
}

// Stato is a foreign state (for births abroad, AIRE residences and citizenship).
type Stato struct {
	Nome      string // "GERMANIA"
	Codice    string // ISTAT 3-digit state code, "216"
	Belfiore  string // "Z112"
	Citta     string // a city used for AIRE addresses
	Consolato string // consulate serving Italians there
}

// comuni: real codes (ISTAT, Belfiore, sigla). Residences are drawn from these.
var comuni = []Comune{
	{"ROMA", "058091", "RM", "H501", "00184"},
	{"MILANO", "015146", "MI", "F205", "20121"},
	{"NAPOLI", "063049", "NA", "F839", "80133"},
	{"TORINO", "001272", "TO", "L219", "10121"},
	{"PALERMO", "082053", "PA", "G273", "90133"},
	{"GENOVA", "010025", "GE", "D969", "16121"},
	{"BOLOGNA", "037006", "BO", "A944", "40121"},
	{"FIRENZE", "048017", "FI", "D612", "50122"},
	{"BARI", "072006", "BA", "A662", "70121"},
	{"VENEZIA", "027042", "VE", "L736", "30124"},
	{"BOLZANO", "021008", "BZ", "A952", "39100"},
	{"TRIESTE", "032006", "TS", "L424", "34121"},
	{"VERONA", "023091", "VR", "L781", "37121"},
	{"PADOVA", "028060", "PD", "G224", "35122"},
	{"CAGLIARI", "092009", "CA", "B354", "09124"},
	{"CATANIA", "087015", "CT", "C351", "95124"},
	{"PISA", "050026", "PI", "G702", "56125"},
	{"TRENTO", "022205", "TN", "L378", "38122"},
	{"PERUGIA", "054039", "PG", "G478", "06121"},
}

// comunePaterno is only the birth place of collaudo fixtures born in G393. The Belfiore code
// comes from the fixtures' codici fiscali; name and ISTAT code come from a third-party list
// and are not verified against ANPR_archivio_comuni.csv.
var comunePaterno = Comune{"PATERNO'", "087033", "CT", "G393", "95047"}

// italia is the citizenship of most people.
var italia = Stato{Nome: "ITALIA", Codice: "100", Belfiore: ""}

// stati: foreign states for AIRE residences and births abroad.
var stati = []Stato{
	{"GERMANIA", "216", "Z112", "BERLINO", "CONSOLATO GENERALE D'ITALIA A BERLINO"},
	{"FRANCIA", "215", "Z110", "PARIGI", "CONSOLATO GENERALE D'ITALIA A PARIGI"},
	{"SVIZZERA", "241", "Z133", "ZURIGO", "CONSOLATO GENERALE D'ITALIA A ZURIGO"},
	{"REGNO UNITO", "219", "Z114", "LONDRA", "CONSOLATO GENERALE D'ITALIA A LONDRA"},
	{"BELGIO", "206", "Z103", "BRUXELLES", "CONSOLATO GENERALE D'ITALIA A BRUXELLES"},
	{"ARGENTINA", "602", "Z600", "BUENOS AIRES", "CONSOLATO GENERALE D'ITALIA A BUENOS AIRES"},
	{"ROMANIA", "235", "Z129", "BUCAREST", "CONSOLATO D'ITALIA A BUCAREST"},
	{"ALBANIA", "201", "Z100", "TIRANA", "CONSOLATO D'ITALIA A TIRANA"},
}

// specie is a toponym species with its ANPR code (docs/anpr.md §2.2).
type specie struct{ code, name string }

var specieList = []specie{{"213", "VIA"}, {"230", "VIALE"}, {"125", "PIAZZA"}, {"42", "CORSO"}}

var toponimi = []string{
	"GARIBALDI", "ROMA", "MAZZINI", "CAVOUR", "VITTORIO EMANUELE II", "DANTE ALIGHIERI",
	"DELLA REPUBBLICA", "XX SETTEMBRE", "MATTEOTTI", "NAZIONALE", "DEI MILLE", "VERDI",
	"GRAMSCI", "MARCONI", "DELLA LIBERTA'", "VOLTA", "DON MINZONI", "DELLE ROSE",
}

var foreignStreets = []string{"HAUPTSTRASSE", "RUE DE LA PAIX", "BAHNHOFSTRASSE", "HIGH STREET", "AVENIDA DE MAYO"}

var cognomi = []string{
	"ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO",
	"GRECO", "BRUNO", "GALLO", "CONTI", "DE LUCA", "MANCINI", "COSTA", "GIORDANO", "RIZZO",
	"LOMBARDI", "MORETTI", "BARBIERI", "FONTANA", "SANTORO", "MARIANI", "RINALDI", "CARUSO",
	"FERRARA", "GALLI", "MARTINI", "LEONE", "LONGO", "GENTILE", "MARTINELLI", "VITALE",
	"LOMBARDO", "SERRA", "COPPOLA", "DE SANTIS", "D'ANGELO", "MARCHETTI", "PARISI", "VILLA",
	"CONTE", "FERRO", "FABBRI", "BIANCO", "MARINI", "GRASSO", "VALENTINI", "MESSINA", "SALA",
	"DE ANGELIS", "GATTI", "PELLEGRINI", "PALUMBO", "SANNA", "FARINA", "RIZZI", "MONTI", "CATTANEO",
}

var nomiMaschili = []string{
	"MARCO", "GIUSEPPE", "ANTONIO", "LUCA", "GIOVANNI", "FRANCESCO", "ALESSANDRO", "ANDREA",
	"MATTEO", "LORENZO", "ROBERTO", "STEFANO", "PAOLO", "MARIO", "DAVIDE", "SIMONE", "FEDERICO",
	"RICCARDO", "NICCOLO'", "TOMMASO", "GABRIELE", "LEONARDO", "EMANUELE", "SALVATORE", "PIETRO",
	"CARLO", "FABIO", "VINCENZO", "DANIELE", "ALBERTO",
}

var nomiFemminili = []string{
	"GIULIA", "FRANCESCA", "SARA", "CHIARA", "MARTINA", "ANNA", "MARIA", "ELENA", "LAURA",
	"VALENTINA", "ALESSIA", "SOFIA", "AURORA", "GINEVRA", "ALICE", "EMMA", "GIORGIA", "BEATRICE",
	"PAOLA", "SILVIA", "ROBERTA", "FEDERICA", "CRISTINA", "SERENA", "ILARIA", "MARTA", "NOEMI",
	"CATERINA", "ROSA", "LUCIA",
}
