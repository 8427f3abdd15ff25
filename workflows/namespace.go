package workflows

import (
	"regexp"
	"strings"
)

// Each Comune's requests run in a Temporal namespace of their own, so that the Web UI and
// its codec endpoint can keep tenants apart: a TOP browses and decrypts only their Comune.

const namespacePrefix = "comune-"

// reComuneCode is a Comune's codice catastale (Belfiore): a letter and three digits, H501.
var reComuneCode = regexp.MustCompile(`^[A-Z][0-9]{3}$`)

// IsComuneCode reports whether s is a codice catastale (H501): the one pattern the API, the
// CLI and the namespaces check Comuni against.
func IsComuneCode(s string) bool { return reComuneCode.MatchString(s) }

// Namespace is the Temporal namespace of a Comune: H501 → "comune-h501".
func Namespace(comune string) string {
	return namespacePrefix + strings.ToLower(comune)
}

// ComuneOfNamespace is the inverse of Namespace; ok is false for other namespaces.
func ComuneOfNamespace(ns string) (string, bool) {
	code, found := strings.CutPrefix(ns, namespacePrefix)
	code = strings.ToUpper(code)
	if !found || !reComuneCode.MatchString(code) {
		return "", false
	}
	return code, true
}
