package api

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workflows"
)

// The codec endpoint lets the Temporal Web UI show a workflow's decrypted inputs and results
// to the people entitled to them. The UI calls {endpoint}/decode with the namespace in
// X-Namespace and (codec passAccessToken, over https) the access token Varco's OpenID Provider
// gave it, or (includeCredentials, plain http in dev) the same kind of token in a cookie:
// it opens a namespace listed in the token's permissions, for a user still active and still
// TOP of that Comune. An API access token (a TOP or ADMIN of the Comune) opens it too, for
// scripts and the temporal CLI. Everyone else sees encrypted payloads.

// codecCORS admits the Web UI's origin, with credentials (the sign-in's codec cookie, see
// uiCookieName), and answers its preflights.
func (s *Server) codecCORS(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin != "" && origin == s.UIOrigin {
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderAccessControlAllowCredentials, "true")
		c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type, X-Namespace, Authorization")
		c.Set(fiber.HeaderAccessControlAllowMethods, "POST, OPTIONS")
		c.Set(fiber.HeaderVary, fiber.HeaderOrigin)
	}
	if c.Method() == fiber.MethodOptions {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Next()
}

// codecAllowed checks the caller against the namespace's Comune: 404 for a namespace that
// is not a Comune's, 403 for a Comune where the caller is neither TOP nor ADMIN.
func (s *Server) codecAllowed(c *fiber.Ctx) error {
	comune, ok := workflows.ComuneOfNamespace(c.Get("X-Namespace"))
	if !ok {
		return fail(errcode.NotFound, "X-Namespace must name a Comune's namespace, e.g. comune-h501")
	}
	if s.Authz == nil {
		return fail(errcode.Forbidden, "roles are not available")
	}
	roles := s.Authz.Roles(callerOf(c).UserID, comune)
	if perms, viaUI := uiPermissionsOf(c); viaUI {
		if !slices.Contains(perms, temporalauth.Permission(workflows.Namespace(comune), temporalauth.RoleRead)) || !slices.Contains(roles, "TOP") {
			return fail(errcode.Forbidden, "this Web UI session does not open "+comune+"'s payloads")
		}
		return nil
	}
	if !slices.Contains(roles, "TOP") && !slices.Contains(roles, "ADMIN") {
		return fail(errcode.Forbidden, "only a TOP or ADMIN of "+comune+" may read its workflows' payloads")
	}
	return nil
}

func (s *Server) codecDecode(c *fiber.Ctx) error { return s.codecApply(c, decodeOp) }

func (s *Server) codecEncode(c *fiber.Ctx) error { return s.codecApply(c, encodeOp) }

type codecOp bool

const (
	decodeOp codecOp = false
	encodeOp codecOp = true
)

// codecApply runs the operation with the codec of the request's namespace: a payload bound to
// another Comune's namespace does not open, whatever the header says.
func (s *Server) codecApply(c *fiber.Ctx, op codecOp) error {
	if s.Codec == nil {
		return fail(errcode.NotFound, "no codec is configured")
	}
	if err := s.codecAllowed(c); err != nil {
		return err
	}
	ns := c.Get("X-Namespace")
	nc, err := s.Codec.ForNamespace(ns)
	if err != nil {
		return err
	}
	var in commonpb.Payloads
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(c.Body(), &in); err != nil {
		return fail(errcode.InvalidRequest, "the body must be {\"payloads\":[…]} as the Temporal codec protocol says")
	}
	f := nc.Decode
	if op == encodeOp {
		f = nc.Encode
	}
	out, err := f(in.GetPayloads())
	if err != nil {
		s.log.Warn("codec refused", "op", c.Path(), "namespace", ns, "user", callerOf(c).UserID, "error", err)
		return fail(errcode.InvalidRequest, "the payloads could not be processed with this namespace's keys")
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		return err
	}
	s.log.Info("codec", "op", c.Path(), "namespace", ns, "user", callerOf(c).UserID, "payloads", len(out))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
