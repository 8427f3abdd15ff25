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

// Claim binds requestID to runID unless another run holds it: ok is true for the first run
// and for the same run again (a retried or replayed local activity), false for any other.
func (c RequestClaims) Claim(ctx context.Context, requestID, runID string, at time.Time) (ok bool, err error) {
	if requestID == "" || runID == "" {
		return false, fmt.Errorf("store: claim request: id and run are required")
	}
	res, err := c.DB.NewRaw(`INSERT INTO request_claims (request_id, run_id, claimed_at) VALUES (?, ?, ?)
		ON CONFLICT (request_id) DO NOTHING`, requestID, runID, stamp(at)).Exec(ctx)
	if err != nil {
		return false, classify("claim request", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return true, nil
	}
	holder, err := c.HeldBy(ctx, requestID)
	return err == nil && holder == runID, err
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
