package store

import (
	"context"
	"time"
)

// QuotaUse is one Comune's use of its capped daily quotas of one kind of scope (grant or
// convenzione) on a day: the uses counted, the sum of the caps, and how many scopes are at
// their cap. Scopes without a cap are left out: they have nothing to be used against.
type QuotaUse struct {
	Comune    string `bun:"comune"`
	Scope     string `bun:"scope"`
	Used      int64  `bun:"used"`
	Cap       int64  `bun:"cap"`
	Exhausted int64  `bun:"exhausted"`
}

// QuotaUsage reads the day's quota use per Comune and scope kind, for the metrics. The scope
// names are those of GrantQuotaScope and ConvenzioneQuotaScope ('grant:' || id concatenates
// the same way in SQLite and PostgreSQL).
func QuotaUsage(ctx context.Context, db *DB, day time.Time) ([]QuotaUse, error) {
	var out []QuotaUse
	err := db.NewRaw(`
		SELECT g.comune_code AS comune, 'grant' AS scope, COALESCE(SUM(q.count), 0) AS used,
			SUM(g.daily_quota) AS cap, SUM(CASE WHEN q.count >= g.daily_quota THEN 1 ELSE 0 END) AS exhausted
		FROM grants g LEFT JOIN quota_counters q ON q.scope = 'grant:' || g.id AND q.day = ?
		WHERE g.daily_quota > 0 GROUP BY g.comune_code
		UNION ALL
		SELECT c.comune_code AS comune, 'convenzione' AS scope, COALESCE(SUM(q.count), 0) AS used,
			SUM(c.daily_quota) AS cap, SUM(CASE WHEN q.count >= c.daily_quota THEN 1 ELSE 0 END) AS exhausted
		FROM convenzioni c LEFT JOIN quota_counters q ON q.scope = 'convenzione:' || c.id AND q.day = ?
		WHERE c.daily_quota > 0 GROUP BY c.comune_code`, quotaDay(day), quotaDay(day)).Scan(ctx, &out)
	if err != nil {
		return nil, classify("quota usage", err)
	}
	return out, nil
}
