package auditlog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Anchors are signed checkpoints kept outside the database (a file the auditor archives, a
// timestamping service…). Checkpoints in the database protect against someone who can rewrite
// it but not sign; an anchor also protects, up to its seq, against someone who holds the
// signing key as well: they can re-sign a rewritten chain, not the copies they cannot reach.

// Anchor outcomes; AnchorHolds and AnchorPurged are not failures.
const (
	AnchorHolds  = "holds"  // the record at the anchor's seq still has the anchored hash
	AnchorPurged = "purged" // the record was removed by the retention purge: nothing left to compare
)

// Anchor is one anchored checkpoint as `varco audit anchor` prints it, one JSON object a line.
type Anchor struct {
	Comune    string    `json:"comune"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	SignedAt  time.Time `json:"signedAt"`
	Signature string    `json:"signature"`
	KeyID     string    `json:"keyId"`
}

func anchorOf(cp *store.AuditCheckpoint) Anchor {
	return Anchor{Comune: cp.Comune, Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.SignedAt,
		Signature: cp.Signature, KeyID: cp.KeyID}
}

func (a Anchor) checkpoint() *store.AuditCheckpoint {
	return &store.AuditCheckpoint{Comune: a.Comune, Seq: a.Seq, Hash: a.Hash, SignedAt: a.SignedAt,
		Signature: a.Signature, KeyID: a.KeyID}
}

// AnchorHead signs the Comune's current head (as a checkpoint, also stored) and returns it as
// an anchor to keep elsewhere; ok is false when the Comune has no records.
func AnchorHead(ctx context.Context, db bun.IDB, comune string, signer *Signer, now time.Time) (Anchor, bool, error) {
	cp, err := CheckpointHead(ctx, db, comune, signer, now)
	if err != nil || cp == nil {
		return Anchor{}, false, err
	}
	return anchorOf(cp), true, nil
}

// ReadAnchors reads anchors, one JSON object per line (blank lines skipped).
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var a Anchor
		if err := json.Unmarshal(line, &a); err != nil || a.Comune == "" || a.Seq <= 0 {
			return nil, fmt.Errorf("auditlog: anchors line %d: not an anchor", n)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// AnchorResult is what CheckAnchor found; Outcome is AnchorHolds, AnchorPurged or one of the
// Verify problems (BadSignature, CheckpointMismatch, Truncated).
type AnchorResult struct {
	Comune  string `json:"comune"`
	Seq     int64  `json:"seq"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// OK reports whether the anchor is consistent with the database.
func (r AnchorResult) OK() bool { return r.Outcome == AnchorHolds || r.Outcome == AnchorPurged }

// CheckAnchor checks an anchor against the database: its signature (current or retired key),
// then the record at its seq, which must still have the anchored hash. A record after the
// chain's head is a truncation; one before the first record left by the purge is reported
// purged.
func CheckAnchor(ctx context.Context, db bun.IDB, signer *Signer, a Anchor) (AnchorResult, error) {
	res := AnchorResult{Comune: a.Comune, Seq: a.Seq}
	if err := signer.Check(a.checkpoint()); err != nil {
		res.Outcome, res.Detail = BadSignature, "the anchor itself: "+err.Error()
		return res, nil
	}
	rec, err := store.AuditAt(ctx, db, a.Comune, a.Seq)
	switch {
	case err == nil && rec.Hash == a.Hash:
		res.Outcome = AnchorHolds
	case err == nil:
		res.Outcome = CheckpointMismatch
		res.Detail = fmt.Sprintf("anchored hash %s, the record now has %s: the chain was rewritten at or before this seq", short(a.Hash), short(rec.Hash))
	case errors.Is(err, store.ErrNotFound):
		return missingAnchored(ctx, db, res)
	default:
		return res, fmt.Errorf("auditlog: check anchor: %w", err)
	}
	return res, nil
}

// missingAnchored tells a truncation (the anchored record is past the current head) from a
// retention purge (the record is before the first one left).
func missingAnchored(ctx context.Context, db bun.IDB, res AnchorResult) (AnchorResult, error) {
	head, err := store.GetChainHead(ctx, db, res.Comune)
	if err != nil {
		return res, fmt.Errorf("auditlog: check anchor: %w", err)
	}
	if res.Seq > head.Seq {
		res.Outcome = Truncated
		res.Detail = fmt.Sprintf("the chain ends at seq %d, before the anchored record", head.Seq)
		return res, nil
	}
	first, err := store.AuditChainPage(ctx, db, res.Comune, 0, head.Seq, 1)
	if err != nil {
		return res, fmt.Errorf("auditlog: check anchor: %w", err)
	}
	if len(first) == 0 || first[0].Seq > res.Seq {
		res.Outcome, res.Detail = AnchorPurged, "removed by the retention purge"
		return res, nil
	}
	res.Outcome, res.Detail = Gap, "the anchored record is missing from the middle of the chain"
	return res, nil
}
