// Package auditlog keeps the audit archive tamper-evident: each Comune's records form a hash
// chain (store.InsertAudit links them; store.ChainHash is the hash), Ed25519-signed checkpoints
// vouch for the chain at intervals (Writer) and before each retention purge (Purge), and
// Verify walks a chain to report its first broken link. The SQL lives in internal/store; this
// package holds the keys and the rules. docs/audit.md explains the whole.
package auditlog
