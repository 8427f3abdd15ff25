package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// passwordLoA is the LoA claim for users who signed in with a password: one factor,
// ISO/IEC 29115 level 2. ANPR caps the claim at 20 characters.
const passwordLoA = "LoA2"

// CallANPR makes the certified call with the Comune's credentials and the operator identity.
func (a *Activities) CallANPR(ctx context.Context, in workflows.CallInput) (workflows.CallOutput, error) {
	return a.callANPR(ctx, in, a.markCalled)
}

// callANPR is CallANPR with the way the call is named and claimed: a single query's run
// claims it by run id, a batch's subject by batch id (its run changes when it continues).
func (a *Activities) callANPR(ctx context.Context, in workflows.CallInput,
	mark func(context.Context, workflows.CallInput) (string, error)) (workflows.CallOutput, error) {
	prof, err := a.Profiles.Profile(ctx, in.Comune)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.CallOutput{}, temporal.NewNonRetryableApplicationError(
			"the Comune has no ANPR access profile", errcode.UnknownComune.String(), nil)
	}
	if err != nil {
		return workflows.CallOutput{}, fmt.Errorf("load ANPR profile of %s: %w", in.Comune, err)
	}
	op, err := a.operator(ctx, prof, in)
	if err != nil {
		return workflows.CallOutput{}, err
	}
	opID, err := mark(ctx, in)
	if err != nil {
		return workflows.CallOutput{}, err
	}
	crit, resolved, err := a.idANPRFirst(ctx, prof, op, in, resolveOperation(opID))
	if err != nil {
		return workflows.CallOutput{}, callError(err)
	}
	resp, err := a.ANPR.Call(ctx, prof.ANPR, op, anpr.Request{
		IDOperazioneClient: opID,
		Service:            in.Service,
		Criteria:           crit,
		Motivo:             in.Motivo,
		DataRiferimento:    in.DataRiferimento,
		Verifica:           in.Verifica,
	})
	if err != nil {
		return workflows.CallOutput{}, callError(err)
	}
	out := workflows.CallOutput{
		Soggetti: resp.Soggetti, Anomalie: append(resolved.warnings, resp.Anomalie...),
		Trace: trace(resp.Trace),
	}
	out.IDANPR, out.CodiceFiscale = subjectIDs(crit, in.Criteria, resp.Soggetti)
	if resolved.called {
		t := trace(resolved.trace)
		out.Resolve = &t
	}
	return out, nil
}

// subjectIDs are the subject's two identifiers for the audit: each as asked, else as ANPR's
// answer carries it. A C020 by idANPR learns the codice fiscale from the answer, a C030 by
// codice fiscale the idANPR: the record is then found by either (issue #12).
func subjectIDs(called anpr.Criteria, asked workflows.Criteria, soggetti []json.RawMessage) (idANPR, cf string) {
	ansID, ansCF := anpr.Identifiers(soggetti)
	idANPR, cf = called.IDANPR, asked.CodiceFiscale
	if idANPR == "" {
		idANPR = ansID
	}
	if cf == "" {
		cf = ansCF
	}
	return idANPR, cf
}

// resolution is what the C030 call before the service call returned, when there was one.
type resolution struct {
	called   bool
	trace    anpr.Trace
	warnings []json.RawMessage
}

// idANPRFirst turns a codice fiscale into the idANPR with C030 before calling the service,
// as ANPR asks since 2024 (consultation by idANPR). A Comune without the C030 purpose is
// called by codice fiscale, which ANPR still answers with an EN148 warning. The warnings of
// the C030 call are returned to the integrator as anomalie, never as an error.
func (a *Activities) idANPRFirst(ctx context.Context, prof Profile, op anpr.Operator, in workflows.CallInput, opID string) (anpr.Criteria, resolution, error) {
	crit := anpr.Criteria{IDANPR: in.Criteria.IDANPR, CodiceFiscale: in.Criteria.CodiceFiscale, Generalita: generalita(in.Criteria.Generalita)}
	if crit.IDANPR != "" || in.Service == resolveService || prof.ANPR.PurposeIDs[resolveService] == "" {
		return crit, resolution{}, nil
	}
	id, tr, warnings, err := a.ANPR.ResolveRequest(ctx, prof.ANPR, op, anpr.Request{Criteria: crit,
		Motivo: in.Motivo, DataRiferimento: in.DataRiferimento, IDOperazioneClient: opID})
	if err != nil {
		return crit, resolution{}, err
	}
	return anpr.Criteria{IDANPR: id}, resolution{called: true, trace: tr, warnings: warnings}, nil
}

// markCalled names this attempt's call and records, before ANPR is contacted, that the run
// sent it: if the worker dies before the answer is known, the retried run can say "called,
// answer unknown" instead of "not called". Without claims (unit tests) the id is only named.
func (a *Activities) markCalled(ctx context.Context, in workflows.CallInput) (string, error) {
	if in.Operation == "" {
		return "", nil // a workflow started before derived ids: the client draws one
	}
	attempt := 1
	if activity.IsActivity(ctx) {
		attempt = int(activity.GetInfo(ctx).Attempt)
	}
	run, ok := a.runOf(ctx)
	return a.claimCall(ctx, in, run.runID, ok, attempt)
}

// claimCall names the call of one attempt and records it under holder (a run id, or a batch's
// claim name), unless another holder has the request id.
func (a *Activities) claimCall(ctx context.Context, in workflows.CallInput, holder string, ok bool, attempt int) (string, error) {
	opID := workflows.OperationID(in.Operation, attempt)
	if a.Claims == nil || !ok {
		return opID, nil
	}
	ok, err := a.Claims.ClaimCall(ctx, in.RequestID, holder, opID, a.Now.Now())
	if err != nil {
		return "", temporal.NewApplicationErrorWithCause("request claims unavailable", errcode.Unavailable.String(), err)
	}
	if !ok {
		// Another run of the same sealed input got here first: a replay. No call.
		return "", temporal.NewNonRetryableApplicationError("another run already called ANPR for this request", errcode.Forbidden.String(), nil)
	}
	return opID, nil
}

// generalita maps the workflow's generalità criteria onto the ANPR client's.
func generalita(g *workflows.Generalita) *anpr.Generalita {
	if g == nil {
		return nil
	}
	return &anpr.Generalita{Cognome: g.Cognome, Nome: g.Nome, Sesso: g.Sesso, DataNascita: g.DataNascita,
		CodiceIstatComuneNascita: g.CodiceIstatComuneNascita, NomeComuneNascita: g.NomeComuneNascita}
}

// resolveOperation is the idOperazioneClient of the C030 call that precedes the service call
// of opID: the same request part, attempts 51–99, so the audit record's id names both calls
// (auditlog.OperationKey) while ANPR sees two distinct ids. "" when opID is not derived.
func resolveOperation(opID string) string {
	if len(opID) != 28 {
		return ""
	}
	attempt := int(opID[26]-'0')*10 + int(opID[27]-'0')
	return workflows.OperationID(opID[:26], 50+attempt)
}

// resolveService is C030, servizioAccertamentoIdUnicoNazionale.
const resolveService = "C030"

// operator is the identity told to ANPR in the AUDIT_REST_02 token.
func (a *Activities) operator(ctx context.Context, prof Profile, in workflows.CallInput) (anpr.Operator, error) {
	loa := in.LoA
	if loa == "" {
		loa = passwordLoA
	}
	location, err := a.workstation(ctx, in)
	if err != nil {
		return anpr.Operator{}, err
	}
	if prof.OperatorMode == "comune-operator" && prof.OperatorID != "" {
		return anpr.Operator{UserID: prof.OperatorID, UserLocation: location, LoA: loa}, nil
	}
	name, err := a.Directory.Username(ctx, in.UserID)
	if err != nil {
		return anpr.Operator{}, fmt.Errorf("operator identity of user %d: %w", in.UserID, err)
	}
	return anpr.Operator{UserID: name, UserLocation: location, LoA: loa}, nil
}

// workstation is the ModI userLocation: the application's X-Varco-Postazione, else the Ente's
// default, else a name derived from the Ente — never empty, as AUDIT_REST_02 requires.
func (a *Activities) workstation(ctx context.Context, in workflows.CallInput) (string, error) {
	if in.Workstation != "" {
		return in.Workstation, nil
	}
	ws, err := a.Directory.DefaultWorkstation(ctx, in.EnteID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("default workstation of ente %d: %w", in.EnteID, err)
	}
	if ws == "" {
		ws = fmt.Sprintf("varco-ente-%d", in.EnteID)
	}
	return ws, nil
}

// callError maps an ANPR client error to an ApplicationError typed by its stable code,
// carrying the correlation ids for the audit. Only transient failures stay retryable.
func callError(err error) error {
	e, ok := anpr.AsError(err)
	if !ok {
		return temporal.NewApplicationErrorWithOptions("ANPR call failed", errcode.ANPRUnavailable.String(),
			temporal.ApplicationErrorOptions{Cause: err})
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, string(e.Kind), temporal.ApplicationErrorOptions{
		NonRetryable: !e.Retryable(),
		Cause:        err,
		Details:      []any{trace(e.Trace)},
	})
}

func trace(t anpr.Trace) workflows.Trace {
	return workflows.Trace{
		IDOperazioneClient:  t.IDOperazioneClient,
		IDOperazioneANPR:    t.IDOperazioneANPR,
		GovWayTransactionID: t.GovWayTransactionID,
		VoucherJTI:          t.VoucherJTI,
		CorrelationID:       t.CorrelationID,
		HTTPStatus:          t.HTTPStatus,
	}
}
