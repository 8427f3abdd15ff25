package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// clearANPRPauses ends the Comune's ANPR quota pauses, in the TEST environment only. After a
// 429 LimitExceeded Varco stops calling ANPR for that e-service until midnight in Italy (ANPR
// asks it). Against the simulator an integrator resets the quota (DELETE /admin/quotas on the
// simulator) and wants to go on testing now; against ANPR the quota is real and a cleared
// pause would only earn another 429, so there it is refused.
func (s *Server) clearANPRPauses(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "anpr.pauses.clear", "comune", "")
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminConvenzioni, rbac.ActWrite); err != nil {
		return err
	}
	com, err := store.GetComune(x.ctx(), s.DB, x.comune)
	if err != nil {
		return x.failed(err)
	}
	if com.Environment != store.EnvSimulator {
		return x.failed(fail(errcode.TestEnvironmentOnly, "the Comune calls ANPR "+com.Environment+
			": its daily quota is real and the pause ends at midnight in Italy; only the TEST environment (simulator) can be reset"))
	}
	var cleared int64
	err = store.Tx(x.ctx(), s.DB, func(tx bun.Tx) error {
		n, err := store.AnprPauses{DB: tx}.ClearClient(x.ctx(), com.PDNDClientID)
		if err != nil {
			return err
		}
		cleared = n
		x.ev.After = snapshot(fiber.Map{"pausesCleared": n})
		return x.recordIn(tx, store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.JSON(fiber.Map{"comune": x.comune, "pausesCleared": cleared})
}
