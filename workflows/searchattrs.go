package workflows

import (
	"strconv"

	"go.temporal.io/sdk/temporal"
)

// Search attributes of an AnprQuery. They carry no personal data: codes and internal ids only,
// so a TOP can filter its Comune's history in the Web UI without ever seeing a person in a list.
var (
	SAComune  = temporal.NewSearchAttributeKeyKeyword("VarcoComune")
	SAEnte    = temporal.NewSearchAttributeKeyKeyword("VarcoEnte")
	SAUser    = temporal.NewSearchAttributeKeyKeyword("VarcoUser")
	SAService = temporal.NewSearchAttributeKeyKeyword("VarcoService")
	SAOutcome = temporal.NewSearchAttributeKeyKeyword("VarcoOutcome")
)

// SearchAttributeNames lists every custom search attribute, for registration on a namespace.
func SearchAttributeNames() []string {
	return []string{SAComune.GetName(), SAEnte.GetName(), SAUser.GetName(), SAService.GetName(), SAOutcome.GetName()}
}

// UserKey is how a user id appears in search attributes and workflow ids: an internal id,
// never a name.
func UserKey(userID int64) string {
	return "u" + strconv.FormatInt(userID, 10)
}

// EnteKey is how an Ente id appears in search attributes.
func EnteKey(enteID int64) string {
	return "e" + strconv.FormatInt(enteID, 10)
}

// StartAttributes are the search attributes known when the request arrives.
func StartAttributes(in QueryInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		SAComune.ValueSet(in.Comune),
		SAUser.ValueSet(UserKey(in.UserID)),
		SAService.ValueSet(in.Service),
	)
}

// ProbeQuery is a visibility query naming every Varco search attribute. The frontend refuses
// it until the namespace maps them all, so it tells when workflows may start.
func ProbeQuery() string {
	q := ""
	for i, name := range SearchAttributeNames() {
		if i > 0 {
			q += " AND "
		}
		q += name + " = 'probe'"
	}
	return q
}
