package api

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

type createConvenzioneRequest struct {
	EnteID int64 `json:"enteId"`
	// CodiceIPA names the Ente instead of enteId: how a Comune links an Ente that another
	// Comune registered, so that one Ente (and its users) works with many Comuni.
	CodiceIPA  string   `json:"codiceIpa"`
	Services   []string `json:"services"`
	ValidFrom  string   `json:"validFrom"`
	ValidTo    string   `json:"validTo"`
	DailyQuota int      `json:"dailyQuota"`
}

func (s *Server) createConvenzione(c *fiber.Ctx) error {
	var req createConvenzioneRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if err := checkBodyID("enteId", req.EnteID, false); err != nil {
		return err
	}
	if len(req.CodiceIPA) > 64 {
		return fail(errcode.InvalidRequest, "codiceIpa is at most 64 characters")
	}
	x, err := s.newAdminReq(c, c.Params("comune"), "convenzione.create", "convenzione", "")
	if err != nil {
		return err
	}
	x.ev.EnteID = req.EnteID
	if err := x.inComune(rbac.ObjAdminConvenzioni, rbac.ActWrite); err != nil {
		return err
	}
	if err := s.resolveConvenzioneEnte(x, &req); err != nil {
		return err
	}
	conv := &store.Convenzione{ComuneCode: x.comune, EnteID: req.EnteID, DailyQuota: req.DailyQuota}
	if conv.Services, err = serviceSet(req.Services, nil); err != nil {
		return x.failed(err)
	}
	if err := s.checkPurposes(x, conv.Services); err != nil {
		return x.failed(err)
	}
	if conv.ValidFrom, conv.ValidTo, err = validity(req.ValidFrom, req.ValidTo); err != nil {
		return x.failed(err)
	}
	if req.DailyQuota < 0 {
		return x.failed(fail(errcode.InvalidRequest, "dailyQuota must be 0 (no limit) or positive"))
	}
	err = store.Tx(x.ctx(), s.DB, func(tx bun.Tx) error {
		if err := store.CreateConvenzione(x.ctx(), tx, conv); err != nil {
			return err
		}
		x.ev.ObjectID, x.ev.After = strconv.FormatInt(conv.ID, 10), snapshot(convenzioneView(conv))
		return x.recordIn(tx, store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.Status(fiber.StatusCreated).JSON(convenzioneView(conv))
}

func (s *Server) listConvenzioni(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "convenzione.list", "convenzione", "")
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminConvenzioni, rbac.ActRead); err != nil {
		return err
	}
	all, enti, err := x.az.Reach(x.actor, x.comune, rbac.ObjAdminConvenzioni, rbac.ActRead)
	if err != nil {
		return err
	}
	if all {
		enti = nil
	}
	convs, err := store.ListConvenzioni(x.ctx(), s.DB, x.comune, enti...)
	if err != nil {
		return err
	}
	items := make([]ConvenzioneView, 0, len(convs))
	for i := range convs {
		items = append(items, convenzioneView(&convs[i]))
	}
	return c.JSON(fiber.Map{"items": items})
}

type patchConvenzioneRequest struct {
	Services   []string `json:"services"`
	ValidTo    *string  `json:"validTo"` // "" makes it open-ended
	DailyQuota *int     `json:"dailyQuota"`
}

func (s *Server) patchConvenzione(c *fiber.Ctx) error {
	var req patchConvenzioneRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	x, err := s.newAdminReq(c, c.Params("comune"), "convenzione.update", "convenzione", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminConvenzioni, rbac.ActWrite); err != nil {
		return err
	}
	id, _ := pathID(c, "id")
	conv, err := store.GetConvenzione(x.ctx(), s.DB, x.comune, id)
	if err != nil {
		return x.failed(err)
	}
	x.ev.EnteID, x.ev.Before = conv.EnteID, snapshot(convenzioneView(conv))
	if err := applyConvenzionePatch(conv, req); err != nil {
		return x.failed(err)
	}
	if req.Services != nil {
		if err := s.checkPurposes(x, conv.Services); err != nil {
			return x.failed(err)
		}
	}
	err = store.Tx(x.ctx(), s.DB, func(tx bun.Tx) error {
		if err := store.UpdateConvenzione(x.ctx(), tx, conv); err != nil {
			return err
		}
		x.ev.After = snapshot(convenzioneView(conv))
		return x.recordIn(tx, store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.JSON(convenzioneView(conv))
}

// checkPurposes refuses services the Comune holds no PDND purpose for: such a convenzione
// would only fail at call time, with ANPR's refusal instead of a clear answer now.
func (s *Server) checkPurposes(x *adminReq, services []string) error {
	c, err := store.GetComune(x.ctx(), s.DB, x.comune)
	if err != nil {
		return err
	}
	var missing []string
	for _, code := range services {
		if c.PurposeIDs[code] == "" {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		return fail(errcode.InvalidRequest, "the Comune holds no PDND purpose for "+strings.Join(missing, ", ")+
			": the installation operator adds it with `varco comune set-anpr --purpose`")
	}
	return nil
}

// applyConvenzionePatch changes conv in memory; narrowing the services takes effect for
// queries at once (AuthorizeQuery checks the convenzione at every query).
func applyConvenzionePatch(conv *store.Convenzione, req patchConvenzioneRequest) error {
	var err error
	if req.Services != nil {
		if conv.Services, err = serviceSet(req.Services, nil); err != nil {
			return err
		}
	}
	if req.ValidTo != nil {
		conv.ValidTo = time.Time{}
		if *req.ValidTo != "" {
			if conv.ValidTo, err = parseDay(*req.ValidTo, "validTo"); err != nil {
				return err
			}
			if conv.ValidTo.Before(store.Day(conv.ValidFrom)) {
				return fail(errcode.InvalidRequest, "validTo is before validFrom")
			}
		}
	}
	if req.DailyQuota != nil {
		if *req.DailyQuota < 0 {
			return fail(errcode.InvalidRequest, "dailyQuota must be 0 (no limit) or positive")
		}
		conv.DailyQuota = *req.DailyQuota
	}
	return nil
}

// serviceSet validates service codes against the catalogue and, when allowed is not nil,
// against it (a profile within a convenzione); it returns them sorted, each once.
func serviceSet(in []string, allowed []string) ([]string, error) {
	if len(in) > 64 {
		return nil, fail(errcode.InvalidRequest, "too many services")
	}
	out := []string{}
	for _, code := range in {
		if _, ok := catalogue.Lookup(code); !ok {
			return nil, fail(errcode.InvalidRequest, "unknown service "+strconv.Quote(code))
		}
		if allowed != nil && !slices.Contains(allowed, code) {
			return nil, fail(errcode.Forbidden, "service "+code+" is not in the convenzione")
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out, nil
}

func validity(from, to string) (time.Time, time.Time, error) {
	f, err := parseDay(from, "validFrom")
	if err != nil {
		return f, time.Time{}, err
	}
	if to == "" {
		return f, time.Time{}, nil
	}
	t, err := parseDay(to, "validTo")
	if err == nil && t.Before(f) {
		err = fail(errcode.InvalidRequest, "validTo is before validFrom")
	}
	return f, t, err
}

func parseDay(v, name string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, v, rome)
	if err != nil {
		return time.Time{}, fail(errcode.InvalidRequest, name+" must be a date YYYY-MM-DD")
	}
	return store.Day(t), nil
}

// resolveConvenzioneEnte finds the Ente of a new convenzione: by codice IPA (any registered
// Ente: IPA codes are public, and this is how a second Comune links an existing Ente), or by
// id among the Enti the Comune already sees.
func (s *Server) resolveConvenzioneEnte(x *adminReq, req *createConvenzioneRequest) error {
	if req.EnteID == 0 && req.CodiceIPA != "" {
		e, err := store.GetEnteByCodiceIPA(x.ctx(), s.DB, strings.TrimSpace(req.CodiceIPA))
		if err != nil {
			return x.deny(errcode.NotFound, "no Ente has that codice IPA")
		}
		req.EnteID, x.ev.EnteID = e.ID, e.ID
		return nil
	}
	visible, err := store.EntiVisible(x.ctx(), s.DB, []string{x.comune}, nil)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(visible, func(e store.Ente) bool { return e.ID == req.EnteID }) {
		return x.deny(errcode.NotFound, "no such Ente")
	}
	return nil
}
