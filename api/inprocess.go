package api

import (
	"context"
	"net"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Reply is the answer of an in-process request.
type Reply struct {
	Status      int
	ContentType string
	Body        []byte
}

// loopback is the remote address of in-process requests.
var loopback = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}

// Do serves one request in-process through the whole API stack (access log, authentication
// with token = a bearer token, the handler, the error table) without a socket. The web
// console acts this way: its every action is the API's own, scoped and recorded by the same
// code (no second implementation of a rule). body is JSON when not nil.
func (s *Server) Do(ctx context.Context, method, path, token string, body []byte) Reply {
	var fc fasthttp.RequestCtx
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	req.Header.SetHost("varco.internal")
	if token != "" {
		req.Header.Set(fasthttp.HeaderAuthorization, "Bearer "+token)
	}
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBody(body)
	}
	fc.Init(&req, loopback, nil)
	fc.SetUserValue(inProcessKey{}, ctx)
	s.app.Handler()(&fc)
	return Reply{Status: fc.Response.StatusCode(), ContentType: string(fc.Response.Header.ContentType()),
		Body: append([]byte(nil), fc.Response.Body()...)}
}

type inProcessKey struct{}

// inProcessContext gives an in-process request its caller's context (cancellation, deadline).
func inProcessContext(c *fiber.Ctx) error {
	if ctx, ok := c.Context().UserValue(inProcessKey{}).(context.Context); ok {
		c.SetUserContext(ctx)
	}
	return c.Next()
}
