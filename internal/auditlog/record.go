package auditlog

import (
	"fmt"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// Sealer encrypts a value for a purpose (secretbox.Box).
type Sealer interface {
	Seal(purpose string, plain []byte) (string, error)
}

// SubjectPurpose binds a sealed audit subject to its Comune: it opens for that Comune only.
func SubjectPurpose(comune string) string { return "audit-subject:" + comune }

// Record builds the stored record of what the workflow reports: the request's facts as they
// are, and its subject only as keyed hashes and a sealed identifier (never in clear).
func (w *Writer) Record(in workflows.AuditInput) (*store.AuditRecord, error) {
	sealed, err := w.sealSubject(in)
	if err != nil {
		return nil, fmt.Errorf("auditlog: record %s: %w", in.RequestID, err)
	}
	return &store.AuditRecord{
		RequestID:           in.RequestID,
		CreatedAt:           in.At,
		UserID:              in.UserID,
		EnteID:              in.EnteID,
		ComuneCode:          in.Comune,
		Service:             in.Service,
		Motivo:              in.Motivo,
		Outcome:             in.Outcome,
		ErrorCode:           in.ErrorCode,
		HTTPStatus:          in.HTTPStatus,
		Reason:              in.Reason,
		Workstation:         in.Workstation,
		IDOperazioneClient:  in.Trace.IDOperazioneClient,
		IDOperazioneANPR:    in.Trace.IDOperazioneANPR,
		GovWayTransactionID: in.Trace.GovWayTransactionID,
		VoucherJTI:          in.Trace.VoucherJTI,
		CorrelationID:       in.Trace.CorrelationID,
		DurationMS:          in.DurationMS,
		SubjectHash:         SubjectHash(w.SubjectKey, subject(in)),
		SubjectHashCF:       subjectHashCF(w.SubjectKey, in),
		SubjectSealed:       sealed,
		BatchID:             in.BatchID,
	}, nil
}

// linkedResolve is the linked record of the C030 call that resolved the request's subject:
// same person asking, same case, same subject, its own ANPR ids.
func linkedResolve(in workflows.AuditInput) workflows.AuditInput {
	l := in
	l.RequestID, l.Service, l.Resolve = workflows.LinkedRequestID(in.RequestID), "C030", nil
	l.Outcome, l.HTTPStatus, l.ErrorCode = workflows.OutcomeOK, 200, ""
	l.Reason = "resolution of the subject's idANPR for request " + in.RequestID + " (" + in.Service + ")"
	l.Trace, l.DurationMS = *in.Resolve, 0
	return l
}

// subject prefers the idANPR, stable for life, so that a lookup by codice fiscale and one by
// idANPR of the same person share a hash whenever the idANPR was known.
func subject(in workflows.AuditInput) workflows.Criteria {
	if in.SubjectIDANPR != "" {
		return workflows.Criteria{IDANPR: in.SubjectIDANPR}
	}
	return in.Criteria
}

// SubjectHash is the keyed hash of the subject's identifier kept in the audit, so that a TOP
// can ask "who looked up this person?" without the audit holding the identifier in clear.
func SubjectHash(key []byte, c workflows.Criteria) string {
	if c.IDANPR != "" {
		return SubjectHashIDANPR(key, c.IDANPR)
	}
	if g := c.Generalita; g != nil && c.CodiceFiscale == "" {
		return SubjectHashGeneralita(key, g.Cognome, g.Nome, g.Sesso, g.DataNascita, g.CodiceIstatComuneNascita)
	}
	return SubjectHashCF(key, c.CodiceFiscale)
}

// subjectHashCF is the codice fiscale's hash when SubjectHash hashed the idANPR: a search by
// codice fiscale must still find this record, and the idANPR's hash cannot be derived from the
// codice fiscale. The codice fiscale is the one asked, else the one ANPR's answer carried (a
// lookup by idANPR), so every successful lookup is found by either identifier.
func subjectHashCF(key []byte, in workflows.AuditInput) string {
	cf := in.Criteria.CodiceFiscale
	if cf == "" {
		cf = in.SubjectCF
	}
	if in.SubjectIDANPR == "" || cf == "" {
		return ""
	}
	return SubjectHashCF(key, cf)
}

// sealSubject encrypts the identifier SubjectHash hashed (idANPR when known, else the codice
// fiscale); "" without a Sealer or a subject.
func (w *Writer) sealSubject(in workflows.AuditInput) (string, error) {
	s := subject(in)
	id := s.IDANPR
	if id == "" {
		id = s.CodiceFiscale
	}
	if w.Sealer == nil || id == "" {
		return "", nil
	}
	sealed, err := w.Sealer.Seal(SubjectPurpose(in.Comune), []byte(id))
	if err != nil {
		return "", fmt.Errorf("seal subject: %w", err)
	}
	return sealed, nil
}
