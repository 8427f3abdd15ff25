package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// AnprPauses keeps the ANPR quota pauses (anpr.PauseStore) in the database, so a 429
// LimitExceeded seen by one worker pauses the pair on every worker. anpr.CachedPauses fronts
// it, so calls do not read it one by one.
type AnprPauses struct {
	DB bun.IDB
}

// PausedUntil returns the end of key's pause, or the zero time.
func (p AnprPauses) PausedUntil(ctx context.Context, key string) (time.Time, error) {
	var until []time.Time
	err := p.DB.NewRaw("SELECT paused_until FROM anpr_pauses WHERE pause_key = ?", key).Scan(ctx, &until)
	if err != nil {
		return time.Time{}, classify("anpr pause", err)
	}
	if len(until) == 0 {
		return time.Time{}, nil
	}
	return until[0], nil
}

// ClearClient ends every pause of a PDND client (keys "<client id>/<purposeId>") and reports
// how many there were. Only the TEST environment uses it: after the simulator's quota is
// reset, its Comune may call again before midnight.
func (p AnprPauses) ClearClient(ctx context.Context, clientID string) (int64, error) {
	res, err := p.DB.NewRaw("DELETE FROM anpr_pauses WHERE pause_key LIKE ? ESCAPE '\\'", likePrefix(clientID+"/")).Exec(ctx)
	if err != nil {
		return 0, classify("clear anpr pauses", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// likePrefix is a LIKE pattern matching strings that start with s, its wildcards escaped.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
}

// Pause pauses key until until, never shortening a longer pause already stored (a late 429 of
// a call started before midnight must not end today's pause early).
func (p AnprPauses) Pause(ctx context.Context, key string, until time.Time) error {
	_, err := p.DB.NewRaw(`INSERT INTO anpr_pauses (pause_key, paused_until) VALUES (?, ?)
		ON CONFLICT (pause_key) DO UPDATE SET paused_until = CASE
			WHEN EXCLUDED.paused_until > anpr_pauses.paused_until THEN EXCLUDED.paused_until
			ELSE anpr_pauses.paused_until END`, key, until.UTC()).Exec(ctx)
	return classify("anpr pause", err)
}
