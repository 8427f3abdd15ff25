package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/encoding/protojson"

	commonpb "go.temporal.io/api/common/v1"
)

// TestCodecEndpoint: the Web UI's codec endpoint decrypts a Comune's payloads for its TOP
// (an API bearer token; the Web UI's own token is TestWebUISignIn's) and for nobody else.
func TestCodecEndpoint(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.TemporalUIURL = "http://127.0.0.1:8233"
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	az := s.api.Authz
	e := &adminEnv{t: t, s: s, url: url, az: az}
	e.addComuneB()
	op := login(t, url, "demo-operatore")
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
	if a.status != 200 {
		t.Fatalf("query: %d %s", a.status, a.raw)
	}
	id := a.body["requestId"].(string)

	// The workflow's input, as stored: encrypted.
	h := rawHistory(t, nsClient(t, s, "H501"), id)
	var input *commonpb.Payloads
	for _, ev := range h.Events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			input = ev.GetWorkflowExecutionStartedEventAttributes().GetInput()
		}
	}
	body, _ := protojson.Marshal(input)
	if !strings.Contains(string(body), base64.StdEncoding.EncodeToString([]byte("binary/encrypted"))) {
		t.Fatalf("the stored input is not encrypted: %s", body)
	}

	topA := login(t, url, "demo-top")
	topB := login(t, url, "top-f205")
	admin := login(t, url, "demo-admin")
	decode := func(token, ns string) answer {
		t.Helper()
		req, _ := http.NewRequest("POST", url+"/codec/decode", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", ns)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, raw: raw, header: resp.Header}
	}
	decodedHas := func(a answer) bool {
		var out commonpb.Payloads
		if protojson.Unmarshal(a.raw, &out) != nil || len(out.Payloads) == 0 {
			return false
		}
		return strings.Contains(string(out.Payloads[0].Data), "AF41450AS")
	}
	cases := []struct {
		name   string
		token  string
		ns     string
		status int
	}{
		{"TOP of the Comune", topA, "comune-h501", 200},
		{"ADMIN of the Comune", admin, "comune-h501", 200},
		{"TOP of another Comune", topB, "comune-h501", 403},
		// The F205 replay of issue #9: H501's payload posted under the TOP's own namespace.
		{"TOP of another Comune, under their own namespace", topB, "comune-f205", 400},
		{"AUTORIZZATO", op, "comune-h501", 403},
		{"not a Comune namespace", topA, "default", 404},
		{"no credentials", "", "comune-h501", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := decode(tc.token, tc.ns)
			if a.status != tc.status {
				t.Fatalf("got %d %s, want %d", a.status, a.raw, tc.status)
			}
			if (tc.status == 200) != decodedHas(a) {
				t.Fatalf("decoded=%v for status %d", decodedHas(a), a.status)
			}
		})
	}

	// CORS preflight from the Web UI's origin.
	req, _ := http.NewRequest("OPTIONS", url+"/codec/decode", nil)
	req.Header.Set("Origin", "http://127.0.0.1:8233")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8233" ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
