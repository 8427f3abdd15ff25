package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

var reParam = regexp.MustCompile(`:([A-Za-z]+)`)

// TestOpenAPICoversRoutes keeps the published contract true: every registered route is in the
// document, and every documented operation is registered.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	registered := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Path == "/" {
			continue // Fiber adds HEAD for every GET, and "/" is middleware
		}
		key := strings.ToLower(r.Method) + " " + reParam.ReplaceAllString(r.Path, "{$1}")
		registered[key] = true
		path := reParam.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", r.Method, path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which is not registered", method, path)
			}
		}
	}
}

// TestOpenAPIProblemCodes keeps the documented enum of problem codes equal to the code table.
func TestOpenAPIProblemCodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	codes := doc.Components.Schemas["Problem"].Properties["code"].Enum
	if len(codes) == 0 {
		t.Fatal("Problem.code has no enum")
	}
	for _, c := range codes {
		if !knownCode(c) {
			t.Errorf("documented code %q is not in errcode", c)
		}
	}
}

// TestOpenAPIServicesMatchCatalogue keeps the documented service codes equal to the catalogue.
func TestOpenAPIServicesMatchCatalogue(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, p := range doc.Paths["/api/v1/anpr/{service}"]["post"].Parameters {
		if p.Name == "service" {
			documented = p.Schema.Enum
		}
	}
	var codes []string
	for _, s := range catalogue.All() {
		codes = append(codes, s.Code)
	}
	if strings.Join(documented, ",") != strings.Join(codes, ",") {
		t.Fatalf("openapi.json services %v, catalogue %v", documented, codes)
	}
}
