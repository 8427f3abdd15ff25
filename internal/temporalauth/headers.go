package temporalauth

import (
	"context"
	"sync"
	"time"
)

// HeadersProvider gives an SDK client (client.Options.HeadersProvider) the authorization
// header of one identity, minting a new token when the current one has less than a quarter
// of its lifetime left: a call never leaves with a token that may expire on the way.
type HeadersProvider struct {
	minter      *Minter
	subject     string
	permissions []string
	ttl         time.Duration

	mu    sync.Mutex
	token string
	exp   time.Time
}

// NewHeadersProvider authenticates as subject with permissions, tokens living ttl.
func NewHeadersProvider(m *Minter, subject string, permissions []string, ttl time.Duration) *HeadersProvider {
	return &HeadersProvider{minter: m, subject: subject, permissions: permissions, ttl: ttl}
}

// GetHeaders implements go.temporal.io/sdk/client.HeadersProvider.
func (h *HeadersProvider) GetHeaders(context.Context) (map[string]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.token == "" || h.minter.now().Add(h.ttl/4).After(h.exp) {
		tok, exp, err := h.minter.Mint(h.subject, h.permissions, h.ttl)
		if err != nil {
			return nil, err
		}
		h.token, h.exp = tok, exp
	}
	return map[string]string{"authorization": "Bearer " + h.token}, nil
}
