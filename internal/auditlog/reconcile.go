package auditlog

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Call is one e-service call as the provider (ANPR, or the simulator in TEST) received it.
type Call struct {
	At                 time.Time `json:"at"`
	Service            string    `json:"service"`
	IDOperazioneClient string    `json:"idOperazioneClient"`
	GovWayID           string    `json:"govwayTransactionId,omitempty"`
}

// Reconciliation joins one day of calls with the audit: every call ANPR received must be
// named by a record. Unrecorded lists the calls no record names (a lost record, or a call the
// audit does not account for); Unseen the records naming a call the provider never logged.
type Reconciliation struct {
	Day        string   `json:"day"`
	Calls      int      `json:"calls"`
	Matched    int      `json:"matched"`
	Unrecorded []Call   `json:"unrecorded"`
	Unseen     []string `json:"unseen"`
}

// reconcileMargin widens the day's records: a request received just before midnight calls
// ANPR just after it.
const reconcileMargin = 10 * time.Minute

// Reconcile joins the calls of day (a Europe/Rome calendar day) with the records created that
// day. Calls are matched by the request part of their idOperazioneClient (OperationKey), so
// retried attempts of one request match its one record.
func Reconcile(ctx context.Context, db bun.IDB, day time.Time, calls []Call) (Reconciliation, error) {
	y, m, d := day.In(store.Rome()).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, store.Rome())
	to := from.AddDate(0, 0, 1)
	ids, err := store.CalledOperations(ctx, db, from.Add(-reconcileMargin), to.Add(reconcileMargin))
	if err != nil {
		return Reconciliation{}, fmt.Errorf("auditlog: reconcile: %w", err)
	}
	recorded := make(map[string]bool, len(ids))
	for _, id := range ids {
		recorded[OperationKey(id)] = true
	}
	r := Reconciliation{Day: from.Format(time.DateOnly), Unrecorded: []Call{}, Unseen: []string{}}
	seen := map[string]bool{}
	for _, c := range calls {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		r.Calls++
		k := OperationKey(c.IDOperazioneClient)
		seen[k] = true
		if recorded[k] {
			r.Matched++
		} else {
			r.Unrecorded = append(r.Unrecorded, c)
		}
	}
	own, err := store.CalledOperations(ctx, db, from, to)
	if err != nil {
		return Reconciliation{}, fmt.Errorf("auditlog: reconcile: %w", err)
	}
	for _, id := range own {
		k := OperationKey(id)
		if !seen[k] {
			// One entry per request, whatever its records (a C030 one too); a call just past
			// midnight is in the next day's list.
			seen[k] = true
			r.Unseen = append(r.Unseen, id)
		}
	}
	return r, nil
}

// OperationKey is the request part of an idOperazioneClient that Varco derived (26 digits
// followed by a 2-digit attempt: workflows.OperationID); any other id is its own key.
func OperationKey(id string) string {
	if len(id) != 28 {
		return id
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return id
		}
	}
	return id[:26]
}
