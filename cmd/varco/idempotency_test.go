package main

import (
	"context"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// TestIdempotencyKeyBoundToRequest is issue #11's integrator: a Polizia Locale case file names
// several people, and the application reuses the case number as Idempotency-Key. The second
// person's request with the same key must not get the first person's data.
func TestIdempotencyKeyBoundToRequest(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	first := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "fascicolo-42")
	if first.status != 200 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	cases := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"the same request again", query("AF41450AS"), 200},
		{"another person", map[string]any{"comune": "H501", "criteri": map[string]string{"codiceFiscale": "RSSMRA80T03H501O"}, "motivo": "PROT-2026-999"}, 422},
		{"the same person, another motivo", map[string]any{"comune": "H501", "criteri": map[string]string{"idANPR": "AF41450AS"}, "motivo": "PROT-other"}, 422},
		{"the same person, another reference day", map[string]any{"comune": "H501", "criteri": map[string]string{"idANPR": "AF41450AS"}, "motivo": "PROT-2026-123", "dataRiferimento": "2026-01-05"}, 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, "POST", url+"/api/v1/anpr/C020", op, tc.body, "Idempotency-Key", "fascicolo-42")
			if a.status != tc.status {
				t.Fatalf("%d %s, want %d", a.status, a.raw, tc.status)
			}
			if tc.status == 422 {
				if a.body["code"] != "idempotency_conflict" || strings.Contains(string(a.raw), "AF41450AS") || a.body["soggetti"] != nil {
					t.Fatalf("conflict answer %s", a.raw)
				}
				// The refusal is audited as denied, under a request id of its own.
				id, _ := a.body["requestId"].(string)
				rec, err := store.GetAudit(context.Background(), s.db, id)
				if err != nil || id == first.body["requestId"] || rec.Outcome != workflows.OutcomeDenied ||
					rec.Reason != workflows.ReasonIdempotencyConflict || rec.HTTPStatus != 422 || rec.IDOperazioneClient != "" {
					t.Fatalf("the refusal's record %+v (%v)", rec, err)
				}
				return
			}
			if a.body["idOperazioneANPR"] != first.body["idOperazioneANPR"] {
				t.Fatalf("the same request got another answer: %s", a.raw)
			}
		})
	}
	// No refusal took a quota unit or reached ANPR: one call in all, the first.
	if n := len(s.simulator.Received()); n != 1 {
		t.Fatalf("ANPR received %d calls, want 1", n)
	}
	// Another service under the same key is another request too.
	if a := call(t, "POST", url+"/api/v1/anpr/C019", op, query("UK79569LF"), "Idempotency-Key", "fascicolo-42"); a.status != 422 {
		t.Fatalf("another service under the same key: %d %s", a.status, a.raw)
	}
}
