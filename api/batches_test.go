package api

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

func TestParseBatchCSV(t *testing.T) {
	tests := []struct {
		name      string
		csv       string
		wantRows  int
		wantLines []int
		wantCode  errcode.Code
	}{
		{"codice fiscale and reference", "codiceFiscale,riferimento\nSTTSGT90A01H501J,A-1\nPRVGNN90R10H501Q,A-2\n", 2, []int{2, 3}, ""},
		{"both identifiers, BOM, CRLF", "\ufeffidANPR,codiceFiscale\r\nAF41450AS,\r\n,STTSGT90A01H501J\r\n", 2, []int{2, 3}, ""},
		{"quoted reference with a comma", "idANPR,riferimento\nAF41450AS,\"Rossi, Mario\"\n", 1, []int{2}, ""},
		{"no header", "", 0, nil, errcode.InvalidRequest},
		{"unknown column", "codiceFiscale,nome\nSTTSGT90A01H501J,Mario\n", 0, nil, errcode.InvalidRequest},
		{"no identifier column", "riferimento\nA-1\n", 0, nil, errcode.InvalidRequest},
		{"repeated column", "idANPR,idANPR\nAF41450AS,AF41450AS\n", 0, nil, errcode.InvalidRequest},
		{"unbalanced quote", "idANPR,riferimento\nAF41450AS,\"open\n", 0, nil, errcode.InvalidBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, lines, err := parseBatchCSV([]byte(tt.csv))
			if code := codeOf(err); code != tt.wantCode {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			if len(rows) != tt.wantRows || fmt.Sprint(lines) != fmt.Sprint(tt.wantLines) {
				t.Fatalf("rows %+v lines %v", rows, lines)
			}
		})
	}
	many := "idANPR\n" + strings.Repeat("AF41450AS\n", workflows.MaxBatchSubjects+1)
	if _, _, err := parseBatchCSV([]byte(many)); codeOf(err) != errcode.InvalidRequest {
		t.Fatalf("10,001 rows: %v", err)
	}
}

func TestValidateSubjects(t *testing.T) {
	good := BatchEntry{CodiceFiscale: "sttsgt90a01h501j", Riferimento: "A-1"}
	tests := []struct {
		name      string
		service   string
		entries   []BatchEntry
		wantBad   []int
		wantCode  errcode.Code
		wantFirst workflows.Criteria
	}{
		{"valid, upper-cased", "C020", []BatchEntry{good, {IDANPR: "af41450as"}}, nil, "", workflows.Criteria{CodiceFiscale: "STTSGT90A01H501J"}},
		{"every bad row listed", "C020", []BatchEntry{
			good,
			{CodiceFiscale: "STTSGT90A01H501K"}, // check character
			{CodiceFiscale: "STTSGT90A01H501J", IDANPR: "AF41450AS"}, // both
			{},                 // neither
			{IDANPR: "AF4145"}, // short
			{IDANPR: "AF41450AS", Riferimento: strings.Repeat("x", 65)}, // long reference
			{IDANPR: "AF41450AS", Riferimento: "two\nlines"},            // control character
		}, []int{11, 12, 13, 14, 15, 16}, errcode.InvalidBatch, workflows.Criteria{}},
		{"C030 resolves codici fiscali only", "C030", []BatchEntry{{IDANPR: "AF41450AS"}}, []int{10}, errcode.InvalidBatch, workflows.Criteria{}},
		{"empty", "C020", nil, nil, errcode.InvalidRequest, workflows.Criteria{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := make([]int, len(tt.entries))
			for i := range lines {
				lines[i] = i + 10
			}
			subjects, err := validateSubjects(tt.entries, lines, tt.service)
			if codeOf(err) != tt.wantCode {
				t.Fatalf("error %v, want %q", err, tt.wantCode)
			}
			var ae *apiError
			if errors.As(err, &ae) && fmt.Sprint(ae.lines) != fmt.Sprint(tt.wantBad) && tt.wantBad != nil {
				t.Fatalf("bad lines %v, want %v", ae.lines, tt.wantBad)
			}
			if tt.wantCode == "" && (subjects[0].Criteria != tt.wantFirst || subjects[0].Line != 10 || subjects[0].Reference != "A-1") {
				t.Fatalf("subject %+v", subjects[0])
			}
		})
	}
}

func TestBatchID(t *testing.T) {
	a, _ := batchID("k1", "H501", 7)
	b, _ := batchID("k1", "H501", 7)
	c, _ := batchID("k1", "H501", 8)
	r, _ := batchID("", "H501", 7)
	if a != b || a == c || !reBatchID.MatchString(a) || !reBatchID.MatchString(r) || r == a {
		t.Fatalf("ids %s %s %s %s", a, b, c, r)
	}
	if _, err := batchID("bad key", "H501", 7); codeOf(err) != errcode.InvalidRequest {
		t.Fatalf("key with a space: %v", err)
	}
	if id := workflows.BatchSubjectRequestID(a, 3); !reRequestID.MatchString(id) || comuneOfRequest(id) != "H501" || id != workflows.BatchSubjectRequestID(a, 3) {
		t.Fatalf("subject request id %s", id)
	}
}

func codeOf(err error) errcode.Code {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	if err != nil {
		return errcode.Code("other: " + err.Error())
	}
	return ""
}

// TestBodyLimits: only the batch upload takes a large body; every other route keeps the
// small limit of a query.
func TestBodyLimits(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	for _, tt := range []struct {
		path string
		size int
		want int
	}{
		{"/api/v1/anpr/C020", maxBody + 1, 413},
		{"/api/v1/batches", 1 << 20, 401}, // past the limit, to authentication
		{"/api/v1/batches", maxBatchBody + 1, 413},
	} {
		req := httptest.NewRequest("POST", tt.path, strings.NewReader(strings.Repeat("x", tt.size)))
		req.Header.Set("Content-Type", "text/csv")
		resp, err := s.App().Test(req, -1)
		if err != nil && tt.want == 413 && strings.Contains(err.Error(), "body size exceeds") {
			continue // fasthttp refuses the body before any handler (413 on a real connection)
		}
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tt.want {
			t.Fatalf("POST %s with %d bytes: %d, want %d", tt.path, tt.size, resp.StatusCode, tt.want)
		}
	}
}
