package store

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Thresholds of unusual activity, documented in docs/monitoring.md.
const (
	// A user's day is unusual when its count exceeds VolumeFactor × the median of the user's
	// previous VolumeHistoryDays calendar days (days without requests count as 0) AND exceeds
	// VolumeMinimum, so that quiet users are not flagged for a handful of requests.
	VolumeFactor      = 3
	VolumeMinimum     = 20
	VolumeHistoryDays = 30
	// Looking up more than SubjectsMaximum distinct subjects within SubjectsWindow is unusual:
	// an operator works a case at a time, a scraper walks a list.
	SubjectsMaximum = 50
	SubjectsWindow  = time.Hour
)

// Kinds of Anomaly.
const (
	AnomalyVolume   = "volume"
	AnomalySubjects = "subjects"
)

// Anomaly is one flag of unusual activity by one user in one Comune. For AnomalyVolume, Day,
// Count and Median are set; for AnomalySubjects, From and To bound the episode (the first and
// last record of the 1-hour windows above the threshold) and Count is the largest number of
// distinct subjects seen in one window.
type Anomaly struct {
	Kind   string    `json:"kind"`
	Comune string    `json:"comune"`
	UserID int64     `json:"userId"`
	Day    string    `json:"day,omitempty"`
	From   time.Time `json:"from,omitzero"`
	To     time.Time `json:"to,omitzero"`
	Count  int64     `json:"count"`
	Median float64   `json:"median,omitempty"`
}

type userKey struct {
	comune string
	user   int64
}

// AuditAnomalies flags unusual activity among the records q selects in [q.From, q.To), which
// must both be set. The volume check also reads the VolumeHistoryDays before q.From.
func AuditAnomalies(ctx context.Context, db bun.IDB, q AuditQuery) ([]Anomaly, error) {
	out := []Anomaly{}
	scopes := validScopes(q.Scopes)
	if len(scopes) == 0 {
		return out, nil
	}
	vol, err := volumeAnomalies(ctx, db, q, scopes)
	if err != nil {
		return nil, err
	}
	subj, err := subjectAnomalies(ctx, db, q, scopes)
	if err != nil {
		return nil, err
	}
	return append(append(out, vol...), subj...), nil
}

type userHour struct {
	Comune string `bun:"comune_code"`
	UserID int64  `bun:"user_id"`
	Hour   int64  `bun:"hour"`
	Count  int64  `bun:"count"`
}

func volumeAnomalies(ctx context.Context, db bun.IDB, q AuditQuery, scopes []Scope) ([]Anomaly, error) {
	firstDay := Day(q.From)
	hist := q
	hist.From = time.Date(firstDay.Year(), firstDay.Month(), firstDay.Day()-VolumeHistoryDays, 0, 0, 0, 0, rome)
	h := hourBucket(db)
	var rows []userHour
	sel := db.NewSelect().TableExpr("audit_events").
		Column("comune_code", "user_id").ColumnExpr(h + " AS hour").ColumnExpr("COUNT(*) AS count")
	sel = whereFilters(whereScopes(sel, scopes), hist)
	if err := sel.Group("comune_code", "user_id").GroupExpr(h).Scan(ctx, &rows); err != nil {
		return nil, classify("audit anomalies by volume", err)
	}
	days := map[userKey]map[string]int64{}
	for _, r := range rows {
		k := userKey{r.Comune, r.UserID}
		if days[k] == nil {
			days[k] = map[string]int64{}
		}
		days[k][RomeDayOfHour(r.Hour)] += r.Count
	}
	lastDay := Day(q.To.Add(-time.Microsecond)) // To is exclusive
	var out []Anomaly
	for k, perDay := range days {
		for d := firstDay; !d.After(lastDay); d = d.AddDate(0, 0, 1) {
			n := perDay[d.Format(time.DateOnly)]
			if n <= VolumeMinimum {
				continue
			}
			med := medianBefore(perDay, d)
			if float64(n) > VolumeFactor*med {
				out = append(out, Anomaly{Kind: AnomalyVolume, Comune: k.comune, UserID: k.user,
					Day: d.Format(time.DateOnly), Count: n, Median: med})
			}
		}
	}
	slices.SortFunc(out, func(a, b Anomaly) int { return compareAnomalies(a, b) })
	return out, nil
}

// medianBefore is the median of the daily counts of the VolumeHistoryDays days before d.
func medianBefore(perDay map[string]int64, d time.Time) float64 {
	counts := make([]int64, VolumeHistoryDays)
	for i := range VolumeHistoryDays {
		counts[i] = perDay[d.AddDate(0, 0, -1-i).Format(time.DateOnly)]
	}
	slices.Sort(counts)
	mid := len(counts) / 2
	if len(counts)%2 == 1 {
		return float64(counts[mid])
	}
	return float64(counts[mid-1]+counts[mid]) / 2
}

type userTotal struct {
	Comune string `bun:"comune_code"`
	UserID int64  `bun:"user_id"`
	Count  int64  `bun:"count"`
}

// subjectAnomalies first counts each user's records with a subject: a user with no more than
// SubjectsMaximum cannot exceed it, so only the others' records are read, one user at a time.
func subjectAnomalies(ctx context.Context, db bun.IDB, q AuditQuery, scopes []Scope) ([]Anomaly, error) {
	var users []userTotal
	sel := db.NewSelect().TableExpr("audit_events").
		Column("comune_code", "user_id").ColumnExpr("COUNT(*) AS count").Where("subject_hash <> ''")
	sel = whereFilters(whereScopes(sel, scopes), q)
	if err := sel.Group("comune_code", "user_id").Having("COUNT(*) > ?", SubjectsMaximum).Scan(ctx, &users); err != nil {
		return nil, classify("audit anomalies by subjects", err)
	}
	var out []Anomaly
	for _, u := range users {
		var recs []AuditRecord
		sel := db.NewSelect().Model(&recs).Column("id", "created_at", "subject_hash").
			Where("comune_code = ?", u.Comune).Where("user_id = ?", u.UserID).Where("subject_hash <> ''")
		sel = whereFilters(whereScopes(sel, scopes), q)
		if err := sel.OrderExpr("created_at, id").Scan(ctx); err != nil {
			return nil, classify("audit anomalies by subjects", err)
		}
		out = append(out, subjectEpisodes(u.Comune, u.UserID, recs)...)
	}
	slices.SortFunc(out, func(a, b Anomaly) int { return compareAnomalies(a, b) })
	return out, nil
}

// subjectEpisodes slides a SubjectsWindow window over recs (oldest first) and merges the
// overlapping windows with more than SubjectsMaximum distinct subjects into one flag each.
func subjectEpisodes(comune string, user int64, recs []AuditRecord) []Anomaly {
	var out []Anomaly
	seen := map[string]int{} // subject → records in the window
	start := 0
	for end := range recs {
		seen[recs[end].SubjectHash]++
		for recs[end].CreatedAt.Sub(recs[start].CreatedAt) >= SubjectsWindow {
			s := recs[start].SubjectHash
			if seen[s]--; seen[s] == 0 {
				delete(seen, s)
			}
			start++
		}
		n := int64(len(seen))
		if n <= SubjectsMaximum {
			continue
		}
		if last := len(out) - 1; last >= 0 && !recs[start].CreatedAt.After(out[last].To) {
			out[last].To = recs[end].CreatedAt
			out[last].Count = max(out[last].Count, n)
			continue
		}
		out = append(out, Anomaly{Kind: AnomalySubjects, Comune: comune, UserID: user,
			From: recs[start].CreatedAt, To: recs[end].CreatedAt, Count: n})
	}
	return out
}

func compareAnomalies(a, b Anomaly) int {
	if a.Comune != b.Comune {
		return compareKeys(a.Comune, b.Comune)
	}
	if a.UserID != b.UserID {
		return int(a.UserID - b.UserID)
	}
	if a.Day != b.Day {
		return compareKeys(a.Day, b.Day)
	}
	return a.From.Compare(b.From)
}
