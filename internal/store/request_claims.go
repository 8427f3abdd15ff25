package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RequestClaims records, for each sealed request id (internal/seal), the workflow run that
// called ANPR for it and the call's operation id, written just before the call. Authorize
// reads it: another run holding the id is a replay; this run holding it means the run's task
// is being retried after a worker crash, with a call already sent. It implements
// activities.RequestClaims.
type RequestClaims struct{ DB bun.IDB }

// Claim is who holds a request id: RunID "" when no run has called ANPR for it.
type Claim struct {
	RunID       string
	OperationID string
}

// Get reads the claim of requestID.
func (c RequestClaims) Get(ctx context.Context, requestID string) (Claim, error) {
	var rows []struct {
		RunID       string `bun:"run_id"`
		OperationID string `bun:"operation_id"`
	}
	err := c.DB.NewRaw("SELECT run_id, operation_id FROM request_claims WHERE request_id = ?", requestID).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return Claim{}, classify("request claim", err)
	}
	return Claim{RunID: rows[0].RunID, OperationID: rows[0].OperationID}, nil
}

// ClaimCall binds requestID to runID and records the call operationID about to reach ANPR,
// in one statement: ok is false, and nothing changes, when another run holds the id.
func (c RequestClaims) ClaimCall(ctx context.Context, requestID, runID, operationID string, at time.Time) (ok bool, err error) {
	if requestID == "" || runID == "" {
		return false, fmt.Errorf("store: claim request: id and run are required")
	}
	at = stamp(at)
	res, err := c.DB.NewRaw(`INSERT INTO request_claims (request_id, run_id, claimed_at, operation_id, called_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (request_id) DO UPDATE SET operation_id = EXCLUDED.operation_id, called_at = EXCLUDED.called_at
		WHERE request_claims.run_id = EXCLUDED.run_id`, requestID, runID, at, operationID, at).Exec(ctx)
	return affectedOne("claim request", res, err)
}

// PurgeBefore removes the claims made before t and returns how many went.
func (c RequestClaims) PurgeBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := c.DB.NewRaw("DELETE FROM request_claims WHERE claimed_at < ?", stamp(t)).Exec(ctx)
	if err != nil {
		return 0, classify("purge request claims", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
