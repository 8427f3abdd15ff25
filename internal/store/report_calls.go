package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// CalledOperations lists the idOperazioneClient of every record created in [from, to) that
// names a call to ANPR: what the reconciliation joins with the provider's side.
func CalledOperations(ctx context.Context, db bun.IDB, from, to time.Time) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*AuditRecord)(nil)).Column("id_operazione_client").
		Where("created_at >= ?", stamp(from)).Where("created_at < ?", stamp(to)).
		Where("id_operazione_client <> ''").Scan(ctx, &ids)
	if err != nil {
		return nil, classify("called operations", err)
	}
	return ids, nil
}
