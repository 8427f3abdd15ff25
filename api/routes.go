package api

import "github.com/gofiber/fiber/v2"

// route is one line of the API's route table: a method and path and the handlers that serve
// it, in order (middleware first).
type route struct {
	method   string
	path     string
	handlers []fiber.Handler
}

// v1 is the prefix of the versioned API; its routes share the rate limit.
const v1 = "/api/v1"

// use marks a line of middleware for every route under its path (any method).
const use = "USE"

// routeTable is every route the API serves, in one place: what it exposes, and which routes
// are public (no s.authenticate), can be read here at a glance. The OpenAPI document must
// describe every route under /api/v1 (TestOpenAPICoversRoutes). The Web UI's OpenID Provider
// adds its own routes when configured (oidcRoutes), as its library defines them.
func (s *Server) routeTable() []route {
	a := s.authenticate
	authn := s.newAuthHandlers()
	const cm = v1 + "/admin/comuni/:comune"
	r := func(method, path string, h ...fiber.Handler) route { return route{method, path, h} }
	return []route{
		// Probes and status: public, outside the rate limit.
		r("GET", "/healthz", s.healthz),
		r("GET", "/readyz", s.readyz),
		r("GET", "/status", s.status),

		// The Web UI's payload codec: its own CORS (which answers preflights) and credentials.
		r(use, "/codec", s.codecCORS),
		r("POST", "/codec/decode", s.codecAuthenticate, s.codecDecode),
		r("POST", "/codec/encode", s.codecAuthenticate, s.codecEncode),

		// The versioned API: rate-limited per credential; public routes have no `a`.
		r(use, v1, s.rateLimit()),
		r("GET", v1+"/openapi.json", s.openapi),
		r("POST", v1+"/auth/token", authn.token),
		r("POST", v1+"/auth/refresh", authn.refresh),
		r("POST", v1+"/auth/logout", a, authn.logout),
		r("GET", v1+"/auth/me", a, s.me),
		r("POST", v1+"/auth/password", a, authn.changePassword),

		r("POST", v1+"/anpr/:service", a, s.query),
		r("GET", v1+"/requests/:id", a, s.request),

		r("POST", v1+"/batches", a, s.createBatch),
		r("GET", v1+"/batches/:id", a, s.getBatch),
		r("GET", v1+"/batches/:id/results", a, s.batchResults),
		r("DELETE", v1+"/batches/:id", a, s.cancelBatch),

		r("GET", v1+"/audit", a, s.audit),
		r("GET", v1+"/audit/report", a, s.auditReport),
		r("GET", v1+"/audit/export.csv", a, s.auditExportCSV),
		r("GET", v1+"/audit/export.json", a, s.auditExportJSON),
		r("GET", v1+"/audit/anomalies", a, s.auditAnomalies),
		r("GET", v1+"/audit/verify", a, s.auditVerify),
		r("POST", v1+"/audit/anchor", a, s.auditAnchor),
		r("POST", v1+"/audit/anchor/check", a, s.auditAnchorCheck),
		r("GET", v1+"/audit/tracing.csv", a, s.auditTracing),

		r("POST", v1+"/admin/enti", a, s.createEnte),
		r("GET", v1+"/admin/enti", a, s.listEnti),
		r("GET", v1+"/admin/enti/:id", a, s.getEnte),
		r("GET", v1+"/admin/events", a, s.adminEvents),
		r("POST", cm+"/convenzioni", a, s.createConvenzione),
		r("GET", cm+"/convenzioni", a, s.listConvenzioni),
		r("PATCH", cm+"/convenzioni/:id", a, s.patchConvenzione),
		r("GET", cm+"/anpr", a, s.anprSetup),
		r("DELETE", cm+"/anpr/pauses", a, s.clearANPRPauses),
		r("POST", cm+"/users", a, s.createUser),
		r("GET", cm+"/users", a, s.listUsers),
		r("GET", cm+"/users/:id", a, s.getUser),
		r("PATCH", cm+"/users/:id", a, s.patchUser),
		r("DELETE", cm+"/users/:id", a, s.deleteUser),
		r("POST", cm+"/users/:id/suspend", a, s.suspendUser),
		r("POST", cm+"/users/:id/reactivate", a, s.reactivateUser),
		r("POST", cm+"/users/:id/reset-credentials", a, s.resetCredentials),
		r("POST", cm+"/grants", a, s.createGrant),
		r("DELETE", cm+"/grants/:id", a, s.deleteGrant),
	}
}

// routes registers the table, in its order.
func (s *Server) routes() {
	for _, rt := range s.routeTable() {
		if rt.method == use {
			args := []any{rt.path}
			for _, h := range rt.handlers {
				args = append(args, h)
			}
			s.app.Use(args...)
			continue
		}
		s.app.Add(rt.method, rt.path, rt.handlers...)
	}
	s.oidcRoutes()
}
