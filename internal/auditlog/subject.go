package auditlog

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SubjectHashIDANPR and SubjectHashCF are the keyed hashes (HMAC-SHA256 under the subject
// key) the audit keeps of a subject's identifier, so a TOP can ask "who looked up this
// person?" while the audit never holds the identifier in clear. The prefixes keep an idANPR
// and a codice fiscale with the same characters apart. "" for an empty identifier.
func SubjectHashIDANPR(key []byte, idANPR string) string { return subjectHash(key, "idANPR:", idANPR) }

// SubjectHashGeneralita is the hash of a search by generalità, of its normalised fields
// (surname, name, sex, birth date, birth Comune's ISTAT code): the audit keeps who was sought,
// never the names.
func SubjectHashGeneralita(key []byte, cognome, nome, sesso, dataNascita, istat string) string {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToUpper(s)), " ") }
	return subjectHash(key, "gen:", strings.Join([]string{norm(cognome), norm(nome), norm(sesso), dataNascita, istat}, "|"))
}

// SubjectHashCF: see SubjectHashIDANPR.
func SubjectHashCF(key []byte, cf string) string { return subjectHash(key, "cf:", cf) }

func subjectHash(key []byte, prefix, id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prefix + id))
	return hex.EncodeToString(m.Sum(nil))
}
