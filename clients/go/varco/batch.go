package varco

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// BatchRequest submits many subjects for one service, Comune and motivo (at most 10,000).
type BatchRequest struct {
	Service         string       `json:"service"`
	Comune          string       `json:"comune"`
	Motivo          string       `json:"motivo"`
	DataRiferimento string       `json:"dataRiferimento,omitempty"`
	Soggetti        []BatchEntry `json:"soggetti"`
}

// BatchEntry is one subject, by codice fiscale or idANPR, with the application's reference
// (returned with its result).
type BatchEntry struct {
	CodiceFiscale string `json:"codiceFiscale,omitempty"`
	IDANPR        string `json:"idANPR,omitempty"`
	Riferimento   string `json:"riferimento,omitempty"`
}

// BatchAccepted is the answer to a submission.
type BatchAccepted struct {
	BatchID string `json:"batchId"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
}

// BatchStatus is a batch's progress.
type BatchStatus struct {
	BatchID      string     `json:"batchId"`
	Status       string     `json:"status"` // running, completed, cancelled, refused
	Service      string     `json:"service"`
	Comune       string     `json:"comune"`
	CreatedAt    time.Time  `json:"createdAt"`
	Total        int        `json:"total"`
	Done         int        `json:"done"`
	OK           int        `json:"ok"`
	NotFound     int        `json:"notFound"`
	Failed       int        `json:"failed"`
	Denied       int        `json:"denied"`
	Waiting      string     `json:"waiting,omitempty"` // quota, anpr_pause
	WaitingUntil *time.Time `json:"waitingUntil,omitempty"`
	EstimatedEnd *time.Time `json:"estimatedEnd,omitempty"`
	FinishedAt   *time.Time `json:"finishedAt,omitempty"`
	ResultsUntil time.Time  `json:"resultsUntil"`
	Purged       bool       `json:"purged,omitempty"`
}

// BatchResult is one subject's result.
type BatchResult struct {
	Line      int    `json:"line"`
	Reference string `json:"reference,omitempty"`
	Criteria  struct {
		CodiceFiscale string `json:"codiceFiscale,omitempty"`
		IDANPR        string `json:"idANPR,omitempty"`
	} `json:"criteria"`
	RequestID        string     `json:"requestId"`
	Outcome          string     `json:"outcome"` // ok, not_found, denied, failed
	ErrorCode        string     `json:"errorCode,omitempty"`
	Detail           string     `json:"detail,omitempty"`
	IDOperazioneANPR string     `json:"idOperazioneANPR,omitempty"`
	Soggetti         []Soggetto `json:"soggetti,omitempty"`
	Anomalie         []Anomalia `json:"anomalie,omitempty"`
}

// SubmitBatch submits a batch. Without an IdempotencyKey the client makes one, so a retry
// after a lost answer finds the first batch instead of starting another. A batch with bad
// rows is refused whole: the *Problem (invalid_batch) lists their Lines.
func (c *Client) SubmitBatch(ctx context.Context, req BatchRequest, opts ...CallOption) (*BatchAccepted, error) {
	h := http.Header{}
	if c.workstation != "" {
		h.Set("Varco-Postazione", c.workstation)
	}
	for _, o := range opts {
		o(h)
	}
	if h.Get("Idempotency-Key") == "" {
		h.Set("Idempotency-Key", newKey())
	}
	var out BatchAccepted
	if err := c.authed(ctx, "POST", "/api/v1/batches", req, h, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Batch reads a batch's status and progress.
func (c *Client) Batch(ctx context.Context, id string) (*BatchStatus, error) {
	var out BatchStatus
	if err := c.authed(ctx, "GET", "/api/v1/batches/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelBatch cancels a running batch; the results answered so far stay.
func (c *Client) CancelBatch(ctx context.Context, id string) error {
	return c.authed(ctx, "DELETE", "/api/v1/batches/"+url.PathEscape(id), nil, nil, nil)
}

// BatchResults streams a batch's results in input order to fn, without holding them all.
func (c *Client) BatchResults(ctx context.Context, id string, fn func(BatchResult) error) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/batches/"+url.PathEscape(id)+"/results", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/x-ndjson, application/problem+json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		p := &Problem{Status: resp.StatusCode}
		if json.Unmarshal(raw, p) != nil || p.Code == "" {
			p.Code, p.Detail = "http_"+strconv.Itoa(resp.StatusCode), string(raw)
		}
		return p
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r BatchResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("varco: batch results: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return sc.Err()
}
