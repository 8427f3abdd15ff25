package seal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/workflows"
)

func TestBatchSeal(t *testing.T) {
	s := signer(t, 1, "s1")
	v := verifier(t, s)
	in := s.SealBatch(workflows.BatchInput{BatchID: "bt-h501-1", UserID: 3, Comune: "H501", Service: "C020",
		Motivo: "verbali", ReceivedAt: t0, Deadline: t0.Add(time.Minute),
		Subjects: []workflows.BatchSubject{{Criteria: workflows.Criteria{IDANPR: "AB12345CD"}, Reference: "r1", Line: 2}}})
	if err := v.VerifyBatch(in, t0); err != nil {
		t.Fatalf("a sealed batch refused: %v", err)
	}
	// The cursor is not sealed: a continued run carries one.
	cont := in
	cont.Cursor = &workflows.BatchCursor{Next: 1}
	if err := v.VerifyBatch(cont, t0); err != nil {
		t.Fatalf("the cursor broke the seal: %v", err)
	}
	tests := []struct {
		name   string
		change func(*workflows.BatchInput)
		at     time.Time
		want   error
	}{
		{"another subject", func(b *workflows.BatchInput) {
			b.Subjects = []workflows.BatchSubject{{Criteria: workflows.Criteria{IDANPR: "ZZ12345CD"}, Reference: "r1", Line: 2}}
		}, t0, seal.ErrMismatch},
		{"another reference", func(b *workflows.BatchInput) {
			b.Subjects = []workflows.BatchSubject{{Criteria: workflows.Criteria{IDANPR: "AB12345CD"}, Reference: "r2", Line: 2}}
		}, t0, seal.ErrMismatch},
		{"another user", func(b *workflows.BatchInput) { b.UserID = 4 }, t0, seal.ErrMismatch},
		{"no seal", func(b *workflows.BatchInput) { b.Seal = "" }, t0, seal.ErrMissing},
		{"late", func(*workflows.BatchInput) {}, t0.Add(time.Minute), seal.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := in
			tt.change(&b)
			if err := v.VerifyBatch(b, tt.at); !errors.Is(err, tt.want) {
				t.Fatalf("VerifyBatch = %v, want %v", err, tt.want)
			}
		})
	}
	// A query's seal does not pass for a batch's.
	q := s.Seal(workflows.QueryInput{RequestID: "bt-h501-1", UserID: 3, Comune: "H501", Service: "C020", ReceivedAt: t0, Deadline: t0.Add(time.Minute)})
	b := in
	b.Seal = q.Seal
	if err := v.VerifyBatch(b, t0); !errors.Is(err, seal.ErrMismatch) {
		t.Fatalf("a query seal on a batch: %v", err)
	}
}
