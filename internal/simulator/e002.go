package simulator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/codicefiscale"
)

// The e002 operation: gateway checks (modi.go), then ANPR's application checks and answer.

const (
	maxBodyBytes          = 64 << 10
	maxIDOperazioneClient = 30
	dateLayout            = "2006-01-02"
)

// Error texts of ANPR (docs/anpr.md §1, §2.3).
const (
	textNonRegistrato = "Soggetto non registrato in ANPR"
	textCancellato    = "Soggetto cancellato da ANPR"
	textNonAbilitato  = "Ente non abilitato o caso uso inesistente"
	// textSoloIDANPR is ANPR's own warning text (italia/anpr issues #4501, #4590, #4571).
	textSoloIDANPR = "Il D.M. Ministero dell'Interno 3 marzo 2023 (art.3 comma 3) prevede l'accesso ad ANPR esclusivamente con identificativo unico nazionale (ID ANPR), si rappresenta pertanto l'urgenza di provvedere all'integrazione dei propri sistemi."
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

// notEnabled is EN148 (E): the Ente is not enabled for the use case, or the use case does not
// exist. ANPR's text ends with " : <casoUso>" (italia/anpr issues #5018, #4818).
func notEnabled(casoUso string) anomalia {
	return anomalia{CodiceErroreAnomalia: "EN148", TipoErroreAnomalia: "E", TestoErroreAnomalia: textNonAbilitato + " : " + casoUso,
		CampoErroreAnomalia: "casoUso", ValoreErroreAnomalia: casoUso}
}

func notFound(testo string) *koError {
	return &koError{http.StatusNotFound, anomalia{CodiceErroreAnomalia: "EN122", TipoErroreAnomalia: "E", TestoErroreAnomalia: testo}}
}

// handleE002 is the gateway pipeline, in the real gateway's order: unknown path (404);
// faults of the gateway itself, before any check (latency, 503, timeouts, 429
// TooManyRequests; faults.go); the voucher; the rate limit of the purpose (429
// LimitExceeded; quota.go); the ModI headers; then ANPR (optionally replaying an earlier
// answer to the same idOperazioneClient; replay.go).
func (s *Simulator) handleE002(w http.ResponseWriter, r *http.Request) {
	govwayID := transactionID(w)
	svc, ok := s.services[r.PathValue("name")]
	if !ok {
		s.unknownAPI(w, govwayID)
		return
	}
	// The body is read first even when a fault strikes: only once it is consumed does
	// net/http watch the connection and cancel r.Context() when the client gives up, which
	// is what ends a simulated timeout.
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	s.noteReceived(svc.Code, govwayID, body)
	f, faulty := s.faultsFor(svc.Code)
	if faulty && s.injectEarly(w, r, govwayID, svc.Code, f) {
		return
	}
	if readErr != nil {
		s.invalidRequest(w, govwayID, svc.Code, "Messaggio di richiesta non leggibile o più grande di 64 KiB")
		return
	}
	v, err := s.checkVoucher(r, svc)
	var otherPurpose *purposeOfOtherService
	if err != nil && !errors.As(err, &otherPurpose) {
		s.invalidRequest(w, govwayID, svc.Code, err.Error())
		return
	}
	if (faulty && f.QuotaExhausted) || !s.quotas.take(v.purposeID, s.now()) {
		s.limitExceeded(w, govwayID, svc.Code)
		return
	}
	if err := s.checkModIHeaders(r, svc, v, body); err != nil {
		s.invalidRequest(w, govwayID, svc.Code, err.Error())
		return
	}
	if otherPurpose != nil {
		s.log.Info("e002 KO", "govway_id", govwayID, "service", svc.Code, "code", "EN148", "reason", otherPurpose.Error())
		a := encodeAnswer(http.StatusBadRequest, "application/problem+json", rispostaKO{s.nextOperazione(), []anomalia{notEnabled(svc.Code)}})
		writeBytes(w, a.status, a.contentType, a.body)
		return
	}
	key, replayable := s.replayKey(v.clientID, body)
	if replayable {
		if a, ok := s.replay.get(key); ok {
			s.log.Info("e002 replayed", "govway_id", govwayID, "service", svc.Code)
			writeBytes(w, a.status, a.contentType, a.body)
			return
		}
	}
	a := s.respond(govwayID, svc, body)
	if replayable && a.status != http.StatusInternalServerError {
		s.replay.put(key, a)
	}
	writeBytes(w, a.status, a.contentType, a.body)
}

// answerBytes is an encoded ANPR answer, kept as bytes so that it can be replayed verbatim.
type answerBytes struct {
	status      int
	contentType string
	body        []byte
}

// respond runs ANPR's application layer and encodes its answer.
func (s *Simulator) respond(govwayID string, svc catalogue.Service, body []byte) answerBytes {
	resp, err := s.answer(svc, body)
	var ko *koError
	switch {
	case errors.As(err, &ko):
		s.log.Info("e002 KO", "govway_id", govwayID, "service", svc.Code, "code", ko.a.CodiceErroreAnomalia)
		if !s.cfg.Sandbox && ko.a.CodiceErroreAnomalia == codeGeneric {
			// ANPR answers a malformed request with its generic text only: the precise
			// reason is a sandbox courtesy (Config.Sandbox), not something to rely on.
			ko.a.TestoErroreAnomalia = textGeneric
		}
		return encodeAnswer(ko.status, "application/problem+json", rispostaKO{s.nextOperazione(), []anomalia{ko.a}})
	case err != nil:
		s.log.Error("e002 failed", "govway_id", govwayID, "service", svc.Code, "err", err)
		return encodeAnswer(http.StatusInternalServerError, "application/problem+json", rispostaKO{s.nextOperazione(),
			[]anomalia{{CodiceErroreAnomalia: codeGeneric, TipoErroreAnomalia: "E", TestoErroreAnomalia: textGeneric}}})
	default:
		s.log.Info("e002 OK", "govway_id", govwayID, "service", svc.Code, "idOperazioneANPR", resp.IDOperazioneANPR)
		return encodeAnswer(http.StatusOK, "application/json", resp)
	}
}

// handleStatus answers the health check with a RispostaKO-shaped body (docs/anpr.md §1). The
// gateway's own faults hit it too: it crosses the same gateway.
func (s *Simulator) handleStatus(w http.ResponseWriter, r *http.Request) {
	govwayID := transactionID(w)
	svc, ok := s.services[r.PathValue("name")]
	if !ok {
		s.unknownAPI(w, govwayID)
		return
	}
	if f, faulty := s.faultsFor(svc.Code); faulty && s.injectEarly(w, r, govwayID, svc.Code, f) {
		return
	}
	writeJSON(w, http.StatusOK, "application/problem+json", rispostaKO{IDOperazioneANPR: s.nextOperazione(), ListaErrori: []anomalia{}})
}

func encodeAnswer(status int, contentType string, v any) answerBytes {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return answerBytes{http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error\n")}
	}
	return answerBytes{status, contentType, buf.Bytes()}
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	a := encodeAnswer(status, contentType, v)
	writeBytes(w, a.status, a.contentType, a.body)
}

func writeBytes(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// nextOperazione numbers ANPR's operations. Recent answers carry UUID-like identifiers;
// Config.NumericOperations gives the older increasing numbers (above 2^31, docs/anpr.md §2.2), so
// that a client can be tried against both.
func (s *Simulator) nextOperazione() string {
	n := s.opSeq.Add(1)
	if s.cfg.NumericOperations {
		return strconv.FormatUint(n, 10)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], s.opEpoch)
	binary.BigEndian.PutUint64(b[8:], n)
	b[6] = b[6]&0x0f | 0x40 // version 4 layout, as the observed identifiers show
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

// decodeRichiesta decodes a RichiestaE002. The real gateway tolerates fields it does not
// know; in sandbox mode (Config.Sandbox) unknown fields are refused, so that a client finds its
// typos here rather than wondering in collaudo why a field had no effect. Trailing data is
// always refused.
func decodeRichiesta(body []byte, strict bool) (*richiestaE002, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
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
func validate(svc catalogue.Service, body []byte, strict bool) (*query, error) {
	req, err := decodeRichiesta(body, strict)
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
		return nil, &koError{http.StatusBadRequest, notEnabled(d.CasoUso)}
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
	if svc.Code == "C030" && req.CriteriRicerca.IDANPR != "" {
		// C030 finds the idANPR: its official criteria are a codice fiscale or generalità.
		return nil, badRequest("criteriRicerca.idANPR", "il servizio C030 ricerca l'idANPR: indicare codiceFiscale o generalità")
	}
	if err := validateVerifica(svc, req); err != nil {
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
	q, err := validate(svc, body, s.cfg.Sandbox)
	if err != nil {
		return nil, err
	}
	p, err := s.find(q)
	if err != nil {
		return nil, err
	}
	resp := &rispostaOK{ListaAnomalie: []anomalia{}}
	if svc.Verification {
		if resp.ListaSoggetti.DatiSoggetto, err = s.verify(svc, q, p); err != nil {
			return nil, err
		}
	} else {
		resp.ListaSoggetti.DatiSoggetto = s.build(svc, p, q.refDate)
	}
	resp.IDOperazioneANPR = s.nextOperazione()
	// ANPR warns every search not made by idANPR, C030's included: "viene inviato per tutte
	// le ricerche effettuate con criteri di selezione differenti dall'idANPR" (italia/anpr#4571).
	if c := q.req.CriteriRicerca; c.IDANPR == "" {
		campo := "codiceFiscale"
		if c.CodiceFiscale == "" {
			campo = "criteriRicerca"
		}
		resp.ListaAnomalie = append(resp.ListaAnomalie, anomalia{
			CodiceErroreAnomalia: "EN148", TipoErroreAnomalia: "W", TestoErroreAnomalia: textSoloIDANPR,
			CampoErroreAnomalia: campo,
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
			// ANPR's own code and text for a search that finds several people (EN095,
			// italia/anpr#1234).
			return nil, false, &koError{http.StatusBadRequest, anomalia{CodiceErroreAnomalia: "EN095", TipoErroreAnomalia: "E",
				TestoErroreAnomalia: "La richiesta per dati di un soggetto ha individuato piu' cittadini: restringere i parametri della ricerca",
				CampoErroreAnomalia: "criteriRicerca"}}
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
