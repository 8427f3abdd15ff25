package main

import (
	"sort"
	"strings"
	"testing"
)

// TestSubjectSearchFindsEveryLookup is issue #12's scenario: the person AF41450AS /
// STTSGT90A01H501J is looked up three times by idANPR (C020) and once by codice fiscale
// (C030). ANPR's answers carry both identifiers, so a TOP finds all four records by either.
func TestSubjectSearchFindsEveryLookup(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	var want []string
	for range 3 {
		want = append(want, mustQuery(t, url, op, "C020", query("AF41450AS")))
	}
	byCF := map[string]any{"comune": "H501", "criteri": map[string]string{"codiceFiscale": "STTSGT90A01H501J"}, "motivo": "PROT-2026-124"}
	want = append(want, mustQuery(t, url, op, "C030", byCF))
	sort.Strings(want)

	top := login(t, url, "demo-top")
	for _, subject := range []string{"STTSGT90A01H501J", "AF41450AS"} {
		a := call(t, "GET", url+"/api/v1/audit?limit=100&subject="+subject, top, nil)
		if a.status != 200 {
			t.Fatalf("search by %s: %d %s", subject, a.status, a.raw)
		}
		items, _ := a.body["items"].([]any)
		var got []string
		for _, it := range items {
			got = append(got, it.(map[string]any)["requestId"].(string))
		}
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("search by %s found %d records %v, want the %d lookups %v", subject, len(got), got, len(want), want)
		}
	}
}

func mustQuery(t *testing.T, url, token, service string, body map[string]any) string {
	t.Helper()
	a := call(t, "POST", url+"/api/v1/anpr/"+service, token, body)
	id, _ := a.body["requestId"].(string)
	if a.status != 200 || id == "" {
		t.Fatalf("%s: %d %s", service, a.status, a.raw)
	}
	return id
}
