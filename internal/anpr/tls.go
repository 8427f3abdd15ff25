package anpr

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// NewTLSClient returns an HTTP client trusting the system roots plus, if given, the PEM
// bundle caBundlePEM (ANPR collaudo is served under the private "Sogei Certification
// Authority Test" CA). Verification is never disabled.
func NewTLSClient(caBundlePEM []byte, timeout time.Duration) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, fmt.Errorf("load system roots: %w", err)
	}
	if len(caBundlePEM) > 0 && !pool.AppendCertsFromPEM(caBundlePEM) {
		return nil, errors.New("CA bundle contains no PEM certificate")
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	tr := base.Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}
