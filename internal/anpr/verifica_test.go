package anpr

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"
)

// testVerifica is a C008 declaration (docs/anpr.md §2.1 residenza); it holds the test CF so the
// tests below also prove the content never reaches errors or logs.
const testVerifica = `{ "generalita": {"codiceFiscale": {"codFiscale": "` + testCF + `"}},
  "residenza": {"tipoIndirizzo": "1", "indirizzo": {"cap": "00184",
    "comune": {"nomeComune": "ROMA", "codiceIstat": "058091"}}} }`

func TestVerificaRefusedLocally(t *testing.T) {
	f := newFake(t)
	c := f.client(Options{})
	cases := []struct {
		name, service, verifica string
	}{
		{"verification service without verifica", "C008", ""},
		{"verification service with null", "C003", "null"},
		{"verification service with empty object", "C031", "{}"},
		{"verification service with an array", "C008", `[` + testVerifica + `]`},
		{"verification service with a string", "C008", `"` + testCF + `"`},
		{"verification service with broken JSON", "C008", `{"generalita": "` + testCF},
		{"verification service with trailing data", "C008", testVerifica + `{}`},
		{"accertamento with verifica", "C020", testVerifica},
		{"accertamento with empty object", "C030", "{}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := testRequest(tc.service)
			req.Verifica = json.RawMessage(tc.verifica)
			_, err := c.Call(context.Background(), f.profile(), testOperator, req)
			e, ok := AsError(err)
			if !ok || e.Kind != KindInvalidRequest || e.Retryable() {
				t.Fatalf("want local KindInvalidRequest, got %v", err)
			}
			assertNoPersonalData(t, "error", e.Error())
		})
	}
	if n := f.tokenCalls.Load() + f.anprCalls.Load(); n != 0 {
		t.Errorf("local rejections caused %d network calls", n)
	}
}

func TestVerificaSerialized(t *testing.T) {
	for _, code := range []string{"C003", "C008", "C014", "C031"} {
		t.Run(code, func(t *testing.T) {
			f := newFake(t) // its checkBody requires verifica exactly for verification services
			logs := &syncBuffer{}
			c := f.client(Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			req := testRequest(code)
			req.Verifica = json.RawMessage(testVerifica)
			if _, err := c.Call(context.Background(), f.profile(), testOperator, req); err != nil {
				t.Fatalf("Call: %v", err)
			}
			var want any
			if err := json.Unmarshal([]byte(testVerifica), &want); err != nil {
				t.Fatal(err)
			}
			if got := f.lastReceived().Body["verifica"]; !reflect.DeepEqual(got, want) {
				t.Errorf("verifica sent %v, want %v", got, want)
			}
			assertNoPersonalData(t, "log", logs.String())
		})
	}
}

// A JSON null (what an API decoding `"verifica": null` produces) means "absent": accepted for
// an accertamento and kept out of the body (the fake refuses an unexpected key).
func TestVerificaNullIsAbsentForOtherServices(t *testing.T) {
	f := newFake(t)
	req := testRequest("C020")
	req.Verifica = json.RawMessage(" null ")
	if _, err := f.client(Options{}).Call(context.Background(), f.profile(), testOperator, req); err != nil {
		t.Fatalf("Call: %v", err)
	}
	if _, ok := f.lastReceived().Body["verifica"]; ok {
		t.Errorf("body carries verifica: %s", f.lastReceived().RawBody)
	}
}
