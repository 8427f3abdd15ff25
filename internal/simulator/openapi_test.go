package simulator

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openapiDir holds ANPR's official C001 and C021 OpenAPI files, kept in the repository with
// their provenance (docs/reference/anpr-openapi/README.md).
const openapiDir = "../../docs/reference/anpr-openapi"

// schemaSet maps schema name → property name → referenced schema ("" for scalars).
type schemaSet map[string]map[string]string

// loadSchemas reads components.schemas from an OpenAPI YAML with a tiny indentation-based
// reader: enough for these files (2-space indentation, $ref on the property or its items),
// and it avoids adding a YAML dependency to go.mod.
func loadSchemas(t *testing.T, file string) schemaSet {
	t.Helper()
	f, err := os.Open(filepath.Join(openapiDir, file))
	if err != nil {
		t.Fatalf("OpenAPI reference file %s not readable (%v): restore it (docs/reference/anpr-openapi/README.md)", file, err)
	}
	defer f.Close()
	out := schemaSet{}
	var inSchemas, inProps bool
	var schema, prop string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		switch indent := len(line) - len(strings.TrimLeft(line, " ")); {
		case indent == 2:
			inSchemas = trimmed == "schemas:"
		case !inSchemas:
		case indent == 4:
			schema, prop, inProps = strings.TrimSuffix(trimmed, ":"), "", false
			out[schema] = map[string]string{}
		case indent == 6:
			inProps, prop = trimmed == "properties:", ""
		case indent == 8 && inProps:
			prop = strings.TrimSuffix(trimmed, ":")
			out[schema][prop] = ""
		case indent > 8 && inProps && prop != "" && strings.HasPrefix(trimmed, "$ref:"):
			ref := strings.Trim(strings.TrimSpace(strings.TrimPrefix(trimmed, "$ref:")), `'"`)
			out[schema][prop] = strings.TrimPrefix(ref, "#/components/schemas/")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out["RispostaE002OK"]) == 0 || len(out["TipoDatiSoggettiEnte"]) == 0 {
		t.Fatalf("could not read schemas from %s", file)
	}
	return out
}

// checkKeys walks a decoded JSON value against schema, reporting keys the schema lacks.
func checkKeys(t *testing.T, set schemaSet, schema, path string, v any) {
	t.Helper()
	for _, problem := range unknownKeys(set, schema, path, v) {
		t.Error(problem)
	}
}

func unknownKeys(set schemaSet, schema, path string, v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, el := range x {
			out = append(out, unknownKeys(set, schema, path+"[]", el)...)
		}
	case map[string]any:
		props, ok := set[schema]
		if !ok {
			return []string{path + ": object where schema " + schema + " has no properties"}
		}
		for k, val := range x {
			ref, ok := props[k]
			if !ok {
				out = append(out, path+"."+k+": not a property of "+schema)
				continue
			}
			out = append(out, unknownKeys(set, ref, path+"."+k, val)...)
		}
	}
	return out
}

// The checker itself must notice a wrong or misplaced name.
func TestOpenAPICheckerCatchesMistakes(t *testing.T) {
	set := loadSchemas(t, "C001-servizioNotifica.yaml")
	var v any
	_ = json.Unmarshal([]byte(`{"listaSoggetti":{"datiSoggetto":[{"generalita":{"codiceFiscale":{"codiceFiscale":"X"}},"residenze":[]}]}}`), &v)
	if got := unknownKeys(set, "RispostaE002OK", "r", v); len(got) != 2 {
		t.Fatalf("want 2 problems, got %v", got)
	}
}

func TestAnswersMatchOpenAPI(t *testing.T) {
	e := shared(t)
	family := findPerson(t, e, func(p *Person) bool {
		return p.Legame == LegameIntestatario && alive(p) && len(e.sim.Population().Family(p)) >= 3
	})
	aire := findPerson(t, e, func(p *Person) bool { return p.AIRE() && alive(p) })
	dead := findPerson(t, e, func(p *Person) bool { return p.Deceased() && !p.Cancellato })
	abroad := findPerson(t, e, func(p *Person) bool { return p.StatoNascita != nil && alive(p) })
	ids := []string{"AF41450AS", "LB27131ED", "RE03592S1", family.IDANPR, aire.IDANPR, dead.IDANPR, abroad.IDANPR}
	for _, tc := range []struct{ code, file string }{
		{"C001", "C001-servizioNotifica.yaml"},
		{"C021", "C021-servizioAccertamentoStatoFamiglia.yaml"},
	} {
		set := loadSchemas(t, tc.file)
		t.Run(tc.code, func(t *testing.T) {
			for _, id := range ids {
				resp, b := e.call(t, e.defaultParts(svc(t, tc.code), body(tc.code, byID(id))))
				okAnswer(t, resp, b)
				var v any
				_ = json.Unmarshal(b, &v)
				checkKeys(t, set, "RispostaE002OK", tc.code, v)
			}
			// A CF search adds listaAnomalie; a KO is a RispostaKO.
			resp, b := e.call(t, e.defaultParts(svc(t, tc.code), body(tc.code, map[string]any{"codiceFiscale": "STTSGT90A01H501J"})))
			okAnswer(t, resp, b)
			var v any
			_ = json.Unmarshal(b, &v)
			checkKeys(t, set, "RispostaE002OK", tc.code, v)
			resp, b = e.call(t, e.defaultParts(svc(t, tc.code), body(tc.code, byID("OR69233LN"))))
			koAnswer(t, resp, b, 404)
			_ = json.Unmarshal(b, &v)
			checkKeys(t, set, "RispostaKO", tc.code, v)
		})
	}
}

// The request the test client sends must fit RichiestaE002 as well.
func TestRequestMatchesOpenAPI(t *testing.T) {
	set := loadSchemas(t, "C021-servizioAccertamentoStatoFamiglia.yaml")
	var v any
	_ = json.Unmarshal(body("C021", map[string]any{"cognome": "A", "nome": "B", "sesso": "M",
		"datiNascita": map[string]any{"dataEvento": "2000-01-01", "luogoNascita": map[string]any{"comune": map[string]string{"codiceIstat": "058091"}}}}), &v)
	checkKeys(t, set, "RichiestaE002", "request", v)
}

// TestAIREResidenceType: an AIRE resident's address abroad is tipoIndirizzo 4 (residenza
// estera), as ANPR answers it; an Italian one is 1.
func TestAIREResidenceType(t *testing.T) {
	e := shared(t)
	aire := findPerson(t, e, func(p *Person) bool { return p.AIRE() && alive(p) })
	for id, want := range map[string]string{aire.IDANPR: "4", "AF41450AS": "1"} {
		resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", byID(id))))
		r := okAnswer(t, resp, b)
		if got := r.ListaSoggetti.DatiSoggetto[0].Residenza[0].TipoIndirizzo; got != want {
			t.Errorf("%s: tipoIndirizzo %q, want %q", id, got, want)
		}
	}
}
