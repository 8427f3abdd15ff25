package simulator

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The admin endpoint, /admin/*: register clients, set faults and quotas at runtime. With
// Config.AdminToken set it requires "Authorization: Bearer <token>"; without, it is open,
// because the simulator is a local TEST environment holding only synthetic data.

const maxAdminBody = 256 << 10

// adminProblem is an RFC 9457 problem for admin answers (not a GovWay one: the admin
// endpoint is the simulator's own, with no counterpart in PDND or ANPR).
type adminProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func adminError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, "application/problem+json", adminProblem{"about:blank", http.StatusText(status), status, detail})
}

func (s *Simulator) adminRoutes(m *http.ServeMux) {
	m.Handle("POST /admin/clients", s.admin(s.handleAdminClients))
	m.Handle("GET /admin/faults", s.admin(s.handleGetFaults))
	m.Handle("PUT /admin/faults", s.admin(s.handlePutFaults))
	m.Handle("DELETE /admin/faults", s.admin(s.handleDeleteFaults))
	m.Handle("PUT /admin/faults/{service}", s.admin(s.handlePutServiceFaults))
	m.Handle("DELETE /admin/faults/{service}", s.admin(s.handleDeleteServiceFaults))
	m.Handle("GET /admin/quotas", s.admin(s.handleGetQuotas))
	m.Handle("PUT /admin/quotas", s.admin(s.handlePutQuotas))
	m.Handle("DELETE /admin/quotas", s.admin(s.handleDeleteQuotas))
	m.Handle("GET /admin/calls", s.admin(s.handleGetCalls))
}

// admin guards an admin handler with the bearer token, compared in constant time (over
// SHA-256 sums, so that the token's length does not leak either).
func (s *Simulator) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.AdminToken != "" {
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.cfg.AdminToken))
			if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="varco-simulator-admin"`)
				adminError(w, http.StatusUnauthorized, "admin endpoint: missing or wrong bearer token")
				return
			}
		}
		h(w, r)
	})
}

func readAdminBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		adminError(w, http.StatusBadRequest, "body unreadable or larger than 256 KiB")
		return nil, false
	}
	return b, true
}

// handleAdminClients registers (or replaces) a client from the client-file JSON.
func (s *Simulator) handleAdminClients(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	c, err := ParseClientJSON(b)
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.RegisterClient(c); err != nil {
		adminError(w, http.StatusConflict, err.Error())
		return
	}
	s.log.Info("client registered", "client_id", c.ClientID, "kid", c.Kid, "purposes", len(c.Purposes))
	out, err := c.JSON()
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Location", s.cfg.PublicURL+"/keys/"+c.Kid)
	writeBytes(w, http.StatusCreated, "application/json", append(out, '\n'))
}

func (s *Simulator) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", s.CurrentFaults())
}

// handlePutFaults replaces the whole fault table.
func (s *Simulator) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	m, err := ParseFaults(b)
	if err == nil {
		err = s.ReplaceFaults(m)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.log.Info("faults replaced", "entries", len(m))
	writeJSON(w, http.StatusOK, "application/json", s.CurrentFaults())
}

func (s *Simulator) handleDeleteFaults(w http.ResponseWriter, _ *http.Request) {
	_ = s.ReplaceFaults(nil)
	s.log.Info("faults cleared")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) handlePutServiceFaults(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if err := validateFaultKey(service); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	var f Faults
	if err := json.Unmarshal(b, &f); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetFaults(service, f)
	s.log.Info("faults set", "service", service)
	writeJSON(w, http.StatusOK, "application/json", s.CurrentFaults())
}

func (s *Simulator) handleDeleteServiceFaults(w http.ResponseWriter, r *http.Request) {
	s.SetFaults(r.PathValue("service"), Faults{})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) handleGetQuotas(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", s.QuotaStatus())
}

// quotaUpdate is the PUT /admin/quotas body; both parts are optional.
type quotaUpdate struct {
	DailyQuota *int           `json:"dailyQuota"`
	Purposes   map[string]int `json:"purposes"`
}

func (s *Simulator) handlePutQuotas(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	u, err := parseQuotaUpdate(b)
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	if u.DailyQuota != nil {
		s.SetDailyQuota(*u.DailyQuota)
	}
	for pid, n := range u.Purposes {
		s.SetPurposeQuota(pid, n)
	}
	s.log.Info("quotas set", "purposes", len(u.Purposes))
	writeJSON(w, http.StatusOK, "application/json", s.QuotaStatus())
}

func parseQuotaUpdate(b []byte) (quotaUpdate, error) {
	var u quotaUpdate
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return u, fmt.Errorf("quotas: %w", err)
	}
	if u.DailyQuota != nil && *u.DailyQuota < 0 {
		return u, errors.New("quotas: dailyQuota must be ≥ 0 (0 = unlimited)")
	}
	for pid, n := range u.Purposes {
		if n < 0 {
			return u, fmt.Errorf("quotas: purpose %s: limit must be ≥ 0 (0 = unlimited)", pid)
		}
	}
	return u, nil
}

func (s *Simulator) handleDeleteQuotas(w http.ResponseWriter, _ *http.Request) {
	s.ResetQuotas()
	w.WriteHeader(http.StatusNoContent)
}
