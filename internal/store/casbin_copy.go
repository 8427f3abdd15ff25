package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// casbinRulesCopy reads one or more Comuni's facts from PostgreSQL with COPY … TO STDOUT:
// one text stream instead of a protocol message per row, which halves the time of loading a
// Comune's policy (40,000 facts at 100 Comuni × 10,000 users).
func casbinRulesCopy(ctx context.Context, db *bun.DB, domains []string) ([]CasbinRule, error) {
	sel := db.NewSelect().Model((*CasbinRule)(nil)).Column("id", "ptype", "v0", "v1", "v2").
		Where("v2 IN (?)", bun.In(domains)).OrderExpr("v2, id")
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, classify("casbin rules", err)
	}
	defer conn.Close()
	var buf bytes.Buffer
	if _, err := pgdriver.CopyTo(ctx, conn, &buf, "COPY ("+sel.String()+") TO STDOUT"); err != nil {
		return nil, classify("casbin rules", err)
	}
	return parseCopiedRules(buf.Bytes())
}

// parseCopiedRules reads COPY's text format: tab-separated, newline-terminated, with
// backslash escapes.
func parseCopiedRules(data []byte) ([]CasbinRule, error) {
	out := make([]CasbinRule, 0, bytes.Count(data, []byte{'\n'}))
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		f := strings.Split(string(line), "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("store: casbin rules: malformed COPY row with %d fields", len(f))
		}
		id, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("store: casbin rules: bad id: %w", err)
		}
		out = append(out, CasbinRule{ID: id, PType: unescapeCopy(f[1]), V0: unescapeCopy(f[2]), V1: unescapeCopy(f[3]), V2: unescapeCopy(f[4])})
	}
	return out, nil
}

var copyUnescaper = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")

func unescapeCopy(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return copyUnescaper.Replace(s)
}
