package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 only when the database and Temporal both answer.
func (s *Server) readyz(c *fiber.Ctx) error {
	checks, ready := s.checks(c.UserContext())
	if !ready {
		return notReady(c, checks, "")
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}

// status is the health check of the Italian interoperability guidelines: problem+json
// whatever the answer, status 200 when Varco can serve requests. It checks what readyz
// checks; readyz keeps its plain JSON for orchestrators that already probe it.
func (s *Server) status(c *fiber.Ctx) error {
	checks, ready := s.checks(c.UserContext())
	if !ready {
		return notReady(c, checks, "Varco cannot serve requests now")
	}
	return c.JSON(fiber.Map{"title": "OK", "status": fiber.StatusOK, "checks": checks}, problemJSON)
}

// notReady is the 503 problem of readyz and status, with what each dependency answered.
func notReady(c *fiber.Ctx, checks fiber.Map, detail string) error {
	c.Set(fiber.HeaderRetryAfter, retryAfterUnavailable)
	body := fiber.Map{
		"type": problemBase + errcode.Unavailable, "title": errcode.Title(errcode.Unavailable),
		"status": errcode.Status(errcode.Unavailable), "code": errcode.Unavailable, "checks": checks,
	}
	if detail != "" {
		body["detail"] = detail
	}
	return c.Status(errcode.Status(errcode.Unavailable)).JSON(body, problemJSON)
}

// Drain makes readiness (readyz, status) answer 503 "draining" from now on; requests are still
// served. Shutdown follows it once load balancers have seen it (drain-delay).
func (s *Server) Drain() { s.draining.Store(true) }

// checks asks the database and Temporal whether Varco can serve requests.
func (s *Server) checks(ctx context.Context) (fiber.Map, bool) {
	if s.draining.Load() {
		return fiber.Map{"api": "draining"}, false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	checks := fiber.Map{"database": "ok", "temporal": "ok"}
	ready := true
	if err := s.DB.Ping(ctx); err != nil {
		checks["database"], ready = "unavailable", false
	}
	if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], ready = "unavailable", false
	} else if missing, err := s.namespacesMissing(ctx); err != nil || missing > 0 {
		checks["temporal"], ready = "namespaces of the Comuni not ready yet", false
	}
	return checks, ready
}

// namespacesMissing counts the Comuni whose namespace (with its search attributes) is not
// ready yet: until it is, no query for that Comune can start.
func (s *Server) namespacesMissing(ctx context.Context) (int, error) {
	comuni, err := store.ListComuni(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	ready := map[string]bool{}
	for _, c := range s.Clients.Comuni() {
		ready[c] = true
	}
	missing := 0
	for _, c := range comuni {
		if !ready[c.Code] {
			missing++
		}
	}
	return missing, nil
}
