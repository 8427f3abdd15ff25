package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/codicefiscale"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

// Batch queries (issue 16): POST /api/v1/batches takes up to 10,000 subjects for one service,
// Comune and motivo, validates every row up front (all or nothing), and starts one AnprBatch
// workflow; GET reads its progress and results, DELETE cancels it.

// maxBatchBody bounds a batch's body: 10,000 rows with references fit well within it.
const maxBatchBody = 4 << 20

// maxReference bounds the application's reference of a row.
const maxReference = 64

var reBatchID = regexp.MustCompile(`^bt-[a-z][0-9]{3}-[0-9a-f]{32}$`)

// BatchRequest is the JSON body of POST /api/v1/batches. A CSV body carries the same fields
// as query parameters (service, comune, motivo, dataRiferimento) and the subjects as rows.
type BatchRequest struct {
	Service         string       `json:"service"`
	Comune          string       `json:"comune"`
	Motivo          string       `json:"motivo"`
	DataRiferimento string       `json:"dataRiferimento,omitempty"`
	Soggetti        []BatchEntry `json:"soggetti"`
}

// BatchEntry is one subject: codiceFiscale or idANPR, and the application's reference.
type BatchEntry struct {
	CodiceFiscale string `json:"codiceFiscale,omitempty"`
	IDANPR        string `json:"idANPR,omitempty"`
	Riferimento   string `json:"riferimento,omitempty"`
}

// BatchAccepted is the answer of POST /api/v1/batches.
type BatchAccepted struct {
	BatchID string `json:"batchId"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
}

// limitBody keeps every route but the batch upload to the small body a query needs.
func limitBody(c *fiber.Ctx) error {
	if len(c.Body()) > maxBody && !(c.Method() == fiber.MethodPost && strings.TrimSuffix(c.Path(), "/") == "/api/v1/batches") {
		return fail(errcode.PayloadTooLarge, "the request body is larger than "+strconv.Itoa(maxBody)+" bytes")
	}
	return c.Next()
}

// parseBatch reads the body as JSON or CSV.
func parseBatch(c *fiber.Ctx) (BatchRequest, []int, error) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	switch ct {
	case fiber.MIMEApplicationJSON:
		var req BatchRequest
		if err := decodeStrict(c, &req); err != nil {
			return req, nil, err
		}
		lines := make([]int, len(req.Soggetti))
		for i := range lines {
			lines[i] = i + 1 // the element's position in soggetti
		}
		return req, lines, nil
	case "text/csv":
		req := BatchRequest{Service: c.Query("service"), Comune: c.Query("comune"), Motivo: c.Query("motivo"),
			DataRiferimento: c.Query("dataRiferimento")}
		rows, lines, err := parseBatchCSV(c.Body())
		req.Soggetti = rows
		return req, lines, err
	}
	return BatchRequest{}, nil, fail(errcode.UnsupportedMedia, "the body must be application/json or text/csv")
}

// parseBatchCSV reads a header line naming codiceFiscale and/or idANPR and optionally
// riferimento, then one subject per line. lines are the rows' line numbers in the file.
func parseBatchCSV(body []byte) ([]BatchEntry, []int, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, nil, fail(errcode.InvalidRequest, "the CSV needs a header line: codiceFiscale or idANPR, and optionally riferimento")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch h {
		case "codiceFiscale", "idANPR", "riferimento":
			if _, dup := col[h]; dup {
				return nil, nil, fail(errcode.InvalidRequest, "the CSV header names "+h+" twice")
			}
			col[h] = i
		default:
			return nil, nil, fail(errcode.InvalidRequest, "unknown CSV column "+strconv.Quote(h)+": use codiceFiscale, idANPR and riferimento")
		}
	}
	_, hasCF := col["codiceFiscale"]
	_, hasID := col["idANPR"]
	if !hasCF && !hasID {
		return nil, nil, fail(errcode.InvalidRequest, "the CSV header must name codiceFiscale or idANPR")
	}
	var rows []BatchEntry
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, lines, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, nil, &apiError{code: errcode.InvalidBatch, detail: "malformed CSV", lines: []int{line}}
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		rows = append(rows, BatchEntry{CodiceFiscale: field("codiceFiscale"), IDANPR: field("idANPR"), Riferimento: field("riferimento")})
		lines = append(lines, line)
		if len(rows) > workflows.MaxBatchSubjects {
			return nil, nil, fail(errcode.InvalidRequest, "a batch holds at most "+strconv.Itoa(workflows.MaxBatchSubjects)+" subjects")
		}
	}
}

// validateSubjects checks every row; the batch is refused with the lines of all bad rows.
func validateSubjects(entries []BatchEntry, lines []int, service string) ([]workflows.BatchSubject, error) {
	switch {
	case len(entries) == 0:
		return nil, fail(errcode.InvalidRequest, "a batch needs at least one subject")
	case len(entries) > workflows.MaxBatchSubjects:
		return nil, fail(errcode.InvalidRequest, "a batch holds at most "+strconv.Itoa(workflows.MaxBatchSubjects)+" subjects")
	}
	out := make([]workflows.BatchSubject, 0, len(entries))
	var bad []int
	for i, e := range entries {
		crit, ok := batchCriteria(e, service)
		if !ok {
			bad = append(bad, lines[i])
			continue
		}
		out = append(out, workflows.BatchSubject{Criteria: crit, Reference: e.Riferimento, Line: lines[i]})
	}
	if len(bad) > 0 {
		return nil, &apiError{code: errcode.InvalidBatch, lines: bad, detail: strconv.Itoa(len(bad)) +
			" rows are invalid (see lines): each needs exactly one of codiceFiscale (with a correct check character) and idANPR (9 letters or digits), and a riferimento of at most " +
			strconv.Itoa(maxReference) + " printable characters; nothing was started"}
	}
	return out, nil
}

func batchCriteria(e BatchEntry, service string) (workflows.Criteria, bool) {
	cf := strings.ToUpper(strings.TrimSpace(e.CodiceFiscale))
	id := strings.ToUpper(strings.TrimSpace(e.IDANPR))
	ref := e.Riferimento
	if len(ref) > maxReference || !utf8.ValidString(ref) || strings.ContainsAny(ref, "\r\n\x00") {
		return workflows.Criteria{}, false
	}
	switch {
	case (cf == "") == (id == ""):
		return workflows.Criteria{}, false
	case id != "":
		return workflows.Criteria{IDANPR: id}, reIDANPR.MatchString(id) && service != "C030"
	default:
		return workflows.Criteria{CodiceFiscale: cf}, codicefiscale.Validate(cf) == nil && service != "C031"
	}
}

// batchService accepts the consultation services: a verification service needs declared
// data per subject, which a batch does not carry.
func batchService(code string) (string, error) {
	svc, ok := catalogue.Lookup(code)
	if !ok {
		return "", fail(errcode.UnknownService, "no ANPR service is named "+strconv.Quote(code))
	}
	if svc.Verification {
		return "", fail(errcode.InvalidRequest, svc.Code+" is a verification service: batches run consultation services only")
	}
	return svc.Code, nil
}

// batchID is the workflow id "bt-<comune>-<32 hex>": derived from Comune, user and the
// Idempotency-Key when there is one, so a repeated submission finds the first batch.
func batchID(key, comune string, userID int64) (string, error) {
	prefix := "bt-" + strings.ToLower(comune) + "-"
	if key == "" {
		return prefix + strings.ReplaceAll(uuid.NewString(), "-", ""), nil
	}
	if !reIdempotency.MatchString(key) {
		return "", fail(errcode.InvalidRequest, "Idempotency-Key must be 1–128 printable ASCII characters")
	}
	h := sha256.Sum256([]byte("batch\x00" + comune + "\x00" + strconv.FormatInt(userID, 10) + "\x00" + key))
	return prefix + hex.EncodeToString(h[:16]), nil
}

// batchFingerprint identifies a submission for the Idempotency-Key.
func batchFingerprint(service, comune, motivo, day string, subjects []workflows.BatchSubject) string {
	b, _ := json.Marshal(struct {
		S, C, M, D string
		K          []workflows.BatchSubject
	}{service, comune, motivo, day, subjects})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
