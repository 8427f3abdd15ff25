package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
)

func TestInsertAuditIsIdempotent(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := &store.AuditRecord{RequestID: "req-1", UserID: 7, EnteID: 3, ComuneCode: "H501",
			Service: "C020", Outcome: "ok", HTTPStatus: 200, SubjectHash: "ab12", DurationMS: 42}
		ins, err := insertAudit(ctx, db.DB, r)
		mustNoErr(t, err)
		if !ins || r.ID == 0 {
			t.Fatalf("first insert: inserted=%v id=%d", ins, r.ID)
		}
		again := &store.AuditRecord{RequestID: "req-1", Outcome: "different"}
		ins, err = insertAudit(ctx, db.DB, again)
		mustNoErr(t, err)
		if ins {
			t.Fatal("second insert of the same request ID reported inserted")
		}
		got, err := store.GetAudit(ctx, db.DB, "req-1")
		mustNoErr(t, err)
		if got.Outcome != "ok" || got.ID != r.ID || !got.CreatedAt.Equal(r.CreatedAt) || got.DurationMS != 42 {
			t.Fatalf("stored record changed or differs: %+v vs %+v", got, r)
		}
		_, err = store.GetAudit(ctx, db.DB, "nope")
		wantErr(t, err, store.ErrNotFound)
	})
}

// TestAuditConcurrentInserts: 32 writers at once must all succeed (the SQLITE_BUSY pitfall), and
// racing inserts of one request ID must store it exactly once.
func TestAuditConcurrentInserts(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const workers, each = 32, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*(each+1))
		var mu sync.Mutex
		winners := 0
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					r := &store.AuditRecord{RequestID: fmt.Sprintf("w%d-%d", w, i), ComuneCode: "H501", UserID: int64(w)}
					if _, err := insertAudit(ctx, db.DB, r); err != nil {
						errs <- err
					}
				}
				ins, err := insertAudit(ctx, db.DB, &store.AuditRecord{RequestID: "shared", ComuneCode: "H501"})
				if err != nil {
					errs <- err
				}
				if ins {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent insert: %v", err)
		}
		if winners != 1 {
			t.Fatalf("shared request ID inserted %d times", winners)
		}
		n, err := db.NewSelect().Model((*store.AuditRecord)(nil)).Count(ctx)
		mustNoErr(t, err)
		if n != workers*each+1 {
			t.Fatalf("rows = %d, want %d", n, workers*each+1)
		}
	})
}

// seedAudit writes records over two Comuni, two Enti and three users; several share one
// created_at so that the id tie-break matters.
func seedAudit(t *testing.T, db *store.DB) []store.AuditRecord {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var all []store.AuditRecord
	for i := range 60 {
		r := store.AuditRecord{
			RequestID:  fmt.Sprintf("r%03d", i),
			CreatedAt:  base.Add(time.Duration(i/3) * time.Minute), // triples share a timestamp
			ComuneCode: []string{"H501", "F205"}[i%2],
			EnteID:     int64(1 + i%4/2),
			UserID:     int64(10 + i%3),
			Service:    []string{"C020", "C021"}[i%5%2],
			Outcome:    []string{"ok", "denied", "error"}[i%7%3],
		}
		_, err := insertAudit(ctx, db.DB, &r)
		mustNoErr(t, err)
		all = append(all, r)
	}
	// Newest first, ties by id descending: the order ListAudit promises.
	slices.SortFunc(all, func(a, b store.AuditRecord) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return all
}

func ids(rs []store.AuditRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.RequestID
	}
	return out
}

func want(all []store.AuditRecord, keep func(store.AuditRecord) bool) []string {
	var out []store.AuditRecord
	for _, r := range all {
		if keep(r) {
			out = append(out, r)
		}
	}
	return ids(out)
}

// listAll follows cursors to the end, checking page sizes.
func listAll(t *testing.T, db *store.DB, q store.AuditQuery) []string {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not terminate")
		}
		page, next, err := store.ListAudit(context.Background(), db.DB, q)
		mustNoErr(t, err)
		if q.Limit > 0 && len(page) > q.Limit {
			t.Fatalf("page of %d > limit %d", len(page), q.Limit)
		}
		got = append(got, ids(page)...)
		if next == "" {
			return got
		}
		q.Cursor = next
	}
}

func TestListAudit(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		all := seedAudit(t, db)
		h501 := store.Scope{ComuneCode: "H501"}
		cases := []struct {
			name string
			q    store.AuditQuery
			keep func(store.AuditRecord) bool
		}{
			{"no scopes sees nothing", store.AuditQuery{}, func(store.AuditRecord) bool { return false }},
			{"empty scope sees nothing", store.AuditQuery{Scopes: []store.Scope{{}}}, func(store.AuditRecord) bool { return false }},
			{"TOP of H501", store.AuditQuery{Scopes: []store.Scope{h501}},
				func(r store.AuditRecord) bool { return r.ComuneCode == "H501" }},
			{"ADMIN of Ente 1 in H501", store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501", EnteID: 1}}},
				func(r store.AuditRecord) bool { return r.ComuneCode == "H501" && r.EnteID == 1 }},
			{"own records in F205", store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "F205", EnteID: 2, UserID: 11}}},
				func(r store.AuditRecord) bool { return r.ComuneCode == "F205" && r.EnteID == 2 && r.UserID == 11 }},
			{"OR of scopes", store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501", EnteID: 2}, {ComuneCode: "F205", UserID: 10}}},
				func(r store.AuditRecord) bool {
					return r.ComuneCode == "H501" && r.EnteID == 2 || r.ComuneCode == "F205" && r.UserID == 10
				}},
			{"filters narrow the scopes", store.AuditQuery{Scopes: []store.Scope{h501, {ComuneCode: "F205"}},
				Comune: "H501", Service: "C020", Outcome: "ok"},
				func(r store.AuditRecord) bool {
					return r.ComuneCode == "H501" && r.Service == "C020" && r.Outcome == "ok"
				}},
			{"ente and user filters", store.AuditQuery{Scopes: []store.Scope{h501, {ComuneCode: "F205"}}, EnteID: 2, UserID: 12},
				func(r store.AuditRecord) bool { return r.EnteID == 2 && r.UserID == 12 }},
			{"time window", store.AuditQuery{Scopes: []store.Scope{h501, {ComuneCode: "F205"}},
				From: all[40].CreatedAt, To: all[10].CreatedAt},
				func(r store.AuditRecord) bool {
					return !r.CreatedAt.Before(all[40].CreatedAt) && r.CreatedAt.Before(all[10].CreatedAt)
				}},
		}
		for _, tc := range cases {
			for _, limit := range []int{0, 1, 4, 7, 1000} {
				tc.q.Limit = limit
				got := listAll(t, db, tc.q)
				exp := want(all, tc.keep)
				if !slices.Equal(got, exp) {
					t.Errorf("%s, limit %d:\n got %v\nwant %v", tc.name, limit, got, exp)
				}
			}
		}
	})
}

func TestListAuditLimits(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedAudit(t, db)
		q := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}, {ComuneCode: "F205"}}}
		page, next, err := store.ListAudit(ctx, db.DB, q)
		mustNoErr(t, err)
		if len(page) != store.DefaultAuditLimit || next == "" {
			t.Fatalf("default page: %d records, next %q", len(page), next)
		}
		q.Cursor = "not a cursor!"
		_, _, err = store.ListAudit(ctx, db.DB, q)
		wantErr(t, err, store.ErrBadCursor)
	})
}

// insertAudit writes r through the audit's one write path (auditlog.Writer), which runs the
// statements these tests exercise.
func insertAudit(ctx context.Context, db bun.IDB, r *store.AuditRecord) (bool, error) {
	return (&auditlog.Writer{DB: db}).Insert(ctx, r)
}
