package anpr

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/simulator"
)

// TestSimulatorEveryService runs the real client against the team's PDND+ANPR simulator over
// HTTP for every catalogue service: the two were written independently from ANPR.md, so this
// is where a disagreement on the protocol would show.
func TestSimulatorEveryService(t *testing.T) {
	testKeys(t)
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	sim, err := simulator.New(simulator.Config{PublicURL: "http://" + srv.Listener.Addr().String(),
		Seed: 1, Population: 50, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	srv.Config.Handler = sim.Handler()
	srv.Start()

	purposes, byCode := map[string]string{}, map[string]string{}
	for _, svc := range catalogue.All() {
		pid := uuid.NewString()
		purposes[pid], byCode[svc.Code] = svc.Code, pid
	}
	if err := sim.RegisterClient(simulator.Client{ClientID: testClientID, Kid: testKid,
		PublicKey: &clientKey.PublicKey, Purposes: purposes}); err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	p := Profile{ClientID: testClientID, Kid: testKid, PrivateKey: clientKey, PurposeIDs: byCode,
		TokenURL: sim.TokenURL(), AssertionAudience: sim.AssertionAudience(),
		ServiceBaseURL: sim.ServiceBaseURL(), AudienceBase: sim.AudienceBase()}
	c := NewClient(Options{})
	person := sim.Population().At(0)
	t.Run("services", func(t *testing.T) { simEveryService(t, c, p, person.IDANPR) })
	t.Run("cached voucher accepted", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{IDANPR: person.IDANPR}, Motivo: "PROT-2", DataRiferimento: "2026-01-05"}
		first, err1 := c.Call(context.Background(), p, testOperator, req)
		second, err2 := c.Call(context.Background(), p, testOperator, req)
		if err1 != nil || err2 != nil {
			t.Fatalf("reuse: %v / %v", err1, err2)
		}
		if first.Trace.VoucherJTI != second.Trace.VoucherJTI {
			t.Errorf("voucher not reused: %q then %q", first.Trace.VoucherJTI, second.Trace.VoucherJTI)
		}
	})
	t.Run("cancelled subject", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{IDANPR: "OR69233LN"}, Motivo: "PROT-3", DataRiferimento: "2026-01-05"}
		_, err := c.Call(context.Background(), p, testOperator, req)
		if e, ok := AsError(err); !ok || e.Kind != KindNotFound || e.Code != "EN122" {
			t.Errorf("want EN122 not found, got %v", err)
		}
	})
	t.Run("search by CF warns", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{CodiceFiscale: person.CodiceFiscale}, Motivo: "PROT-4", DataRiferimento: "2026-01-05"}
		resp, err := c.Call(context.Background(), p, testOperator, req)
		if err != nil || len(resp.Anomalie) == 0 {
			t.Errorf("want EN148 W anomaly, got %v %v", resp, err)
		}
	})
}

func simEveryService(t *testing.T, c *Client, p Profile, idANPR string) {
	for _, svc := range catalogue.All() {
		t.Run(svc.Code, func(t *testing.T) {
			req := Request{Service: svc.Code, Criteria: Criteria{IDANPR: idANPR},
				Motivo: "PROT-INTEGRATION", DataRiferimento: "2026-01-05"}
			resp, err := c.Call(context.Background(), p, testOperator, req)
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if len(resp.Soggetti) == 0 || resp.IDOperazioneANPR == "" || resp.Trace.GovWayTransactionID == "" ||
				resp.Trace.VoucherJTI == "" {
				t.Errorf("response %+v", resp)
			}
		})
	}
}
