package activities

import (
	"context"
	"fmt"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// WriteAudit commits the request's audit record. It is idempotent by request ID, so the
// workflow may retry it until it is committed without ever writing two records. When a record
// is already there (a run retried after a crash wrote it first), it is never overwritten: its
// story is returned, and the workflow answers with it, so the client and the record agree.
func (a *Activities) WriteAudit(ctx context.Context, in workflows.AuditInput) (workflows.AuditWritten, error) {
	if in.Resolve != nil {
		// The C030 call first, as it happened first: if this write is retried, the linked
		// record is already there and is not written twice.
		if _, err := a.insertAudit(ctx, linkedResolve(in)); err != nil {
			return workflows.AuditWritten{}, err
		}
	}
	inserted, err := a.insertAudit(ctx, in)
	if err != nil || inserted {
		return workflows.AuditWritten{}, err
	}
	rec, err := a.Audit.StoredAudit(ctx, in.RequestID)
	if err != nil {
		return workflows.AuditWritten{}, fmt.Errorf("write audit %s: read the stored record: %w", in.RequestID, err)
	}
	return workflows.AuditWritten{Existing: &workflows.AuditStory{
		Outcome: rec.Outcome, HTTPStatus: rec.HTTPStatus, ErrorCode: rec.ErrorCode, Reason: rec.Reason,
		IDOperazioneANPR: rec.IDOperazioneANPR,
	}}, nil
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

func (a *Activities) insertAudit(ctx context.Context, in workflows.AuditInput) (bool, error) {
	rec := &store.AuditRecord{
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
		SubjectHash:         SubjectHash(a.SubjectKey, subject(in)),
		SubjectHashCF:       subjectHashCF(a.SubjectKey, in),
		BatchID:             in.BatchID,
	}
	sealed, err := a.sealSubject(in)
	if err != nil {
		return false, fmt.Errorf("write audit %s: %w", in.RequestID, err)
	}
	rec.SubjectSealed = sealed
	inserted, err := a.Audit.InsertAudit(ctx, rec)
	if err != nil {
		return false, fmt.Errorf("write audit %s: %w", in.RequestID, err)
	}
	return inserted, nil
}

// subject prefers the idANPR, stable for life, so that a lookup by codice fiscale and one by
// idANPR of the same person share a hash whenever the idANPR was known.
func subject(in workflows.AuditInput) workflows.Criteria {
	if in.SubjectIDANPR != "" {
		return workflows.Criteria{IDANPR: in.SubjectIDANPR}
	}
	return in.Criteria
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
	return auditlog.SubjectHashCF(key, cf)
}

// SubjectPurpose binds a sealed audit subject to its Comune.
func SubjectPurpose(comune string) string { return "audit-subject:" + comune }

// sealSubject encrypts the identifier SubjectHash hashed (idANPR when known, else the codice
// fiscale); "" without a Sealer or a subject.
func (a *Activities) sealSubject(in workflows.AuditInput) (string, error) {
	s := subject(in)
	id := s.IDANPR
	if id == "" {
		id = s.CodiceFiscale
	}
	if a.Sealer == nil || id == "" {
		return "", nil
	}
	sealed, err := a.Sealer.Seal(SubjectPurpose(in.Comune), []byte(id))
	if err != nil {
		return "", fmt.Errorf("seal subject: %w", err)
	}
	return sealed, nil
}

// SubjectHash is the keyed hash of the subject's identifier kept in the audit, so that a TOP
// can ask "who looked up this person?" without the audit holding the identifier in clear.
func SubjectHash(key []byte, c workflows.Criteria) string {
	if c.IDANPR != "" {
		return auditlog.SubjectHashIDANPR(key, c.IDANPR)
	}
	if g := c.Generalita; g != nil && c.CodiceFiscale == "" {
		return auditlog.SubjectHashGeneralita(key, g.Cognome, g.Nome, g.Sesso, g.DataNascita, g.CodiceIstatComuneNascita)
	}
	return auditlog.SubjectHashCF(key, c.CodiceFiscale)
}
