// Package auditlog owns the audit archive: Writer is its only write path (it builds each
// record, links it into its Comune's hash chain, ChainHash, and commits it in one transaction),
// Ed25519-signed checkpoints vouch for the chain at intervals (Writer) and before each
// retention purge (Purge), and Verify walks a chain to report its first broken link.
// internal/store holds single SQL statements; this package holds the keys, the order of the
// steps and the rules. docs/audit.md explains the whole.
package auditlog
