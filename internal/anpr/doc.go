// Package anpr is Varco's certified client for ANPR (Anagrafe Nazionale della Popolazione
// Residente) e-services reached through PDND Interoperabilità.
//
// One Call performs the whole protocol of docs/anpr.md §3: it builds the Agid-JWT-TrackingEvidence
// (AUDIT_REST_02) first, binds it by digest into a PDND client assertion, exchanges that for a
// Bearer voucher (cached in memory per operator/purpose/service), signs the exact request body
// with Agid-JWT-Signature (INTEGRITY_REST_02) and posts a RichiestaE002 to the e002 operation.
// Every answer — ANPR RispostaKO, GovWay problem JSON, PDND token error, network failure — is
// mapped to a single typed *Error whose Kind tells callers what to do, and whose Trace carries
// the correlation ids ANPR and PDND support ask for.
//
// Around Call: Resolve turns a codice fiscale into the idANPR with C030, as ANPR requires
// before any other consultation; a 429 LimitExceeded pauses that Comune's e-service until
// the next midnight in Rome (PauseStore), with no network call meanwhile; Environment gives
// the collaudo and esercizio endpoints; SystemOperator is the identity of calls no person makes.
//
// The package never logs or returns request bodies, fiscal codes, idANPR or names.
package anpr
