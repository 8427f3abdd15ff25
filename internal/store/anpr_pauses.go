package store

import (
	"context"
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

// Pause pauses key until until, never shortening a longer pause already stored (a late 429 of
// a call started before midnight must not end today's pause early).
func (p AnprPauses) Pause(ctx context.Context, key string, until time.Time) error {
	_, err := p.DB.NewRaw(`INSERT INTO anpr_pauses (pause_key, paused_until) VALUES (?, ?)
		ON CONFLICT (pause_key) DO UPDATE SET paused_until = CASE
			WHEN EXCLUDED.paused_until > anpr_pauses.paused_until THEN EXCLUDED.paused_until
			ELSE anpr_pauses.paused_until END`, key, until.UTC()).Exec(ctx)
	return classify("anpr pause", err)
}
