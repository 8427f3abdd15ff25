package seal_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/edkeys"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/workflows"
)

func signer(t *testing.T, b byte, id string) *seal.Signer {
	t.Helper()
	s, err := seal.NewSigner(bytes.Repeat([]byte{b}, ed25519.SeedSize), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func verifier(t *testing.T, signers ...*seal.Signer) *seal.Verifier {
	t.Helper()
	keys := map[string]ed25519.PublicKey{}
	for _, s := range signers {
		id, pub := s.Public()
		keys[id] = pub
	}
	v, err := seal.NewVerifier(keys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func input() workflows.QueryInput {
	return workflows.QueryInput{
		RequestID: "rq-h501-1", UserID: 3, Comune: "H501", Service: "C020",
		Criteria: workflows.Criteria{IDANPR: "AF41450AS"}, Motivo: "PROT-1", DataRiferimento: "2026-12-02",
		Verifica: json.RawMessage(`{ "generalita": {"cognome": "ROSSI"} }`), Workstation: "PC-7", LoA: "LoA2",
		ReceivedAt: t0, Deadline: t0.Add(10 * time.Second), Mode: workflows.CallLocal,
	}
}

// TestVerify is the forger's table: every field the API authenticated is covered.
func TestVerify(t *testing.T) {
	k1, other := signer(t, 1, "s1"), signer(t, 2, "s2")
	v := verifier(t, k1)
	sealed := k1.Seal(input())
	cases := []struct {
		name   string
		change func(*workflows.QueryInput)
		now    time.Time
		want   error
	}{
		{"as sealed", func(*workflows.QueryInput) {}, t0.Add(time.Second), nil},
		{"no seal (plain start)", func(q *workflows.QueryInput) { q.Seal = "" }, t0, seal.ErrMissing},
		{"garbage", func(q *workflows.QueryInput) { q.Seal = "v1.s1.!!!" }, t0, seal.ErrMalformed},
		{"other version", func(q *workflows.QueryInput) { q.Seal = "v0" + q.Seal[2:] }, t0, seal.ErrMalformed},
		{"another user", func(q *workflows.QueryInput) { q.UserID = 4 }, t0, seal.ErrMismatch},
		{"another Comune", func(q *workflows.QueryInput) { q.Comune = "F205" }, t0, seal.ErrMismatch},
		{"another service", func(q *workflows.QueryInput) { q.Service = "C021" }, t0, seal.ErrMismatch},
		{"another request id", func(q *workflows.QueryInput) { q.RequestID = "rq-h501-2" }, t0, seal.ErrMismatch},
		{"another subject", func(q *workflows.QueryInput) { q.Criteria.IDANPR = "AB12345CD" }, t0, seal.ErrMismatch},
		{"another motivo", func(q *workflows.QueryInput) { q.Motivo = "x" }, t0, seal.ErrMismatch},
		{"another reference day", func(q *workflows.QueryInput) { q.DataRiferimento = "2020-01-01" }, t0, seal.ErrMismatch},
		{"another verifica", func(q *workflows.QueryInput) { q.Verifica = json.RawMessage(`{}`) }, t0, seal.ErrMismatch},
		{"verifica reformatted", func(q *workflows.QueryInput) {
			q.Verifica = json.RawMessage(`{"generalita":{"cognome":"ROSSI"}}`)
		}, t0, nil},
		{"longer deadline", func(q *workflows.QueryInput) { q.Deadline = q.Deadline.Add(time.Hour) }, t0, seal.ErrMismatch},
		{"same instant, other zone", func(q *workflows.QueryInput) {
			q.ReceivedAt = q.ReceivedAt.In(time.FixedZone("CET", 3600))
		}, t0, nil},
		{"expired", func(*workflows.QueryInput) {}, t0.Add(10 * time.Second), seal.ErrExpired},
		{"unknown key", func(q *workflows.QueryInput) { *q = other.Seal(input()) }, t0, seal.ErrUnknownKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := sealed
			tc.change(&q)
			if err := v.Verify(q, tc.now); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSurvivesTheConverter: what the worker decodes from the payload still verifies.
func TestSurvivesTheConverter(t *testing.T) {
	k := signer(t, 1, "s1")
	sealed := k.Seal(input())
	b, err := json.Marshal(sealed)
	if err != nil {
		t.Fatal(err)
	}
	var back workflows.QueryInput
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := verifier(t, k).Verify(back, t0); err != nil {
		t.Fatal(err)
	}
}

// TestRotation: a retired key's public half keeps verifying beside the new one.
func TestRotation(t *testing.T) {
	old, cur := signer(t, 1, "s1"), signer(t, 2, "s2")
	v := verifier(t, old, cur)
	for _, s := range []*seal.Signer{old, cur} {
		if err := v.Verify(s.Seal(input()), t0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewSignerRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		seed []byte
		id   string
	}{
		"short seed": {[]byte("short"), "s1"},
		"empty id":   {bytes.Repeat([]byte{1}, 32), ""},
		"dotted id":  {bytes.Repeat([]byte{1}, 32), "s.1"},
	} {
		if _, err := seal.NewSigner(tc.seed, tc.id); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := seal.NewVerifier(nil); err == nil {
		t.Error("verifier without keys accepted")
	}
}

func BenchmarkSeal(b *testing.B) {
	s, _ := seal.NewSigner(bytes.Repeat([]byte{1}, 32), "s1")
	in := input()
	for b.Loop() {
		in = s.Seal(in)
	}
}

func BenchmarkVerify(b *testing.B) {
	s, _ := seal.NewSigner(bytes.Repeat([]byte{1}, 32), "s1")
	id, pub := s.Public()
	v, _ := seal.NewVerifier(map[string]ed25519.PublicKey{id: pub})
	in := s.Seal(input())
	for b.Loop() {
		if err := v.Verify(in, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParsePublicKeys(t *testing.T) {
	k := signer(t, 1, "s1")
	keys, err := edkeys.Parse(" " + k.PublicKeySpec() + " ,")
	if err != nil {
		t.Fatal(err)
	}
	v, err := seal.NewVerifier(keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(k.Seal(input()), t0); err != nil {
		t.Fatalf("verifier from the spec: %v", err)
	}
}
