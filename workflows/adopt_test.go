package workflows

import (
	"context"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/internal/errcode"
)

// TestAdoptsTheCommittedRecord: when an earlier attempt of the run committed the record, the
// workflow answers with the record's story — never a different one.
func TestAdoptsTheCommittedRecord(t *testing.T) {
	okStory := AuditStory{Outcome: OutcomeOK, HTTPStatus: 200, IDOperazioneANPR: "3000000001"}
	cases := []struct {
		name      string
		decision  AuthorizeOutput
		story     *AuditStory
		wantOut   string
		wantCode  string
		wantData  bool
		wantInDet string
	}{
		{"no record yet", AuthorizeOutput{Allowed: true}, nil, OutcomeOK, "", true, ""},
		{"the same story", AuthorizeOutput{Allowed: true}, &okStory, OutcomeOK, "", true, ""},
		{"record ok, this attempt lost the answer", AuthorizeOutput{Reason: "no_grant"}, &okStory,
			OutcomeOK, errcode.ANPRUnavailable.String(), false, "3000000001"},
		{"record denied, this attempt allowed", AuthorizeOutput{Allowed: true},
			&AuditStory{Outcome: OutcomeDenied, HTTPStatus: 403, ErrorCode: errcode.Forbidden, Reason: "no_grant"},
			OutcomeDenied, errcode.Forbidden.String(), false, "no_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakes{decision: tc.decision}
			env := newEnvWithAudit(t, f, func(_ context.Context, in AuditInput) (AuditWritten, error) {
				return AuditWritten{Existing: tc.story}, nil
			})
			env.ExecuteWorkflow(AnprQuery, input(CallLocal))
			var res QueryResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.wantOut || string(res.ErrorCode) != tc.wantCode || (len(res.Soggetti) > 0) != tc.wantData {
				t.Fatalf("result %+v, want %s %q data=%v", res, tc.wantOut, tc.wantCode, tc.wantData)
			}
			if tc.wantInDet != "" && !strings.Contains(res.Detail, tc.wantInDet) {
				t.Fatalf("detail %q lacks %q", res.Detail, tc.wantInDet)
			}
		})
	}
}
