// Package activities implements the steps of the AnprQuery workflow: Authorize, CallANPR and
// WriteAudit. Each is a method of Activities, which holds only small interfaces, so the
// workflow's unit tests can replace any of them and the worker wires the real ones.
//
// Every failure an activity returns is a temporal ApplicationError whose type is a stable
// errcode: denials and bad input are non-retryable, and only transient ANPR failures retry.
package activities

import (
	"context"
	"encoding/json"
	"time"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// QueryAuthorizer decides whether a user may query a service in a Comune (rbac.Authorizer).
type QueryAuthorizer interface {
	AuthorizeQuery(ctx context.Context, userID int64, comune, service string, day time.Time) (rbac.Decision, error)
}

// Caller makes certified ANPR calls (anpr.Client).
type Caller interface {
	Call(ctx context.Context, p anpr.Profile, op anpr.Operator, req anpr.Request) (*anpr.Response, error)
	ResolveRequest(ctx context.Context, p anpr.Profile, op anpr.Operator, req anpr.Request) (string, anpr.Trace, []json.RawMessage, error)
}

// Profiles resolves a Comune's ANPR access profile and the operator identity to present.
type Profiles interface {
	Profile(ctx context.Context, comune string) (Profile, error)
}

// Profile is a Comune's ANPR access profile plus how it presents operators to ANPR.
type Profile struct {
	ANPR anpr.Profile
	// OperatorMode is "end-user" (the AUTORIZZATO is the ModI userID) or "comune-operator"
	// (the registry operator identifier the Comune configured).
	OperatorMode string
	OperatorID   string
}

// AuditWriter commits a request's audit record (auditlog.Writer); a second write of the same
// RequestID changes nothing and returns the record already committed.
type AuditWriter interface {
	Write(ctx context.Context, in workflows.AuditInput) (existing *store.AuditRecord, err error)
}

// Directory resolves what the ModI audit token says about an operator: the user's identifier
// (its username) and the Ente's default workstation.
type Directory interface {
	Username(ctx context.Context, userID int64) (string, error)
	DefaultWorkstation(ctx context.Context, enteID int64) (string, error)
}

// Activities is registered on the worker; its methods are the activities.
type Activities struct {
	Authz     QueryAuthorizer
	ANPR      Caller
	Profiles  Profiles
	Audit     AuditWriter
	Directory Directory
	Retention Purger // the audit's retention purge (system namespace only)
	// Seals checks that the API sealed a workflow's input, and Claims that no other run used
	// it: without both, Authorize refuses every request (fail closed).
	Seals  SealVerifier
	Claims RequestClaims
	// Batch runs batch queries (issue 16); nil on a worker that runs none.
	Batch *Batch
	// Now is the clock of the seal's deadline; nil is the system clock.
	Now clock.Clock

	runInfo func(context.Context) (workflowRun, bool) // tests only: nil reads the activity's info
}
