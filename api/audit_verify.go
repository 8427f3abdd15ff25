package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// auditVerify answers GET /api/v1/audit/verify?comune=H501: the walk of the Comune's hash
// chain and its checkpoints (auditlog.Verify), for whoever reads the whole Comune's audit (a
// TOP). Someone who reads only part of it (an ADMIN, an AUTORIZZATO) gets 403; someone with
// nothing in the Comune gets 404, as for any object of another Comune. A broken chain is a
// 200 with ok=false: the walk succeeded, and its finding is the answer.
func (s *Server) auditVerify(c *fiber.Ctx) error {
	comune := c.Query("comune")
	if !workflows.IsComuneCode(comune) {
		return fail(errcode.InvalidRequest, "comune must be a codice catastale such as H501")
	}
	if err := s.mayVerifyComune(c, comune); err != nil {
		return err
	}
	rep, err := auditlog.Verify(c.UserContext(), s.DB, comune, s.AuditSigner)
	if err != nil {
		return err
	}
	if !rep.OK {
		// Seq and problem only: enough to act on, nothing personal.
		s.log.WarnContext(c.UserContext(), "audit chain broken", "comune", comune,
			"seq", rep.Break.Seq, "problem", rep.Break.Problem)
	}
	return c.JSON(rep)
}

// mayVerify allows the whole-Comune audit scope only.
func mayVerify(scopes []store.Scope, comune string) error {
	partial := false
	for _, sc := range scopes {
		if sc.ComuneCode != comune {
			continue
		}
		if sc.EnteID == 0 && sc.UserID == 0 {
			return nil
		}
		partial = true
	}
	if partial {
		return fail(errcode.Forbidden, "verifying the audit of a Comune needs the TOP role there")
	}
	return fail(errcode.NotFound, "no such Comune")
}
