package anpr

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// c021Spec is ANPR's official OpenAPI of C021, kept in the repository with its provenance
// (docs/reference/anpr-openapi/README.md); the test fails when it is missing.
const c021Spec = "../../docs/reference/anpr-openapi/C021-servizioAccertamentoStatoFamiglia.yaml"

// anprBrief is the project's account of the protocol, the source for "verifica" (which
// neither official file declares).
const anprBrief = "../../docs/anpr.md"

// schemaFields reads property names and required lists of the named component schemas from
// an OpenAPI YAML by indentation: enough for these flat definitions, no YAML library needed.
func schemaFields(t *testing.T, path string) (props, required map[string][]string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatalf("official spec %s not readable (%v): restore it (docs/reference/anpr-openapi/README.md)", path, err)
	}
	defer fh.Close()
	props, required = map[string][]string{}, map[string][]string{}
	var schema, section string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case trim == "" || strings.HasPrefix(trim, "#"):
		case indent == 4 && strings.HasSuffix(trim, ":"):
			schema, section = strings.TrimSuffix(trim, ":"), ""
		case indent == 6 && strings.HasSuffix(trim, ":"):
			section = strings.TrimSuffix(trim, ":")
		case indent < 6:
			schema, section = "", ""
		case section == "properties" && indent == 8 && strings.HasSuffix(trim, ":"):
			props[schema] = append(props[schema], strings.TrimSuffix(trim, ":"))
		case section == "required" && indent == 8 && strings.HasPrefix(trim, "- "):
			required[schema] = append(required[schema], strings.TrimPrefix(trim, "- "))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return props, required
}

func TestRequestMatchesRichiestaE002Schema(t *testing.T) {
	props, required := schemaFields(t, c021Spec)
	if len(props["RichiestaE002"]) == 0 || len(required["RichiestaE002"]) != 3 || len(required["TipoDatiRichiestaE002"]) != 3 {
		t.Fatalf("RichiestaE002 schemas not parsed from %s: %v %v", c021Spec, props, required)
	}
	for _, crit := range []Criteria{{IDANPR: testIDANPR}, {CodiceFiscale: testCF}} {
		body, err := json.Marshal(richiestaE002{IDOperazioneClient: "1",
			CriteriRicerca: criteriRicerca{IDANPR: crit.IDANPR, CodiceFiscale: crit.CodiceFiscale},
			DatiRichiesta:  datiRichiesta{DataRiferimentoRichiesta: "2026-01-05", MotivoRichiesta: "m", CasoUso: "C021"}})
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]any
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatal(err)
		}
		checkObject(t, "RichiestaE002", top, props, required)
		m := map[string]map[string]any{
			"TipoCriteriRicercaE002": top["criteriRicerca"].(map[string]any),
			"TipoDatiRichiestaE002":  top["datiRichiesta"].(map[string]any),
		}
		for schema, obj := range m {
			checkObject(t, schema, obj, props, required)
		}
	}
}

func checkObject(t *testing.T, schema string, obj map[string]any, props, required map[string][]string) {
	t.Helper()
	for k := range obj {
		if !slices.Contains(props[schema], k) {
			t.Errorf("%s: field %q not declared (declared %v)", schema, k, props[schema])
		}
	}
	for _, k := range required[schema] {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: required field %q missing", schema, k)
		}
	}
}

// TestVerificaMatchesSpec checks the body of a verification service. The official YAMLs we
// have (C001, C021) are of non-verification services and their RichiestaE002 has no
// "verifica" property, so that one field is checked against docs/anpr.md §2.1 ("verifica
// TipoVerificaE002, only for C003–C014"); every other field against the C021 YAML. If the
// reference YAML ever declares verifica, it is used instead.
func TestVerificaMatchesSpec(t *testing.T) {
	props, required := schemaFields(t, c021Spec)
	if slices.Contains(props["RichiestaE002"], "verifica") {
		t.Logf("%s declares verifica in RichiestaE002: checked against the YAML", c021Spec)
	} else {
		brief, err := os.ReadFile(anprBrief)
		if err != nil {
			t.Fatalf("the YAMLs lack verifica and %s is not readable: %v", anprBrief, err)
		}
		if !regexp.MustCompile(`(?m)^verifica\s+TipoVerificaE002,`).Match(brief) {
			t.Fatalf("%s §2.1 no longer declares `verifica TipoVerificaE002`", anprBrief)
		}
		t.Logf("verifica is not in RichiestaE002 of %s (a non-verification service): checked against %s §2.1", c021Spec, anprBrief)
		props["RichiestaE002"] = append(slices.Clone(props["RichiestaE002"]), "verifica")
	}
	body, err := json.Marshal(richiestaE002{IDOperazioneClient: "1",
		CriteriRicerca: criteriRicerca{IDANPR: testIDANPR},
		DatiRichiesta:  datiRichiesta{DataRiferimentoRichiesta: "2026-01-05", MotivoRichiesta: "m", CasoUso: "C008"},
		Verifica:       json.RawMessage(testVerifica)})
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	checkObject(t, "RichiestaE002", top, props, required)
	if v, ok := top["verifica"].(map[string]any); !ok || len(v) == 0 {
		t.Errorf("verifica %#v is not a non-empty object (TipoVerificaE002)", top["verifica"])
	}
}
