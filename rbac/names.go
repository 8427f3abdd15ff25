package rbac

import (
	"strconv"
	"strings"

	"github.com/varco-anpr/varco/internal/store"
)

// Objects and actions of the role templates (policy.csv).
const (
	ObjAuditComune       = "audit:comune"
	ObjAuditEnte         = "audit:ente"
	ObjAuditOwn          = "audit:own"
	ObjAdminEnti         = "admin:enti"
	ObjAdminConvenzioni  = "admin:convenzioni"
	ObjAdminUsers        = "admin:users"
	ObjQuery             = "query" // with the e-service code as action: Can(u, c, ObjQuery, "C020")
	ObjAdminEventsComune = "admin:events:comune"
	ObjAdminEventsEnte   = "admin:events:ente"
	objUserPrefix        = "admin:user:" // + target role: see ObjUser
	ActRead              = "read"
	ActWrite             = "write"
	ActSuspend           = "suspend"
	ActRevoke            = "revoke"      // remove a grant
	ActCredentials       = "credentials" // reset a user's password
	profileAction        = "@profile"    // template action: "any service of the subject's profile"
	enteSeparator        = "@e:"
	userSubjectPrefix    = "u:"
	reservedActionPrefix = "@"
)

// Subject returns the Casbin subject of a user: "u:<id>".
func Subject(userID int64) string {
	return userSubjectPrefix + strconv.FormatInt(userID, 10)
}

// ObjUser is the template object of the grants (and users) of a role: "admin:user:ADMIN".
func ObjUser(role string) string { return objUserPrefix + role }

// RoleGrant is one role a user holds in a Comune, with the Ente it acts for (0 for TOP).
type RoleGrant struct {
	Role   string
	EnteID int64
}

// roleName is the Casbin role of a grant: "TOP", or "ADMIN@e:3" / "AUTORIZZATO@e:3". Keeping
// the Ente in the role name lets one user hold roles for several Enti in one Comune without
// their facts mixing, while the templates stay per base role (via g, ADMIN@e:3, ADMIN, dom).
func roleName(role string, enteID int64) string {
	if enteID == 0 {
		return role
	}
	return role + enteSeparator + strconv.FormatInt(enteID, 10)
}

// parseRole is the inverse of roleName; ok is false for names Varco does not write.
func parseRole(name string) (RoleGrant, bool) {
	base, ente, qualified := strings.Cut(name, enteSeparator)
	if !qualified {
		return RoleGrant{Role: base}, base == store.RoleTop
	}
	id, err := strconv.ParseInt(ente, 10, 64)
	if err != nil || id <= 0 || (base != store.RoleAdmin && base != store.RoleAutorizzato) {
		return RoleGrant{}, false
	}
	return RoleGrant{Role: base, EnteID: id}, true
}

// roleOrder sorts roles from the widest to the narrowest.
var roleOrder = map[string]int{store.RoleTop: 0, store.RoleAdmin: 1, store.RoleAutorizzato: 2}
