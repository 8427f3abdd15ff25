package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

type createEnteRequest struct {
	Comune             string `json:"comune"` // the Comune whose TOP registers the Ente
	Name               string `json:"name"`
	CodiceIPA          string `json:"codiceIpa"`
	DefaultWorkstation string `json:"defaultWorkstation"`
}

// createEnte: a TOP registers an Ente on behalf of its Comune (which then sees it before any
// convenzione exists).
func (s *Server) createEnte(c *fiber.Ctx) error {
	var req createEnteRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if req.Comune == "" { // newAdminReq checks the format; "" would mean "no Comune"
		return fail(errcode.InvalidRequest, "comune must be a codice catastale (e.g. H501)")
	}
	x, err := s.newAdminReq(c, req.Comune, "ente.create", "ente", "")
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminEnti, rbac.ActWrite); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 200 || len(req.CodiceIPA) > 64 || len(req.DefaultWorkstation) > 200 {
		return x.failed(fail(errcode.InvalidRequest, "name is required (at most 200 characters); codiceIpa at most 64"))
	}
	e := &store.Ente{Name: req.Name, CodiceIPA: strings.TrimSpace(req.CodiceIPA),
		DefaultWorkstation: req.DefaultWorkstation, CreatedByComune: req.Comune}
	err = store.Tx(x.ctx(), s.DB, func(tx bun.Tx) error {
		if err := store.CreateEnte(x.ctx(), tx, e); err != nil {
			return err
		}
		x.ev.ObjectID, x.ev.EnteID, x.ev.After = strconv.FormatInt(e.ID, 10), e.ID, snapshot(enteView(e))
		return x.recordIn(tx, store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.Status(fiber.StatusCreated).JSON(enteView(e))
}

// visibleEnti lists the Enti the caller may see: every Ente of the Comuni where they read
// Enti as TOP, and their own Ente where they are ADMIN. ok is false when they administer
// nothing anywhere.
func (s *Server) visibleEnti(c *fiber.Ctx, az *rbac.Authorizer, actor int64) ([]store.Ente, bool, error) {
	grants, err := store.GrantsOfUser(c.UserContext(), s.DB, actor)
	if err != nil {
		return nil, false, err
	}
	var comuni []string
	var enti []int64
	seen := map[string]bool{}
	for _, g := range grants {
		if seen[g.ComuneCode] {
			continue
		}
		seen[g.ComuneCode] = true
		all, own, err := az.Reach(actor, g.ComuneCode, rbac.ObjAdminEnti, rbac.ActRead)
		if err != nil {
			return nil, false, err
		}
		if all {
			comuni = append(comuni, g.ComuneCode)
		}
		enti = append(enti, own...)
	}
	if len(comuni) == 0 && len(enti) == 0 {
		return nil, false, nil
	}
	out, err := store.EntiVisible(c.UserContext(), s.DB, comuni, enti)
	return out, true, err
}

func (s *Server) listEnti(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, "", "ente.list", "ente", "")
	if err != nil {
		return err
	}
	enti, ok, err := s.visibleEnti(c, x.az, x.actor)
	if err != nil {
		return err
	}
	if !ok {
		return x.deny(errcode.Forbidden, "you administer no Ente")
	}
	items := make([]EnteView, 0, len(enti))
	for i := range enti {
		items = append(items, enteView(&enti[i]))
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) getEnte(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, "", "ente.read", "ente", c.Params("id"))
	if err != nil {
		return err
	}
	id, _ := pathID(c, "id")
	enti, _, err := s.visibleEnti(c, x.az, x.actor)
	if err != nil {
		return err
	}
	for i := range enti {
		if enti[i].ID == id {
			return c.JSON(enteView(&enti[i]))
		}
	}
	return x.deny(errcode.NotFound, "no such Ente")
}
