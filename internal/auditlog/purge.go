package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
)

// PurgeAction is the admin event recording a retention purge (actor 0: the system).
const PurgeAction = "audit.purge"

// purgeRecord is the admin event's After: what went, and the checkpoint that keeps the rest
// verifiable. No personal data.
type purgeRecord struct {
	Before         time.Time `json:"before"`
	ThroughSeq     int64     `json:"throughSeq"`
	Removed        int       `json:"removed"`
	CheckpointHash string    `json:"checkpointHash"`
	KeyID          string    `json:"keyId"`
}

// Purge removes the Comune's records created before `before` — the longest prefix of the
// chain that is all older (see store.PurgeBound) — and returns how many went. In one
// transaction it first signs a checkpoint at the last record removed, so Verify accepts the
// chain starting after it, then deletes, then records an "audit.purge" admin event. A purge
// that fails is recorded too, outside the rolled-back transaction.
func Purge(ctx context.Context, db bun.IDB, comune string, before time.Time, signer *Signer) (int, error) {
	if signer == nil {
		return 0, errors.New("auditlog: purge: no checkpoint key configured (without a checkpoint the rest of the chain would not verify)")
	}
	removed := 0
	err := store.Tx(ctx, db, func(tx bun.Tx) error {
		removed = 0
		through, err := store.PurgeBound(ctx, tx, comune, before)
		if err != nil || through == 0 {
			return err
		}
		last, err := store.AuditAt(ctx, tx, comune, through)
		if errors.Is(err, store.ErrNotFound) {
			return nil // an earlier purge already went this far
		}
		if err != nil {
			return err
		}
		cp := signer.Sign(comune, through, last.Hash, clock.System())
		if _, err := store.InsertCheckpoint(ctx, tx, &cp); err != nil {
			return err
		}
		if removed, err = store.DeleteAuditThrough(ctx, tx, comune, through, before); err != nil {
			return err
		}
		after, _ := json.Marshal(purgeRecord{Before: before.UTC(), ThroughSeq: through, Removed: removed,
			CheckpointHash: last.Hash, KeyID: signer.KeyID()})
		return store.InsertAdminEvent(ctx, tx, &store.AdminEvent{Comune: comune, Action: PurgeAction,
			ObjectType: "audit_events", ObjectID: strconv.FormatInt(through, 10), After: string(after), Outcome: store.AdminOK})
	})
	if err != nil {
		failed := &store.AdminEvent{Comune: comune, Action: PurgeAction, ObjectType: "audit_events",
			Outcome: store.AdminFailed, ErrorCode: "purge_failed"}
		return 0, errors.Join(fmt.Errorf("auditlog: purge %s: %w", comune, err), store.InsertAdminEvent(ctx, db, failed))
	}
	return removed, nil
}

// Cutoff is the first instant a Comune keeping `months` months of audit keeps at now: the
// same wall-clock time, months earlier, in Europe/Rome.
func Cutoff(now time.Time, months int) time.Time {
	return now.In(store.Rome()).AddDate(0, -months, 0)
}

// PurgeExpired applies every Comune's retention (comuni.audit_retention_months) at now and
// signs each Comune's head, so that Comuni too quiet to reach a periodic checkpoint get one
// per run. It returns the records removed per Comune and keeps going past a failing Comune
// (the errors are joined). The retention Schedule calls it.
func PurgeExpired(ctx context.Context, db bun.IDB, now time.Time, signer *Signer) (map[string]int, error) {
	ret, err := store.AuditRetentions(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("auditlog: purge expired: %w", err)
	}
	codes := make([]string, 0, len(ret))
	for c := range ret {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	purged := make(map[string]int, len(codes))
	var errs []error
	for _, c := range codes {
		n, err := Purge(ctx, db, c, Cutoff(now, ret[c]), signer)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		purged[c] = n
		if _, err := CheckpointHead(ctx, db, c, signer, now); err != nil {
			errs = append(errs, err)
		}
	}
	return purged, errors.Join(errs...)
}

// Retention binds PurgeExpired to a database and key: it implements activities.Purger, for
// the retention Schedule's activity.
type Retention struct {
	DB     bun.IDB
	Signer *Signer
}

// PurgeExpired implements activities.Purger.
func (r Retention) PurgeExpired(ctx context.Context, now time.Time) (map[string]int, error) {
	return PurgeExpired(ctx, r.DB, now, r.Signer)
}
