package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openapiDoc is the contract integrators build against; TestOpenAPICoversRoutes keeps it
// true to the registered routes.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI 3 document.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openapiDoc)
}
