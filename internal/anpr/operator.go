package anpr

import "strings"

// The identity of calls that no person makes (docs/anpr.md §3.1 requires userID, userLocation
// and LoA in every TrackingEvidence, and an audit must attribute each access).
const (
	// SystemUserID is the userID of batch and system calls. The API must not let a person
	// act under it.
	SystemUserID = "varco-system"
	// SystemLoA says that no person authenticated: the call is authorised by the Comune's
	// PDND key alone. Short and not a URL, as GovWay requires.
	SystemLoA = "SYSTEM"
	// systemDefaultLocation is used when the installation has no name.
	systemDefaultLocation = "varco"
)

// SystemOperator returns the Operator for batch jobs, scheduled re-verifications and other
// calls made by Varco itself: userID "varco-system", userLocation the installation name
// (e.g. the host or deployment, so the audit can tell which instance called; "varco" when
// blank) and LoA "SYSTEM". No claim is ever empty. Such calls still need a real motivo.
func SystemOperator(installation string) Operator {
	loc := strings.TrimSpace(installation)
	if loc == "" {
		loc = systemDefaultLocation
	}
	return Operator{UserID: SystemUserID, UserLocation: loc, LoA: SystemLoA}
}
