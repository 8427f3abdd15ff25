package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// TestEveryCatalogueServiceThroughTheAPI is issue #11's integrator trying each service in the
// TEST environment: the TOP widens the demo convenzione to the whole catalogue (the demo Comune
// holds a purpose for every service), the ADMIN widens the operator's profile, and every
// service that is not a verification answers through the API and the real workflow with the
// blocks the catalogue says.
func TestEveryCatalogueServiceThroughTheAPI(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	top, adm, op := login(t, url, "demo-top"), login(t, url, "demo-admin"), login(t, url, "demo-operatore")
	var all []string
	for _, svc := range catalogue.All() {
		all = append(all, svc.Code)
	}
	convs := call(t, "GET", url+"/api/v1/admin/comuni/H501/convenzioni", top, nil)
	items, _ := convs.body["items"].([]any)
	if convs.status != 200 || len(items) == 0 {
		t.Fatalf("convenzioni: %d %s", convs.status, convs.raw)
	}
	convID := int64(items[0].(map[string]any)["id"].(float64))
	if a := call(t, "PATCH", url+"/api/v1/admin/comuni/H501/convenzioni/"+strconv.FormatInt(convID, 10), top, map[string]any{"services": all}); a.status != 200 {
		t.Fatalf("widening the convenzione: %d %s", a.status, a.raw)
	}
	users := call(t, "GET", url+"/api/v1/admin/comuni/H501/users", adm, nil)
	var opID int64
	for _, u := range users.body["items"].([]any) {
		if m := u.(map[string]any); m["username"] == "demo-operatore" {
			opID = int64(m["id"].(float64))
		}
	}
	if a := call(t, "PATCH", url+"/api/v1/admin/comuni/H501/users/"+strconv.FormatInt(opID, 10), adm, map[string]any{"services": all}); a.status != 200 {
		t.Fatalf("widening the profile: %d %s", a.status, a.raw)
	}
	// The block each service's answer must carry (docs/simulator.md).
	blocks := map[string]string{"C002": "infoSoggettoEnte", "C024": "generalita", "C025": "generalita", "C026": "statoCivile",
		"C029": "cittadinanza", "C032": "listaElettorale", "C033": "residenza", "C034": "identificativi"}
	for _, svc := range catalogue.All() {
		if svc.Verification {
			continue // they need a verifica block (TestVerificaMatchesSpec, internal/anpr)
		}
		t.Run(svc.Code, func(t *testing.T) {
			q := query("AF41450AS")
			if svc.Code == "C030" { // never by idANPR
				q["criteri"] = map[string]string{"codiceFiscale": "STTSGT90A01H501J"}
			}
			a := call(t, "POST", url+"/api/v1/anpr/"+svc.Code, op, q)
			if a.status != 200 {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			var ans struct {
				Soggetti []map[string]json.RawMessage `json:"soggetti"`
			}
			if err := json.Unmarshal(a.raw, &ans); err != nil || len(ans.Soggetti) == 0 {
				t.Fatalf("answer %s (%v)", a.raw, err)
			}
			if b := blocks[svc.Code]; b != "" && ans.Soggetti[0][b] == nil {
				t.Fatalf("no %s in %s", b, a.raw)
			}
		})
	}
}
