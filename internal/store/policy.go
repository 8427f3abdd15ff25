package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// BumpPolicyVersion increments the policy version and returns the new value. Call it first in
// a transaction that changes grants, profiles or suspensions: besides telling replicas to
// reload, its row lock serialises such transactions on PostgreSQL, so checks like "the last
// TOP of a Comune" read a settled state.
func BumpPolicyVersion(ctx context.Context, db bun.IDB) (int64, error) {
	var v int64
	err := db.NewRaw("UPDATE policy_version SET version = version + 1 WHERE id = 1 RETURNING version").Scan(ctx, &v)
	if err != nil {
		return 0, classify("bump policy version", err)
	}
	return v, nil
}

// PolicyVersion returns the current policy version.
func PolicyVersion(ctx context.Context, db bun.IDB) (int64, error) {
	var v int64
	if err := db.NewRaw("SELECT version FROM policy_version WHERE id = 1").Scan(ctx, &v); err != nil {
		return 0, classify("policy version", err)
	}
	return v, nil
}

// QuotaLimit is one daily quota to consume: Scope names the counter ("grant:7",
// "convenzione:3"), Limit is the allowed number per day (0 = unlimited, but still counted).
type QuotaLimit struct {
	Scope string
	Limit int
}

// GrantQuotaScope and ConvenzioneQuotaScope name the counters of a grant and a convenzione.
func GrantQuotaScope(id int64) string       { return "grant:" + strconv.FormatInt(id, 10) }
func ConvenzioneQuotaScope(id int64) string { return "convenzione:" + strconv.FormatInt(id, 10) }

// quotaDay is the counter key of a day: its Europe/Rome date.
func quotaDay(day time.Time) string { return Day(day).Format(time.DateOnly) }

// unlimited is the ceiling an unlimited scope is counted under: no day reaches it.
const unlimited = math.MaxInt32

// ConsumeQuota counts one use against every scope on the day, atomically: when any counter
// would pass its limit, nothing is counted and exceeded names that scope. Unlimited scopes are
// counted too, so that a limit set at noon applies to the whole day's calls, as the daily
// quota an operator was told about says ("n calls a day"), not to the calls after noon. The
// upsert is atomic in both databases, so replicas sharing the database agree on the count.
func ConsumeQuota(ctx context.Context, db bun.IDB, day time.Time, limits []QuotaLimit) (exceeded string, err error) {
	d := quotaDay(day)
	switch len(limits) {
	case 0:
		return "", nil
	case 1:
		// One counter needs no transaction: a conditional upsert counts the use only while the
		// count is under the limit, atomically, in one round trip.
		ok, err := incrementQuotaUnder(ctx, db, limits[0], d)
		if err != nil || ok {
			return "", err
		}
		return limits[0].Scope, nil
	}
	err = Tx(ctx, db, func(tx bun.Tx) error {
		for _, l := range limits {
			ok, err := incrementQuotaUnder(ctx, tx, l, d)
			if err != nil {
				return err
			}
			if !ok {
				exceeded = l.Scope
				return errQuotaRollback // uncount the scopes counted before this one
			}
		}
		return nil
	})
	if err == errQuotaRollback {
		return exceeded, nil
	}
	return "", err
}

// errQuotaRollback rolls the counting transaction back; never returned to callers.
var errQuotaRollback = fmt.Errorf("store: quota exceeded")

// incrementQuotaUnder counts one use of l's scope unless the count has reached l.Limit; ok
// reports whether it counted. When the count is at the limit the update's WHERE is false and
// the statement returns no row (PostgreSQL and SQLite alike).
func incrementQuotaUnder(ctx context.Context, db bun.IDB, l QuotaLimit, day string) (bool, error) {
	limit := l.Limit
	if limit <= 0 {
		limit = unlimited
	}
	var n []int64
	err := db.NewRaw(`INSERT INTO quota_counters (scope, day, count) VALUES (?, ?, 1)
		ON CONFLICT (scope, day) DO UPDATE SET count = quota_counters.count + 1
		WHERE quota_counters.count < ? RETURNING count`, l.Scope, day, limit).Scan(ctx, &n)
	if err != nil {
		return false, classify("consume quota", err)
	}
	return len(n) == 1, nil
}

// QuotaUsed returns how many uses the scope counted on the day.
func QuotaUsed(ctx context.Context, db bun.IDB, scope string, day time.Time) (int64, error) {
	var n []int64
	err := db.NewRaw("SELECT count FROM quota_counters WHERE scope = ? AND day = ?", scope, quotaDay(day)).Scan(ctx, &n)
	if err != nil {
		return 0, classify("quota used", err)
	}
	if len(n) == 0 {
		return 0, nil
	}
	return n[0], nil
}

// TouchPolicyDomain records that the transaction bumping the policy to version changes the
// Comune's policy (its grants or profiles). Call it in that transaction, after
// BumpPolicyVersion.
func TouchPolicyDomain(ctx context.Context, db bun.IDB, comune string, version int64) error {
	_, err := db.NewRaw(`INSERT INTO policy_domains (comune_code, version) VALUES (?, ?)
		ON CONFLICT (comune_code) DO UPDATE SET version = EXCLUDED.version`, comune, version).Exec(ctx)
	return classify("touch policy domain", err)
}

// PolicyDomainsChangedAfter returns the Comuni whose policy changed in a version after the
// given one.
func PolicyDomainsChangedAfter(ctx context.Context, db bun.IDB, version int64) ([]string, error) {
	var out []string
	err := db.NewRaw("SELECT comune_code FROM policy_domains WHERE version > ? ORDER BY comune_code", version).Scan(ctx, &out)
	if err != nil {
		return nil, classify("policy domains changed", err)
	}
	return out, nil
}
