package simulator

import (
	"sync"
	"testing"
)

var (
	fuzzSimOnce sync.Once
	fuzzSim     *Simulator
)

// FuzzE002Body feeds arbitrary bodies to the application layer of every service: it must
// answer (OK or KO), never panic.
func FuzzE002Body(f *testing.F) {
	fuzzSimOnce.Do(func() {
		var err error
		if fuzzSim, err = New(Config{PublicURL: "http://127.0.0.1:1", Population: 200}); err != nil {
			f.Fatal(err)
		}
	})
	f.Add(body("C020", byID("AF41450AS")))
	f.Add(body("C021", map[string]any{"codiceFiscale": "STTSGT90A01H501J"}))
	f.Add(body("C030", map[string]any{"cognome": "PROVA", "nome": "GIOVANNI", "sesso": "M", "datiNascita": map[string]any{"dataEvento": "1990-10-10", "luogoNascita": map[string]any{"comune": map[string]any{}}}}))
	f.Add([]byte(`{"idOperazioneClient":"1","criteriRicerca":{"idANPR":null},"datiRichiesta":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"criteriRicerca":{"datiNascita":{"luogoNascita":{}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, svc := range fuzzSim.services {
			resp, err := fuzzSim.answer(svc, b)
			if err == nil && (resp == nil || len(resp.ListaSoggetti.DatiSoggetto) == 0 && svc.Code != "C021") {
				t.Fatalf("%s: OK without subjects", svc.Code)
			}
		}
	})
}
