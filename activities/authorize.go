package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

// Authorize evaluates the query grant. A denial is a decision, not an error: the workflow
// audits it. Only an unreachable store is an error, and that one may be retried.
func (a *Activities) Authorize(ctx context.Context, in workflows.AuthorizeInput) (workflows.AuthorizeOutput, error) {
	d, err := a.Authz.AuthorizeQuery(ctx, in.UserID, in.Comune, in.Service, in.Day)
	if err != nil {
		return workflows.AuthorizeOutput{}, temporal.NewApplicationErrorWithCause(
			"authorization store unavailable", errcode.Unavailable, fmt.Errorf("authorize: %w", err))
	}
	return workflows.AuthorizeOutput{Allowed: d.Allowed, Reason: d.Reason, EnteID: d.EnteID}, nil
}
