package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/codicefiscale"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

// QueryRequest is the body of POST /api/v1/anpr/{service}.
type QueryRequest struct {
	Comune          string  `json:"comune"`
	Criteri         Criteri `json:"criteri"`
	Motivo          string  `json:"motivo"`
	DataRiferimento string  `json:"dataRiferimento,omitempty"`
	// Verifica is the declared data to verify (ANPR's TipoVerificaE002), required by the
	// verification services C003–C014 and C031 and refused by the others.
	Verifica json.RawMessage `json:"verifica,omitempty"`
}

// Criteri identifies the subject: exactly one of idANPR, codiceFiscale and generalita.
type Criteri struct {
	IDANPR        string      `json:"idANPR,omitempty"`
	CodiceFiscale string      `json:"codiceFiscale,omitempty"`
	Generalita    *Generalita `json:"generalita,omitempty"`
}

// Generalita finds a person who has no identifier to give (a foreigner, a document without
// codice fiscale): surname, name, sex and birth date, and the Comune of birth when known.
type Generalita struct {
	Cognome                  string `json:"cognome"`
	Nome                     string `json:"nome"`
	Sesso                    string `json:"sesso"`
	DataNascita              string `json:"dataNascita"`
	CodiceIstatComuneNascita string `json:"codiceIstatComuneNascita,omitempty"`
	NomeComuneNascita        string `json:"nomeComuneNascita,omitempty"`
}

// QueryResponse is a successful answer: ANPR's datiSoggetto exactly as returned.
type QueryResponse struct {
	RequestID        string            `json:"requestId"`
	IDOperazioneANPR string            `json:"idOperazioneANPR"`
	Soggetti         []json.RawMessage `json:"soggetti"`
	Anomalie         []json.RawMessage `json:"anomalie"`
}

var (
	reIDANPR      = regexp.MustCompile(`^[A-Z0-9]{9}$`)
	reIdempotency = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)
	reWorkstation = regexp.MustCompile(`^[\x20-\x7e]{1,64}$`)
	rome          = clock.Rome()
)

func (s *Server) query(c *fiber.Ctx) error {
	svc, ok := catalogue.Lookup(c.Params("service"))
	if !ok {
		return fail(errcode.UnknownService, "no ANPR service is named "+strconv.Quote(c.Params("service")))
	}
	var req QueryRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if err := validateVerifica(svc, req.Verifica); err != nil {
		return err
	}
	if svc.Code == "C030" && strings.TrimSpace(req.Criteri.IDANPR) != "" {
		return fail(errcode.InvalidRequest, "C030 finds the idANPR: give criteri.codiceFiscale or criteri.generalita")
	}
	if svc.Code == "C031" && strings.TrimSpace(req.Criteri.IDANPR) == "" {
		// C031 verifies an idANPR the caller holds: resolving one first with C030 would only
		// check ANPR against itself.
		return fail(errcode.InvalidRequest, "C031 verifies an idANPR: give it in criteri.idANPR")
	}
	in, err := s.queryInput(c, svc.Code, &req)
	if err != nil {
		return err
	}
	setRequestID(c, in.RequestID)
	tc, err := s.Clients.Client(in.Comune)
	if err != nil {
		return fail(errcode.UnknownComune, "no Comune "+in.Comune+" is registered in Varco")
	}
	res, err := s.runQuery(c.UserContext(), tc, in)
	if err != nil {
		return err
	}
	if res.Fingerprint != in.Fingerprint {
		// The key was first used for another request: its answer is not this one's. The
		// refusal is a request of its own, audited as denied by a workflow of its own.
		return s.refuseConflict(c.UserContext(), tc, in)
	}
	if res.Outcome == workflows.OutcomeDenied && res.Detail == workflows.ReasonUnauthenticated {
		// The worker refused this API's own seal: the two hold different seal keys.
		s.log.Error("the worker refused this API's seal: check seal-key and seal-public-keys", "requestId", in.RequestID)
		return &apiError{code: errcode.Unavailable, detail: "the request could not be authenticated to the workflow engine", requestID: in.RequestID}
	}
	if res.Outcome != workflows.OutcomeOK || res.ErrorCode != "" {
		// An "ok" with an error code: ANPR answered (the record says so) but the answer was lost.
		return &apiError{code: res.ErrorCode, detail: resultDetail(res), requestID: res.RequestID}
	}
	return c.JSON(QueryResponse{
		RequestID: res.RequestID, IDOperazioneANPR: res.IDOperazioneANPR,
		Soggetti: nonNil(res.Soggetti), Anomalie: nonNil(res.Anomalie),
	})
}

// refuseConflict records a request refused for its Idempotency-Key under a request id of its
// own (the key's is the first request's) and answers 422 with that id.
func (s *Server) refuseConflict(ctx context.Context, tc client.Client, in workflows.QueryInput) error {
	in.RequestID = "rq-" + strings.ToLower(in.Comune) + "-" + uuid.NewString()
	in.Refused = workflows.ReasonIdempotencyConflict
	in = s.Sealer.Seal(in)
	res, err := s.runQuery(ctx, tc, in)
	if err != nil {
		return err
	}
	return &apiError{code: errcode.IdempotencyConflict, requestID: res.RequestID,
		detail: "this Idempotency-Key was used for a different request (service, Comune, subject, motivo, verifica or reference day); use a new key"}
}

// resultDetail words a failed result for people; a denial's reason code stays visible because
// it is what an ADMIN needs to fix the operator's profile.
func resultDetail(res workflows.QueryResult) string {
	if res.Outcome == workflows.OutcomeDenied {
		return "this user may not make this request in this Comune (reason: " + res.Detail + ")"
	}
	return res.Detail
}

func nonNil(v []json.RawMessage) []json.RawMessage {
	if v == nil {
		return []json.RawMessage{}
	}
	return v
}

// queryInput validates the request and builds the workflow input.
func (s *Server) queryInput(c *fiber.Ctx, service string, req *QueryRequest) (workflows.QueryInput, error) {
	now := s.Now()
	crit, err := validateCriteri(req.Criteri)
	if err != nil {
		return workflows.QueryInput{}, err
	}
	if !workflows.IsComuneCode(req.Comune) {
		return workflows.QueryInput{}, fail(errcode.InvalidRequest, "comune must be a codice catastale such as H501")
	}
	motivo := strings.TrimSpace(req.Motivo)
	if motivo == "" || len(motivo) > 200 {
		return workflows.QueryInput{}, fail(errcode.InvalidRequest, "motivo is required (the case reference, at most 200 characters)")
	}
	day, err := referenceDay(req.DataRiferimento, now)
	if err != nil {
		return workflows.QueryInput{}, err
	}
	ws, err := workstation(c)
	if err != nil {
		return workflows.QueryInput{}, err
	}
	who := callerOf(c)
	id, err := requestID(c.Get("Idempotency-Key"), req.Comune, who.UserID)
	if err != nil {
		return workflows.QueryInput{}, err
	}
	if s.Sealer == nil {
		return workflows.QueryInput{}, fail(errcode.Unavailable, "this API instance has no seal key: it cannot start requests")
	}
	return s.Sealer.Seal(workflows.QueryInput{
		RequestID: id, UserID: who.UserID, Comune: req.Comune, Service: service, Criteria: crit,
		Motivo: motivo, DataRiferimento: day, Verifica: req.Verifica, Workstation: ws, LoA: who.LoA,
		ReceivedAt: now, Deadline: now.Add(s.RequestTimeout), Mode: s.CallMode,
		Fingerprint: fingerprint(service, req),
	}), nil
}

// fingerprint identifies a request as the client sent it, for the Idempotency-Key (IETF
// draft "The Idempotency-Key HTTP Header Field"): the same key with another fingerprint is a
// conflict. It travels only inside encrypted payloads.
func fingerprint(service string, req *QueryRequest) string {
	var verifica bytes.Buffer
	if len(req.Verifica) > 0 && json.Compact(&verifica, req.Verifica) != nil {
		verifica.Reset()
		verifica.Write(req.Verifica)
	}
	gen, _ := json.Marshal(req.Criteri.Generalita)
	b, _ := json.Marshal([]string{service, req.Comune, req.Criteri.IDANPR, strings.ToUpper(strings.TrimSpace(req.Criteri.CodiceFiscale)),
		string(gen), strings.TrimSpace(req.Motivo), verifica.String(), req.DataRiferimento})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// validateVerifica requires a JSON object for verification services and nothing for the
// others; ANPR checks its content.
func validateVerifica(svc catalogue.Service, v json.RawMessage) error {
	present := len(v) > 0 && string(v) != "null"
	if !svc.Verification {
		if present {
			return fail(errcode.InvalidRequest, svc.Code+" is not a verification service: remove verifica")
		}
		return nil
	}
	var obj map[string]json.RawMessage
	if !present || json.Unmarshal(v, &obj) != nil || len(obj) == 0 {
		return fail(errcode.InvalidRequest, svc.Code+" is a verification service: verifica must be an object with the declared data in verifica."+svc.VerificaBlock)
	}
	for name, block := range obj {
		if name != svc.VerificaBlock && name != "generalita" {
			return fail(errcode.InvalidRequest, svc.Code+" verifies verifica."+svc.VerificaBlock+": verifica."+name+" is not taken by this service")
		}
		if b := strings.TrimSpace(string(block)); b == "null" || !strings.HasPrefix(b, "{") {
			return fail(errcode.InvalidRequest, "verifica."+name+" must be an object")
		}
	}
	if _, ok := obj[svc.VerificaBlock]; !ok {
		return fail(errcode.InvalidRequest, svc.Code+" verifies verifica."+svc.VerificaBlock+": declare the data there")
	}
	return nil
}

func validateCriteri(c Criteri) (workflows.Criteria, error) {
	id := strings.ToUpper(strings.TrimSpace(c.IDANPR))
	cf := strings.ToUpper(strings.TrimSpace(c.CodiceFiscale))
	set := 0
	for _, ok := range []bool{id != "", cf != "", c.Generalita != nil} {
		if ok {
			set++
		}
	}
	switch {
	case set != 1:
		return workflows.Criteria{}, fail(errcode.InvalidRequest, "criteri needs exactly one of idANPR, codiceFiscale and generalita")
	case c.Generalita != nil:
		g, err := validateGeneralita(*c.Generalita)
		return workflows.Criteria{Generalita: g}, err
	case id != "" && !reIDANPR.MatchString(id):
		return workflows.Criteria{}, fail(errcode.InvalidIDANPR, "idANPR must be 9 letters or digits")
	case cf != "":
		if err := codicefiscale.Validate(cf); err != nil {
			return workflows.Criteria{}, fail(errcode.InvalidCF, cfProblem(err))
		}
	}
	return workflows.Criteria{IDANPR: id, CodiceFiscale: cf}, nil
}

var (
	reIstat   = regexp.MustCompile(`^[0-9]{6}$`)
	reNameish = regexp.MustCompile(`^[\p{L}' .-]{1,100}$`)
)

// validateGeneralita checks a search by generalità as ANPR needs it: surname, name, sex and
// birth date all given, the Comune of birth optional. Names are upper-cased as ANPR keeps them.
func validateGeneralita(g Generalita) (*workflows.Generalita, error) {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToUpper(s)), " ") }
	out := &workflows.Generalita{Cognome: norm(g.Cognome), Nome: norm(g.Nome), Sesso: strings.ToUpper(strings.TrimSpace(g.Sesso)),
		DataNascita: strings.TrimSpace(g.DataNascita), CodiceIstatComuneNascita: strings.TrimSpace(g.CodiceIstatComuneNascita),
		NomeComuneNascita: norm(g.NomeComuneNascita)}
	birth, err := time.Parse(time.DateOnly, out.DataNascita)
	switch {
	case !reNameish.MatchString(out.Cognome) || !reNameish.MatchString(out.Nome):
		return nil, fail(errcode.InvalidRequest, "generalita needs cognome and nome: letters, spaces, apostrophes, dots and hyphens, at most 100 characters")
	case out.Sesso != "M" && out.Sesso != "F":
		return nil, fail(errcode.InvalidRequest, "generalita.sesso is M or F")
	case err != nil || birth.After(time.Now()):
		return nil, fail(errcode.InvalidRequest, "generalita.dataNascita is a past date, YYYY-MM-DD")
	case out.CodiceIstatComuneNascita != "" && !reIstat.MatchString(out.CodiceIstatComuneNascita):
		return nil, fail(errcode.InvalidRequest, "generalita.codiceIstatComuneNascita is 6 digits")
	case out.NomeComuneNascita != "" && !reNameish.MatchString(out.NomeComuneNascita):
		return nil, fail(errcode.InvalidRequest, "generalita.nomeComuneNascita: letters, spaces, apostrophes, dots and hyphens")
	}
	return out, nil
}

func cfProblem(err error) string {
	if errors.Is(err, codicefiscale.ErrCheckChar) {
		return "the check character of the codice fiscale is wrong"
	}
	return "a codice fiscale has 16 characters in the pattern AAAAAA00A00A000A"
}

// referenceDay defaults to today in Europe/Rome, ANPR's calendar.
func referenceDay(s string, now time.Time) (string, error) {
	if s == "" {
		return now.In(rome).Format(time.DateOnly), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, rome)
	if err != nil || d.Year() < 1800 {
		return "", fail(errcode.InvalidRequest, "dataRiferimento must be a date YYYY-MM-DD")
	}
	if d.After(now.In(rome)) {
		return "", fail(errcode.InvalidRequest, "dataRiferimento cannot be in the future")
	}
	return s, nil
}

// requestID is the workflow id: "rq-<comune>-…". With an Idempotency-Key the rest is derived
// from Comune, user and key, so a repeated request finds the first one's workflow. It holds
// no personal data; the Comune in it names the namespace to look in.
func requestID(key, comune string, userID int64) (string, error) {
	prefix := "rq-" + strings.ToLower(comune) + "-"
	if key == "" {
		return prefix + uuid.NewString(), nil
	}
	if !reIdempotency.MatchString(key) {
		return "", fail(errcode.InvalidRequest, "Idempotency-Key must be 1–128 printable ASCII characters")
	}
	h := sha256.Sum256([]byte(comune + "\x00" + strconv.FormatInt(userID, 10) + "\x00" + key))
	return prefix + hex.EncodeToString(h[:16]), nil
}

// runQuery starts the workflow (eagerly, on this process's worker when there is one) and waits
// for its result until the deadline plus a margin for the audit write.
func (s *Server) runQuery(ctx context.Context, tc client.Client, in workflows.QueryInput) (workflows.QueryResult, error) {
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.RequestID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.StartAttributes(in),
		EnableEagerStart:         !s.NoEagerStart,
	}, workflows.AnprQuery, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		// The same Idempotency-Key after the first request finished: its answer, no new call.
		run, err = tc.GetWorkflow(ctx, in.RequestID, ""), nil
	}
	if err != nil {
		s.log.Error("start query workflow", "requestId", in.RequestID, "error", err)
		return workflows.QueryResult{}, &apiError{code: errcode.Unavailable, detail: "the workflow engine is unavailable", requestID: in.RequestID}
	}
	wait, cancel := context.WithTimeout(ctx, s.RequestTimeout+3*time.Second)
	defer cancel()
	var res workflows.QueryResult
	if err := run.Get(wait, &res); err != nil {
		if wait.Err() != nil || deadlineExceeded(err) {
			// One rule: whoever noticed the deadline first (our context, the SDK or the
			// server), the request may still finish: 504 with the id, never a 503 that a
			// client would retry with a new key (a second ANPR call).
			return res, &apiError{code: errcode.Timeout, requestID: in.RequestID,
				detail: "the request is still running; read its outcome at /api/v1/requests/" + in.RequestID}
		}
		s.log.Error("query workflow failed", "requestId", in.RequestID, "error", err)
		return res, &apiError{code: errcode.Unavailable, detail: "the request could not be completed", requestID: in.RequestID}
	}
	return res, nil
}

// deadlineExceeded tells a wait that ran out of time, however the SDK reports it: the
// context's error, or the frontend's DeadlineExceeded status.
func deadlineExceeded(err error) bool {
	var de *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) || status.Code(err) == codes.DeadlineExceeded
}
