package main

import (
	"context"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// TestSearchByGeneralita: a person without an identifier to give is found by surname, name,
// sex and birth date (C030 resolves the idANPR, the service is then asked by idANPR). The
// audit keeps the idANPR's hash — so "who looked up this person?" finds the lookup — and
// never the names.
func TestSearchByGeneralita(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	byGen := func(g map[string]string) map[string]any {
		return map[string]any{"comune": "H501", "criteri": map[string]any{"generalita": g}, "motivo": "VERBALE-77"}
	}
	settimo := map[string]string{"cognome": "Settimo", "nome": "soggetto", "sesso": "M", "dataNascita": "1990-01-01"}
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, byGen(settimo))
	if a.status != 200 || !strings.Contains(string(a.raw), `"idANPR":"AF41450AS"`) {
		t.Fatalf("by generalità: %d %s", a.status, a.raw)
	}
	rec, err := store.GetAudit(context.Background(), s.db, a.body["requestId"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if rec.SubjectHash != auditlog.SubjectHash(s.keys.subject, workflows.Criteria{IDANPR: "AF41450AS"}) {
		t.Fatal("the record is not found by the subject's idANPR")
	}
	if strings.Contains(rec.Motivo+rec.Reason+rec.SubjectHash+rec.SubjectSealed, "SETTIMO") {
		t.Fatalf("the record keeps a name: %+v", rec)
	}
	// The C030 call has its linked record: same operator and case, its own ANPR ids.
	linked, err := store.GetAudit(context.Background(), s.db, workflows.LinkedRequestID(rec.RequestID))
	if err != nil || linked.Service != "C030" || linked.Outcome != workflows.OutcomeOK || linked.UserID != rec.UserID ||
		linked.Motivo != rec.Motivo || linked.IDOperazioneANPR == "" || linked.IDOperazioneANPR == rec.IDOperazioneANPR ||
		linked.SubjectHash != rec.SubjectHash {
		t.Fatalf("linked C030 record %+v (%v) of %+v", linked, err, rec)
	}
	var services []string
	for _, r := range s.simulator.Received() {
		services = append(services, r.Service)
	}
	if strings.Join(services, ",") != "C030,C020" {
		t.Fatalf("ANPR received %v, want C030 (by generalità) then C020 (by idANPR)", services)
	}

	cases := []struct {
		name   string
		g      map[string]string
		status int
		code   string
	}{
		{"with the Comune of birth", map[string]string{"cognome": "SETTIMO", "nome": "SOGGETTO", "sesso": "M", "dataNascita": "1990-01-01", "codiceIstatComuneNascita": "058091"}, 200, ""},
		{"two people share the generalità", map[string]string{"cognome": "ROSSI", "nome": "MARIO", "sesso": "M", "dataNascita": "1980-12-03"}, 422, "subject_ambiguous"},
		{"the homonym born in Milano", map[string]string{"cognome": "ROSSI", "nome": "MARIO", "sesso": "M", "dataNascita": "1980-12-03", "codiceIstatComuneNascita": "015146"}, 200, ""},
		{"nobody", map[string]string{"cognome": "NESSUNO", "nome": "MAI", "sesso": "F", "dataNascita": "1950-05-05"}, 404, "subject_not_found"},
		{"no birth date", map[string]string{"cognome": "SETTIMO", "nome": "SOGGETTO", "sesso": "M"}, 400, "invalid_request"},
		{"sex not M or F", map[string]string{"cognome": "SETTIMO", "nome": "SOGGETTO", "sesso": "X", "dataNascita": "1990-01-01"}, 400, "invalid_request"},
		{"digits in a name", map[string]string{"cognome": "SETT1MO", "nome": "SOGGETTO", "sesso": "M", "dataNascita": "1990-01-01"}, 400, "invalid_request"},
		{"born in the future", map[string]string{"cognome": "SETTIMO", "nome": "SOGGETTO", "sesso": "M", "dataNascita": "2999-01-01"}, 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, "POST", url+"/api/v1/anpr/C020", op, byGen(tc.g))
			if a.status != tc.status || (tc.code != "" && a.body["code"] != tc.code) {
				t.Fatalf("%d %s, want %d %s", a.status, a.raw, tc.status, tc.code)
			}
		})
	}
	both := map[string]any{"comune": "H501", "criteri": map[string]any{"idANPR": "AF41450AS", "generalita": settimo}, "motivo": "x"}
	if a := call(t, "POST", url+"/api/v1/anpr/C020", op, both); a.status != 400 {
		t.Fatalf("idANPR and generalità together: %d %s", a.status, a.raw)
	}
}
