package anpr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Personal data used in requests: none of it may appear in errors or logs.
const (
	testCF     = "RSSMRA85C52H501N"
	testIDANPR = "AB12345CD"
	testMotivo = "PROT-2026-000123"
	testUser   = "mario.rossi"
)

var testOperator = Operator{UserID: testUser, UserLocation: "PC-ANAG-07", LoA: "SpidL2"}

func testRequest(svc string) Request {
	return Request{Service: svc, Criteria: Criteria{IDANPR: testIDANPR}, Motivo: testMotivo, DataRiferimento: "2026-01-05"}
}

// syncBuffer lets the logger be written from the client while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func assertNoPersonalData(t *testing.T, where, text string) {
	t.Helper()
	for _, pd := range []string{testCF, testIDANPR, testMotivo, testUser, "ROSSI", "MARIA"} {
		if strings.Contains(text, pd) {
			t.Errorf("%s contains personal data %q: %s", where, pd, text)
		}
	}
}

func TestCallHappyPath(t *testing.T) {
	f := newFake(t)
	logs := &syncBuffer{}
	c := f.client(Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	resp, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020"))
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	rec := f.lastReceived()
	if resp.IDOperazioneANPR != "2987654321" || len(resp.Soggetti) != 1 || len(resp.Anomalie) != 0 {
		t.Errorf("response %+v", resp)
	}
	var subj struct{ Identificativi struct{ IDANPR string } }
	if err := json.Unmarshal(resp.Soggetti[0], &subj); err != nil || subj.Identificativi.IDANPR != testIDANPR {
		t.Errorf("soggetto not returned verbatim: %s (%v)", resp.Soggetti[0], err)
	}
	tr := resp.Trace
	if tr.IDOperazioneClient != rec.Body["idOperazioneClient"] || tr.IDOperazioneANPR != "2987654321" ||
		!strings.HasPrefix(tr.GovWayTransactionID, "gw-") || tr.VoucherJTI != rec.VoucherJTI || tr.VoucherJTI == "" ||
		tr.HTTPStatus != 200 {
		t.Errorf("trace %+v (voucher jti sent %q)", tr, rec.VoucherJTI)
	}
	crit := rec.Body["criteriRicerca"].(map[string]any)
	dati := rec.Body["datiRichiesta"].(map[string]any)
	if crit["idANPR"] != testIDANPR || dati["motivoRichiesta"] != testMotivo || dati["dataRiferimentoRichiesta"] != "2026-01-05" {
		t.Errorf("body %s", rec.RawBody)
	}
	if rec.TE["userID"] != testUser || rec.TE["userLocation"] != "PC-ANAG-07" || rec.TE["LoA"] != "SpidL2" ||
		rec.TE["purposeId"] != "purpose-C020" {
		t.Errorf("TE claims %v", rec.TE)
	}
	assertNoPersonalData(t, "log", logs.String())
	if !strings.Contains(logs.String(), tr.GovWayTransactionID) {
		t.Errorf("log lacks the govway id: %s", logs.String())
	}
}

func TestCallClientSuppliedOpID(t *testing.T) {
	f := newFake(t)
	req := testRequest("C030")
	req.Criteria = Criteria{CodiceFiscale: testCF}
	req.IDOperazioneClient = "WS07-20260105103015"
	resp, err := f.client(Options{}).Call(context.Background(), f.profile(), testOperator, req)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	body := f.lastReceived().Body
	if body["idOperazioneClient"] != req.IDOperazioneClient || resp.Trace.IDOperazioneClient != req.IDOperazioneClient {
		t.Errorf("sent %v, trace %q", body["idOperazioneClient"], resp.Trace.IDOperazioneClient)
	}
	if crit := body["criteriRicerca"].(map[string]any); crit["codiceFiscale"] != testCF {
		t.Errorf("criteriRicerca %v", crit)
	}
}

func TestCallEN148WarningKept(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fake) {
		f.anprReply = replyOK(`{"idOperazioneANPR":3000000001,"listaSoggetti":{"datiSoggetto":[{}]},` +
			`"listaAnomalie":[{"codiceErroreAnomalia":"EN148","tipoErroreAnomalia":"W","testoErroreAnomalia":"accesso esclusivamente con ID ANPR"}]}`)
	})
	req := testRequest("C020")
	req.Criteria = Criteria{CodiceFiscale: testCF}
	resp, err := f.client(Options{}).Call(context.Background(), f.profile(), testOperator, req)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if len(resp.Anomalie) != 1 || !strings.Contains(string(resp.Anomalie[0]), `"EN148"`) {
		t.Errorf("anomalie %s", resp.Anomalie)
	}
	if resp.IDOperazioneANPR != "3000000001" { // numeric id beyond int32 kept as text
		t.Errorf("idOperazioneANPR %q", resp.IDOperazioneANPR)
	}
}

type failureCase struct {
	name       string
	reply      func(http.ResponseWriter, *http.Request, received)
	token      func(http.ResponseWriter) bool
	timeout    time.Duration
	kind       Kind
	code       string
	status     int
	retryable  bool
	anprCalled bool
	check      func(t *testing.T, e *Error)
}

func failureCases() []failureCase {
	hasANPRID := func(t *testing.T, e *Error) {
		if e.Trace.IDOperazioneANPR != "2987654322" || !strings.HasPrefix(e.Trace.GovWayTransactionID, "gw-") {
			t.Errorf("trace %+v", e.Trace)
		}
	}
	hasBodyGovWayID := func(t *testing.T, e *Error) {
		if e.Trace.GovWayTransactionID != "body-govway-id" {
			t.Errorf("govway id %q", e.Trace.GovWayTransactionID)
		}
	}
	return []failureCase{
		{name: "EN122 not found", reply: replyKO(404, "EN122", "E", "Soggetto non registrato in ANPR"),
			kind: KindNotFound, code: "EN122", status: 404, anprCalled: true, check: hasANPRID},
		{name: "EN148 E not enabled", reply: replyKO(400, "EN148", "E", "Ente non abilitato o caso uso inesistente"),
			kind: KindNotEnabled, code: "EN148", status: 400, anprCalled: true, check: hasANPRID},
		{name: "other E code", reply: replyKO(400, "EN999", "E", "Dati richiesta non validi"),
			kind: KindInvalidRequest, code: "EN999", status: 400, anprCalled: true},
		{name: "500 RispostaKO 999", reply: replyKO(500, "999", "E", "Operazione non effettuabile"),
			kind: KindUnavailable, code: "999", status: 500, retryable: true, anprCalled: true},
		{name: "400 GovWay interoperability", reply: replyGovWay(400, "InteroperabilityInvalidRequest",
			"Received request is not conform to the required interoperability profile"),
			kind: KindProtocol, code: "InteroperabilityInvalidRequest", status: 400, anprCalled: true, check: hasBodyGovWayID},
		{name: "429 LimitExceeded", reply: replyGovWay(429, "LimitExceeded", "Limit exceeded detected"),
			kind: KindQuotaExhausted, code: "LimitExceeded", status: 429, anprCalled: true},
		{name: "429 TooManyRequests", reply: replyGovWay(429, "TooManyRequests", "Too many requests detected"),
			kind: KindUnavailable, code: "TooManyRequests", status: 429, retryable: true, anprCalled: true},
		{name: "503 GatewayError", reply: replyGovWay(503, "GatewayError", "The gateway is currently unable to handle the response"),
			kind: KindUnavailable, code: "GatewayError", status: 503, retryable: true, anprCalled: true},
		{name: "502 HTML", reply: replyRaw(502, "text/html", "<html>GovWay-OP20000-9999</html>"),
			kind: KindUnavailable, status: 502, retryable: true, anprCalled: true},
		{name: "404 unknown API", reply: replyRaw(404, "application/json",
			`{"type":"https://govway.org/handling-errors/404/NotFound.html","title":"NotFound","status":404,"detail":"Unknown API Request"}`),
			kind: KindProtocol, code: "NotFound", status: 404, anprCalled: true},
		{name: "200 garbage", reply: replyOK(`{"listaSoggetti":`), kind: KindProtocol, status: 200, anprCalled: true},
		{name: "connection dropped", reply: hangUp, kind: KindUnavailable, retryable: true, anprCalled: true},
		{name: "timeout via context", reply: stall, timeout: 150 * time.Millisecond,
			kind: KindUnavailable, retryable: true, anprCalled: true, check: func(t *testing.T, e *Error) {
				if !errors.Is(e, context.DeadlineExceeded) {
					t.Errorf("want DeadlineExceeded in chain, got %v", e.Err)
				}
			}},
		{name: "token refused", token: tokenRefused, kind: KindVoucher, code: "015-0008", status: 400,
			check: func(t *testing.T, e *Error) {
				if e.Trace.CorrelationID != "7b1e54e1-8c44-4f4b-b0f1-0f0e9c1a2b3c" || e.Trace.IDOperazioneClient == "" {
					t.Errorf("trace %+v", e.Trace)
				}
			}},
		{name: "token endpoint 503", token: func(w http.ResponseWriter) bool { w.WriteHeader(503); return true },
			kind: KindUnavailable, status: 503, retryable: true},
	}
}

func TestCallFailures(t *testing.T) {
	for _, tc := range failureCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set(func(f *fake) { f.anprReply, f.tokenReply = tc.reply, tc.token })
			logs := &syncBuffer{}
			c := f.client(Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			resp, err := c.Call(ctx, f.profile(), testOperator, testRequest("C020"))
			e, ok := AsError(err)
			if !ok || resp != nil {
				t.Fatalf("want *Error, got resp=%v err=%v", resp, err)
			}
			if e.Kind != tc.kind || e.Code != tc.code || e.HTTPStatus != tc.status || e.Retryable() != tc.retryable {
				t.Errorf("got kind=%s code=%q status=%d retryable=%v; want %s %q %d %v (%v)",
					e.Kind, e.Code, e.HTTPStatus, e.Retryable(), tc.kind, tc.code, tc.status, tc.retryable, e)
			}
			if (f.anprCalls.Load() > 0) != tc.anprCalled {
				t.Errorf("ANPR calls = %d", f.anprCalls.Load())
			}
			if e.Trace.IDOperazioneClient == "" {
				t.Errorf("trace lacks idOperazioneClient")
			}
			if tc.check != nil {
				tc.check(t, e)
			}
			assertNoPersonalData(t, "error", e.Error())
			assertNoPersonalData(t, "log", logs.String())
		})
	}
}

func hangUp(w http.ResponseWriter, _ *http.Request, _ received) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func stall(_ http.ResponseWriter, r *http.Request, _ received) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func tokenRefused(w http.ResponseWriter) bool {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(400)
	_, _ = w.Write([]byte(`{"title":"The request contains bad syntax or cannot be fulfilled.","type":"about:blank",` +
		`"status":400,"detail":"Bad request","errors":[{"code":"015-0008","detail":"Unable to generate a token for the given request"}],` +
		`"correlationId":"7b1e54e1-8c44-4f4b-b0f1-0f0e9c1a2b3c"}`))
	return true
}

func TestCallRejectsLocally(t *testing.T) {
	f := newFake(t)
	base := f.profile()
	noPurpose := f.profile()
	delete(noPurpose.PurposeIDs, "C020")
	noKey := f.profile()
	noKey.PrivateKey = nil
	cases := []struct {
		name string
		p    Profile
		op   Operator
		mod  func(*Request)
	}{
		{"unknown service", base, testOperator, func(r *Request) { r.Service = "C999" }},
		{"both criteria", base, testOperator, func(r *Request) { r.Criteria.CodiceFiscale = testCF }},
		{"no criteria", base, testOperator, func(r *Request) { r.Criteria = Criteria{} }},
		{"empty userID", base, Operator{UserLocation: "PC", LoA: "SpidL2"}, nil},
		{"empty userLocation", base, Operator{UserID: "u", LoA: "SpidL2"}, nil},
		{"empty LoA", base, Operator{UserID: "u", UserLocation: "PC"}, nil},
		{"LoA is a URL", base, Operator{UserID: "u", UserLocation: "PC", LoA: "https://www.spid.gov.it/SpidL2"}, nil},
		{"missing purposeId", noPurpose, testOperator, nil},
		{"missing private key", noKey, testOperator, nil},
		{"opid 31 chars", base, testOperator, func(r *Request) { r.IDOperazioneClient = strings.Repeat("1", 31) }},
		{"bad date", base, testOperator, func(r *Request) { r.DataRiferimento = "05/01/2026" }},
		{"no motivo", base, testOperator, func(r *Request) { r.Motivo = "" }},
	}
	c := f.client(Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := testRequest("C020")
			if tc.mod != nil {
				tc.mod(&req)
			}
			_, err := c.Call(context.Background(), tc.p, tc.op, req)
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

func TestErrorFormatting(t *testing.T) {
	cause := errors.New("boom")
	e := &Error{Kind: KindNotFound, Code: "EN122", Message: "Soggetto non registrato in ANPR", HTTPStatus: 404,
		Trace: Trace{IDOperazioneClient: "1", GovWayTransactionID: "g"}, Err: cause}
	want := "anpr: subject_not_found EN122: Soggetto non registrato in ANPR (http 404) [idOperazioneClient=1 govway_id=g]: boom"
	if e.Error() != want {
		t.Errorf("Error() = %q", e.Error())
	}
	if !errors.Is(e, cause) {
		t.Error("Unwrap lost the cause")
	}
	if got, ok := AsError(errors.Join(errors.New("x"), e)); !ok || got != e {
		t.Error("AsError did not find a wrapped *Error")
	}
	if _, ok := AsError(cause); ok {
		t.Error("AsError matched a plain error")
	}
}
