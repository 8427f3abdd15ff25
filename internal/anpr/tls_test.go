package anpr

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestNewTLSClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	privateCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	cases := []struct {
		name      string
		bundle    []byte
		buildErr  bool
		reachable bool
	}{
		{"system roots only reject a private CA", nil, false, false},
		{"extra bundle trusts the private CA", privateCA, false, true},
		{"garbage bundle is an error", []byte("not a pem"), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hc, err := NewTLSClient(tc.bundle, 2*time.Second)
			if (err != nil) != tc.buildErr {
				t.Fatalf("NewTLSClient err = %v", err)
			}
			if err != nil {
				return
			}
			if hc.Timeout != 2*time.Second {
				t.Errorf("timeout %v", hc.Timeout)
			}
			if tr := hc.Transport.(*http.Transport); tr.TLSClientConfig.InsecureSkipVerify {
				t.Error("verification disabled")
			}
			resp, err := hc.Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if (err == nil) != tc.reachable {
				t.Errorf("GET err = %v, want reachable=%v", err, tc.reachable)
			}
		})
	}
}
