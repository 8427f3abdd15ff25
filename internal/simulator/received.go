package simulator

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// The simulator keeps the last calls it received, as ANPR's own logs would: what the
// reconciliation of the audit with ANPR's side reads in TEST (Varco's records must name every
// call ANPR saw). Only correlation ids are kept, never the criteria: no personal data.

const receivedCapacity = 10_000

// Receipt is one e-service call as it arrived, before any fault or validation.
type Receipt struct {
	At                 time.Time `json:"at"`
	Service            string    `json:"service"`
	IDOperazioneClient string    `json:"idOperazioneClient"`
	GovWayID           string    `json:"govwayTransactionId"`
}

type receivedLog struct {
	mu   sync.Mutex
	ring []Receipt
	next int
}

func (l *receivedLog) add(r Receipt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ring) < receivedCapacity {
		l.ring = append(l.ring, r)
		return
	}
	l.ring[l.next] = r
	l.next = (l.next + 1) % receivedCapacity
}

// all returns the receipts oldest first.
func (l *receivedLog) all() []Receipt {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Receipt, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}

// Received lists the last calls received (at most 10,000), oldest first.
func (s *Simulator) Received() []Receipt { return s.received.all() }

// noteReceived records a call's correlation ids; a body that does not parse is noted without.
func (s *Simulator) noteReceived(service, govwayID string, body []byte) {
	var head struct {
		ID string `json:"idOperazioneClient"`
	}
	_ = json.Unmarshal(body, &head)
	if len(head.ID) > maxIDOperazioneClient {
		head.ID = head.ID[:maxIDOperazioneClient]
	}
	s.received.add(Receipt{At: s.now(), Service: service, IDOperazioneClient: head.ID, GovWayID: govwayID})
}

// ReceivedCalls is the GET /admin/calls answer.
type ReceivedCalls struct {
	Calls []Receipt `json:"calls"`
}

// handleGetCalls lists the calls received, all or those of ?day=YYYY-MM-DD (Europe/Rome):
// what `varco audit reconcile` joins with the audit.
func (s *Simulator) handleGetCalls(w http.ResponseWriter, r *http.Request) {
	out := ReceivedCalls{Calls: []Receipt{}}
	day := r.URL.Query().Get("day")
	if day != "" {
		if _, err := time.Parse(dateLayout, day); err != nil {
			adminError(w, http.StatusBadRequest, "day must be YYYY-MM-DD")
			return
		}
	}
	for _, c := range s.Received() {
		if day == "" || c.At.In(rome).Format(dateLayout) == day {
			out.Calls = append(out.Calls, c)
		}
	}
	writeJSON(w, http.StatusOK, "application/json", out)
}
