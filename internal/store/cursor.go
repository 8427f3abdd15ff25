package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadCursor: the cursor was not produced by ListAudit.
var ErrBadCursor = fmt.Errorf("store: bad cursor")

// cursor is the position after the last record of a page. Opaque to clients: base64url of
// "<created_at unix µs>.<id>"; µs because that is what both databases store.
type cursor struct {
	createdAt time.Time
	id        int64
}

func encodeCursor(c cursor) string {
	raw := strconv.FormatInt(c.createdAt.UnixMicro(), 10) + "." + strconv.FormatInt(c.id, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	ts, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return cursor{}, ErrBadCursor
	}
	us, err1 := strconv.ParseInt(ts, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil {
		return cursor{}, ErrBadCursor
	}
	return cursor{createdAt: time.UnixMicro(us).UTC(), id: n}, nil
}
