package anpr

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// refusingTransport stands for the Client-wide transport that a profile's own must replace.
type refusingTransport struct{ used atomic.Int32 }

func (r *refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	r.used.Add(1)
	return nil, errors.New("client-wide transport used")
}

// Each Comune may trust its own CA (collaudo's private Sogei CA): the profile's HTTP client
// carries both the PDND and the ANPR calls.
func TestProfileHTTPClient(t *testing.T) {
	f := newFakeTLS(t)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	shared := &refusingTransport{}
	c := f.client(Options{HTTPClient: &http.Client{Timeout: time.Second, Transport: shared}})

	p := f.profile()
	hc, err := NewTLSClient(caPEM, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p.HTTPClient = hc
	if _, err := c.Call(context.Background(), p, testOperator, testRequest("C020")); err != nil {
		t.Fatalf("Call with the profile's client: %v", err)
	}
	if shared.used.Load() != 0 || f.tokenCalls.Load() != 1 || f.anprCalls.Load() != 1 {
		t.Errorf("shared transport used %d times; token %d, anpr %d",
			shared.used.Load(), f.tokenCalls.Load(), f.anprCalls.Load())
	}

	// Without it, the Client's transport is used (and here fails).
	p.HTTPClient = nil
	_, err = c.Call(context.Background(), p, testOperator, testRequest("C020"))
	if e, ok := AsError(err); !ok || e.Kind != KindUnavailable || shared.used.Load() == 0 {
		t.Errorf("without a profile client: %v (shared used %d)", err, shared.used.Load())
	}

	// A system-roots client cannot reach a server under a private CA: the bundle matters.
	sys, err := NewTLSClient(nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p.HTTPClient = sys
	if _, err := c.Call(context.Background(), p, testOperator, testRequest("C020")); err == nil {
		t.Error("system roots accepted the private CA")
	}
}

func TestProfileHTTPClientNeedsTimeout(t *testing.T) {
	f := newFake(t)
	p := f.profile()
	p.HTTPClient = &http.Client{} // no Timeout: a call could hang forever
	_, err := f.client(Options{}).Call(context.Background(), p, testOperator, testRequest("C020"))
	if e, ok := AsError(err); !ok || e.Kind != KindInvalidRequest {
		t.Errorf("want local refusal, got %v", err)
	}
	if n := f.tokenCalls.Load() + f.anprCalls.Load(); n != 0 {
		t.Errorf("%d network calls", n)
	}
}
