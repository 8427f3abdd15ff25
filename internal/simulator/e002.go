package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/codicefiscale"
)

// The e002 operation: gateway checks (modi.go), then ANPR's application checks and answer.

const (
	maxBodyBytes          = 64 << 10
	maxIDOperazioneClient = 30
	dateLayout            = "2006-01-02"
)

// Error texts of ANPR (ANPR.md §1, §2.3).
const (
	textNonRegistrato = "Soggetto non registrato in ANPR"
	textCancellato    = "Soggetto cancellato da ANPR"
	textNonAbilitato  = "Ente non abilitato o caso uso inesistente"
	textSoloIDANPR    = "Si ricorda che dal 18/04/2024 l'accesso ad ANPR deve avvenire esclusivamente con identificativo unico nazionale (ID ANPR): ricavarlo con il servizio C030"
	// textGeneric is ANPR's generic code for requests it cannot process; the simulator uses
	// it for schema violations, whose real codes are not public.
	codeGeneric = "999"
	textGeneric = "Operazione non effettuabile"
)

// koError is an application-level refusal answered with RispostaKO.
type koError struct {
	status int
	a      anomalia
}

func (e *koError) Error() string { return e.a.CodiceErroreAnomalia + " " + e.a.TestoErroreAnomalia }

func badRequest(campo, testo string) *koError {
	return &koError{http.StatusBadRequest, anomalia{
		CodiceErroreAnomalia: codeGeneric, TipoErroreAnomalia: "E",
		TestoErroreAnomalia: textGeneric + ": " + testo, CampoErroreAnomalia: campo,
	}}
}

func notFound(testo string) *koError {
	return &koError{http.StatusNotFound, anomalia{CodiceErroreAnomalia: "EN122", TipoErroreAnomalia: "E", TestoErroreAnomalia: testo}}
}

func (s *Simulator) handleE002(w http.ResponseWriter, r *http.Request) {
	govwayID := transactionID(w)
	svc, ok := s.services[r.PathValue("name")]
	if !ok {
		s.unknownAPI(w, govwayID)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		s.invalidRequest(w, govwayID, svc.Code, "Messaggio di richiesta non leggibile o più grande di 64 KiB")
		return
	}
	if err := s.checkModI(r, svc, body); err != nil {
		s.invalidRequest(w, govwayID, svc.Code, err.Error())
		return
	}
	resp, err := s.answer(svc, body)
	var ko *koError
	switch {
	case errors.As(err, &ko):
		s.log.Info("e002 KO", "govway_id", govwayID, "service", svc.Code, "code", ko.a.CodiceErroreAnomalia)
		writeJSON(w, ko.status, "application/problem+json", rispostaKO{s.nextOperazione(), []anomalia{ko.a}})
	case err != nil:
		s.log.Error("e002 failed", "govway_id", govwayID, "service", svc.Code, "err", err)
		writeJSON(w, http.StatusInternalServerError, "application/problem+json", rispostaKO{s.nextOperazione(),
			[]anomalia{{CodiceErroreAnomalia: codeGeneric, TipoErroreAnomalia: "E", TestoErroreAnomalia: textGeneric}}})
	default:
		s.log.Info("e002 OK", "govway_id", govwayID, "service", svc.Code, "idOperazioneANPR", resp.IDOperazioneANPR)
		writeJSON(w, http.StatusOK, "application/json", resp)
	}
}

// handleStatus answers the health check with a RispostaKO-shaped body (ANPR.md §1).
func (s *Simulator) handleStatus(w http.ResponseWriter, r *http.Request) {
	govwayID := transactionID(w)
	if _, ok := s.services[r.PathValue("name")]; !ok {
		s.unknownAPI(w, govwayID)
		return
	}
	writeJSON(w, http.StatusOK, "application/problem+json", rispostaKO{IDOperazioneANPR: s.nextOperazione(), ListaErrori: []anomalia{}})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Simulator) nextOperazione() string {
	return strconv.FormatUint(s.opSeq.Add(1), 10)
}

// decodeRichiesta decodes a RichiestaE002 strictly: unknown fields and trailing data are
// refused, so clients find typos here rather than in production.
func decodeRichiesta(body []byte) (*richiestaE002, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req richiestaE002
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("corpo non conforme a RichiestaE002: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("corpo non conforme a RichiestaE002: dati dopo l'oggetto JSON")
	}
	return &req, nil
}

// query is a validated request.
type query struct {
	req     *richiestaE002
	refDate time.Time
}

// validate applies ANPR's application checks in the order a client would fix them.
func validate(svc catalogue.Service, body []byte) (*query, error) {
	req, err := decodeRichiesta(body)
	if err != nil {
		return nil, badRequest("", err.Error())
	}
	switch n := len(req.IDOperazioneClient); {
	case n == 0:
		return nil, badRequest("idOperazioneClient", "campo idOperazioneClient obbligatorio")
	case n > maxIDOperazioneClient:
		return nil, badRequest("idOperazioneClient", "Lunghezza del campo idOperazioneClient maggiore del massimo consentito 30")
	}
	d := req.DatiRichiesta
	if d == nil {
		return nil, badRequest("datiRichiesta", "campo datiRichiesta obbligatorio")
	}
	if d.CasoUso == "" {
		return nil, badRequest("datiRichiesta.casoUso", "campo casoUso obbligatorio")
	}
	if d.CasoUso != svc.Code {
		return nil, &koError{http.StatusBadRequest, anomalia{CodiceErroreAnomalia: "EN148", TipoErroreAnomalia: "E",
			TestoErroreAnomalia: textNonAbilitato, CampoErroreAnomalia: "casoUso", ValoreErroreAnomalia: d.CasoUso}}
	}
	ref, err := time.Parse(dateLayout, d.DataRiferimentoRichiesta)
	if err != nil {
		return nil, badRequest("datiRichiesta.dataRiferimentoRichiesta", "data obbligatoria nel formato AAAA-MM-GG")
	}
	if d.MotivoRichiesta == "" {
		return nil, badRequest("datiRichiesta.motivoRichiesta", "campo motivoRichiesta obbligatorio")
	}
	if err := validateCriteri(req.CriteriRicerca); err != nil {
		return nil, err
	}
	return &query{req: req, refDate: ref}, nil
}

// validateCriteri: exactly one of idANPR, codiceFiscale, generalità.
func validateCriteri(c *criteriRicerca) error {
	if c == nil {
		return badRequest("criteriRicerca", "campo criteriRicerca obbligatorio")
	}
	n := 0
	if c.IDANPR != "" {
		n++
	}
	if c.CodiceFiscale != "" {
		n++
		if err := codicefiscale.Validate(c.CodiceFiscale); errors.Is(err, codicefiscale.ErrFormat) {
			return badRequest("criteriRicerca.codiceFiscale", "codice fiscale formalmente non valido")
		}
	}
	if c.hasGeneralita() {
		n++
	}
	if n != 1 {
		return badRequest("criteriRicerca", "indicare uno e un solo criterio tra idANPR, codiceFiscale e generalità")
	}
	return nil
}

func (c *criteriRicerca) hasGeneralita() bool {
	return c.Cognome != "" || c.Nome != "" || c.Sesso != "" || c.DatiNascita != nil
}

// answer validates the request, finds the subject and builds the service's answer.
func (s *Simulator) answer(svc catalogue.Service, body []byte) (*rispostaOK, error) {
	q, err := validate(svc, body)
	if err != nil {
		return nil, err
	}
	p, err := s.find(q)
	if err != nil {
		return nil, err
	}
	resp := &rispostaOK{IDOperazioneANPR: s.nextOperazione(), ListaAnomalie: []anomalia{}}
	resp.ListaSoggetti.DatiSoggetto = s.build(svc, p, q.refDate)
	if q.req.CriteriRicerca.CodiceFiscale != "" {
		resp.ListaAnomalie = append(resp.ListaAnomalie, anomalia{
			CodiceErroreAnomalia: "EN148", TipoErroreAnomalia: "W", TestoErroreAnomalia: textSoloIDANPR,
			CampoErroreAnomalia: "codiceFiscale",
		})
	}
	return resp, nil
}

// find resolves the criterion to one person registered at the reference date.
func (s *Simulator) find(q *query) (*Person, error) {
	c := q.req.CriteriRicerca
	var p *Person
	var ok bool
	switch {
	case c.IDANPR != "":
		p, ok = s.pop.ByIDANPR(c.IDANPR)
	case c.CodiceFiscale != "":
		p, ok = s.pop.ByCF(c.CodiceFiscale)
	default:
		var err error
		if p, ok, err = s.findByGeneralita(c); err != nil {
			return nil, err
		}
	}
	switch {
	case !ok || p.DataNascita.After(q.refDate):
		return nil, notFound(textNonRegistrato)
	case p.Cancellato:
		return nil, notFound(textCancellato)
	}
	return p, nil
}

// findByGeneralita supports the GovDesk rule: cognome, nome, sesso and birth date are all
// required (comune optional). It scans the population, which is fine for a simulator; an
// ambiguous match is refused rather than guessed.
func (s *Simulator) findByGeneralita(c *criteriRicerca) (*Person, bool, error) {
	if c.Cognome == "" || c.Nome == "" || c.Sesso == "" || c.DatiNascita == nil || c.DatiNascita.DataEvento == "" {
		return nil, false, badRequest("criteriRicerca", "la ricerca per generalità richiede cognome, nome, sesso e data di nascita")
	}
	birth, err := time.Parse(dateLayout, c.DatiNascita.DataEvento)
	if err != nil {
		return nil, false, badRequest("criteriRicerca.datiNascita.dataEvento", "data nel formato AAAA-MM-GG")
	}
	var found *Person
	for i := range s.pop.people {
		p := &s.pop.people[i]
		if p.Cognome != c.Cognome || p.Nome != c.Nome || string(p.Sesso) != c.Sesso || !p.DataNascita.Equal(birth) || !bornIn(p, c.DatiNascita.LuogoNascita) {
			continue
		}
		if found != nil {
			return nil, false, badRequest("criteriRicerca", "più soggetti corrispondono alle generalità: usare idANPR o codiceFiscale")
		}
		found = p
	}
	return found, found != nil, nil
}

func bornIn(p *Person, l *luogo) bool {
	if l == nil || l.Comune == nil || p.ComuneNascita == nil {
		return l == nil || l.Comune == nil
	}
	c := l.Comune
	return (c.CodiceIstat == "" || c.CodiceIstat == p.ComuneNascita.CodiceIstat) &&
		(c.NomeComune == "" || c.NomeComune == p.ComuneNascita.Nome)
}
