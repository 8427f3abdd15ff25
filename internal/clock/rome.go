package clock

import (
	"time"
	// Europe/Rome must load on hosts and images without /usr/share/zoneinfo (distroless, the
	// lean image): the zone database is embedded in the binary.
	_ "time/tzdata"
)

// rome is loaded once for the whole program: every daily quota, convenzione day and
// reference date in Varco is an Italian calendar day.
var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("clock: Europe/Rome: " + err.Error()) // unreachable: time/tzdata is embedded
	}
	return loc
}()

// Rome returns the Europe/Rome location: the one copy Varco's packages use.
func Rome() *time.Location { return rome }
