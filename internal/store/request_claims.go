package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RequestClaims records which workflow run first used each sealed request id (the workflow
// input's seal, internal/seal). It implements activities.RequestClaims.
type RequestClaims struct{ DB bun.IDB }

// ClaimState is what a claim found.
type ClaimState int

const (
	// ClaimTaken: another run holds the request id (a replay).
	ClaimTaken ClaimState = iota
	// ClaimNew: this run has just claimed it.
	ClaimNew
	// ClaimHeld: this run claimed it before (its workflow task is being retried).
	ClaimHeld
)

// Claim binds requestID to runID unless another run holds it: ok is true for the first run
// and for the same run again (a retried or replayed local activity), false for any other.
func (c RequestClaims) Claim(ctx context.Context, requestID, runID string, at time.Time) (ok bool, err error) {
	st, err := c.ClaimState(ctx, requestID, runID, at)
	return st != ClaimTaken, err
}

// ClaimState claims requestID for runID and tells how it went.
func (c RequestClaims) ClaimState(ctx context.Context, requestID, runID string, at time.Time) (ClaimState, error) {
	if requestID == "" || runID == "" {
		return ClaimTaken, fmt.Errorf("store: claim request: id and run are required")
	}
	res, err := c.DB.NewRaw(`INSERT INTO request_claims (request_id, run_id, claimed_at) VALUES (?, ?, ?)
		ON CONFLICT (request_id) DO NOTHING`, requestID, runID, stamp(at)).Exec(ctx)
	if err != nil {
		return ClaimTaken, classify("claim request", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return ClaimNew, nil
	}
	holder, err := c.HeldBy(ctx, requestID)
	if err != nil || holder != runID {
		return ClaimTaken, err
	}
	return ClaimHeld, nil
}

// MarkCalled records, for the run holding requestID, that a call named operationID is about
// to reach ANPR.
func (c RequestClaims) MarkCalled(ctx context.Context, requestID, runID, operationID string, at time.Time) error {
	_, err := c.DB.NewRaw("UPDATE request_claims SET operation_id = ?, called_at = ? WHERE request_id = ? AND run_id = ?",
		operationID, stamp(at), requestID, runID).Exec(ctx)
	return classify("mark request called", err)
}

// CalledOperation is the operation id of the last call runID marked for requestID, "" if none.
func (c RequestClaims) CalledOperation(ctx context.Context, requestID, runID string) (string, error) {
	var op []string
	err := c.DB.NewRaw("SELECT operation_id FROM request_claims WHERE request_id = ? AND run_id = ? AND called_at IS NOT NULL",
		requestID, runID).Scan(ctx, &op)
	if err != nil {
		return "", classify("request claim", err)
	}
	if len(op) == 0 {
		return "", nil
	}
	return op[0], nil
}

// HeldBy returns the run holding requestID, "" when none does.
func (c RequestClaims) HeldBy(ctx context.Context, requestID string) (string, error) {
	var holder []string
	if err := c.DB.NewRaw("SELECT run_id FROM request_claims WHERE request_id = ?", requestID).Scan(ctx, &holder); err != nil {
		return "", classify("request claim", err)
	}
	if len(holder) == 0 {
		return "", nil
	}
	return holder[0], nil
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
