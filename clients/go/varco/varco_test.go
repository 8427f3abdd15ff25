package varco

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps the client free of dependencies: an integrator who imports it
// takes nothing else with it.
func TestStandardLibraryOnly(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if strings.Contains(strings.Split(path, "/")[0], ".") {
				t.Errorf("%s imports %s: the client uses the standard library only", f, path)
			}
		}
	}
}

// TestVerificaExtraBlocks: the typed blocks and the untyped ones go out side by side.
func TestVerificaExtraBlocks(t *testing.T) {
	v := Verifica{Residenza: &Residenza{TipoIndirizzo: "1"},
		Extra: map[string]json.RawMessage{"cittadinanza": json.RawMessage(`{"codiceStato":"100"}`)}}
	b, err := json.Marshal(QueryRequest{Comune: "H501", Criteri: Criteri{IDANPR: "AF41450AS"}, Motivo: "M", Verifica: &v})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"M","verifica":{"cittadinanza":{"codiceStato":"100"},"residenza":{"tipoIndirizzo":"1"}}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

// TestSoggettoKeepsRaw: blocks these types do not name stay readable.
func TestSoggettoKeepsRaw(t *testing.T) {
	var s Soggetto
	if err := json.Unmarshal([]byte(`{"identificativi":{"idANPR":"AF41450AS"},"cittadinanza":[{"codiceStato":"100"}]}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.Identificativi.IDANPR != "AF41450AS" || !strings.Contains(string(s.Raw), `"cittadinanza"`) {
		t.Fatalf("%+v %s", s, s.Raw)
	}
}
