package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

// maxAnchorsChecked bounds one anchor check request (a year of daily anchors fits).
const maxAnchorsChecked = 1000

// auditAnchor answers POST /api/v1/audit/anchor?comune=H501: the Comune's chain head, signed
// now (and stored as a checkpoint), for its TOP to keep outside Varco — the registry office,
// not the installation's operator, then holds proof of what the audit said (docs/audit.md).
// Same scope rules as auditVerify.
func (s *Server) auditAnchor(c *fiber.Ctx) error {
	comune := c.Query("comune")
	if !workflows.IsComuneCode(comune) {
		return fail(errcode.InvalidRequest, "comune must be a codice catastale such as H501")
	}
	if err := s.mayVerifyComune(c, comune); err != nil {
		return err
	}
	a, ok, err := auditlog.AnchorHead(c.UserContext(), s.DB, comune, s.AuditSigner, s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return fail(errcode.NotFound, "the Comune's audit has no records yet: nothing to anchor")
	}
	s.log.InfoContext(c.UserContext(), "audit anchored", "comune", comune, "seq", a.Seq, "user", callerOf(c).UserID)
	return c.JSON(a)
}

type anchorCheckRequest struct {
	Anchors []auditlog.Anchor `json:"anchors"`
}

type anchorCheckReply struct {
	OK      bool                    `json:"ok"`
	Results []auditlog.AnchorResult `json:"results"`
}

// auditAnchorCheck answers POST /api/v1/audit/anchor/check: each anchor (of Comuni where the
// caller is TOP) checked against the database, as `varco audit verify -anchors` does.
func (s *Server) auditAnchorCheck(c *fiber.Ctx) error {
	var req anchorCheckRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if len(req.Anchors) == 0 || len(req.Anchors) > maxAnchorsChecked {
		return fail(errcode.InvalidRequest, "anchors must hold between 1 and 1000 anchors")
	}
	for _, a := range req.Anchors {
		if !workflows.IsComuneCode(a.Comune) || a.Seq <= 0 {
			return fail(errcode.InvalidRequest, "each anchor needs a comune (codice catastale) and a positive seq")
		}
		if err := s.mayVerifyComune(c, a.Comune); err != nil {
			return err
		}
	}
	reply := anchorCheckReply{OK: true, Results: make([]auditlog.AnchorResult, 0, len(req.Anchors))}
	for _, a := range req.Anchors {
		res, err := auditlog.CheckAnchor(c.UserContext(), s.DB, s.AuditSigner, a)
		if err != nil {
			return err
		}
		reply.OK = reply.OK && res.OK()
		reply.Results = append(reply.Results, res)
	}
	if !reply.OK {
		s.log.WarnContext(c.UserContext(), "audit anchor check failed", "user", callerOf(c).UserID)
	}
	return c.JSON(reply)
}

// mayVerifyComune: the caller reads the whole Comune's audit (TOP), and a key is configured.
func (s *Server) mayVerifyComune(c *fiber.Ctx, comune string) error {
	scopes, err := s.Authz.AuditScopes(c.UserContext(), callerOf(c).UserID)
	if err != nil {
		return err
	}
	if err := mayVerify(scopes, comune); err != nil {
		return err
	}
	if s.AuditSigner == nil {
		return fail(errcode.Unavailable, "the audit checkpoint key is not configured")
	}
	return nil
}
