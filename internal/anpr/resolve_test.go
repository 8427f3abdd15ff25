package anpr

import (
	"context"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	const c030WithWarning = `{"idOperazioneANPR":"2987654399","listaSoggetti":{"datiSoggetto":[` +
		`{"identificativi":{"idANPR":"` + testIDANPR + `"}},{"identificativi":{"idANPR":"ZZ99999ZZ"}}]},` +
		`"listaAnomalie":[{"codiceErroreAnomalia":"EN148","tipoErroreAnomalia":"W","testoErroreAnomalia":"usare ID ANPR"}]}`
	cases := []struct {
		name     string
		reply    string
		ko       bool
		kind     Kind
		wantID   string
		anomalie int
	}{
		{name: "happy path, first subject, warning kept", reply: c030WithWarning, wantID: testIDANPR, anomalie: 1},
		{name: "EN122", ko: true, kind: KindNotFound},
		{name: "no idANPR", reply: `{"idOperazioneANPR":"1","listaSoggetti":{"datiSoggetto":[{"generalita":{}}]}}`, kind: KindProtocol},
		{name: "no subject", reply: `{"idOperazioneANPR":"1","listaSoggetti":{"datiSoggetto":[]}}`, kind: KindProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set(func(f *fake) {
				if tc.ko {
					f.anprReply = replyKO(404, "EN122", "E", "Soggetto non registrato in ANPR")
				} else {
					f.anprReply = replyOK(tc.reply)
				}
			})
			id, trace, anomalie, err := f.client(Options{}).Resolve(context.Background(), f.profile(), testOperator,
				testCF, testMotivo, "2026-01-05")
			rec := f.lastReceived()
			if rec.Service.Code != "C030" || rec.Body["criteriRicerca"].(map[string]any)["codiceFiscale"] != testCF {
				t.Errorf("sent %s to %s", rec.RawBody, rec.Service.Code)
			}
			if trace.IDOperazioneClient == "" || !strings.HasPrefix(trace.GovWayTransactionID, "gw-") {
				t.Errorf("trace %+v", trace)
			}
			if tc.kind == "" {
				if err != nil || id != tc.wantID || len(anomalie) != tc.anomalie || trace.IDOperazioneANPR != "2987654399" {
					t.Errorf("got %q %v %s %+v", id, err, anomalie, trace)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Kind != tc.kind || id != "" {
				t.Fatalf("got id %q err %v, want kind %s", id, err, tc.kind)
			}
			assertNoPersonalData(t, "error", e.Error())
		})
	}
}

func TestResolveNeedsC030Purpose(t *testing.T) {
	f := newFake(t)
	p := f.profile()
	delete(p.PurposeIDs, "C030")
	_, _, _, err := f.client(Options{}).Resolve(context.Background(), p, testOperator, testCF, testMotivo, "2026-01-05")
	e, ok := AsError(err)
	if !ok || e.Kind != KindNotEnabled || !strings.Contains(e.Message, "C030") {
		t.Errorf("want KindNotEnabled naming C030, got %v", err)
	}
	if n := f.tokenCalls.Load() + f.anprCalls.Load(); n != 0 {
		t.Errorf("%d network calls", n)
	}
}
