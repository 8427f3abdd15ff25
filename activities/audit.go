package activities

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// WriteAudit commits the request's audit record. It is idempotent by request ID, so the
// workflow may retry it until it is committed without ever writing two records.
func (a *Activities) WriteAudit(ctx context.Context, in workflows.AuditInput) error {
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
	}
	if _, err := a.Audit.InsertAudit(ctx, rec); err != nil {
		return fmt.Errorf("write audit %s: %w", in.RequestID, err)
	}
	return nil
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
	id := "idANPR:" + c.IDANPR
	if c.IDANPR == "" {
		id = "cf:" + c.CodiceFiscale
	}
	if id == "cf:" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}
