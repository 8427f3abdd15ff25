package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 only when the database and Temporal both answer.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{"database": "ok", "temporal": "ok"}
	ready := true
	if err := s.DB.Ping(ctx); err != nil {
		checks["database"], ready = "unavailable", false
	}
	if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], ready = "unavailable", false
	} else if !s.searchAttributesReady(ctx) {
		checks["temporal"], ready = "search attributes not registered yet", false
	}
	if !ready {
		return c.Status(errcode.Status(errcode.Unavailable)).JSON(fiber.Map{
			"type": problemBase + errcode.Unavailable, "title": errcode.Title(errcode.Unavailable),
			"status": errcode.Status(errcode.Unavailable), "code": errcode.Unavailable, "checks": checks,
		}, problemJSON)
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}

// searchAttributesReady tells whether the namespace maps Varco's search attributes: until
// it does, no query workflow can start. Once true, it stays true.
func (s *Server) searchAttributesReady(ctx context.Context) bool {
	if s.saReady.Load() {
		return true
	}
	_, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, PageSize: 1, Query: workflows.ProbeQuery(),
	})
	if err != nil {
		return false
	}
	s.saReady.Store(true)
	return true
}
