package console

import "github.com/varco-anpr/varco/internal/catalogue"

// service is an ANPR e-service as the forms show it: code and what it answers.
type service struct{ Code, Label string }

func services() []service {
	var out []service
	for _, s := range catalogue.All() {
		out = append(out, service{Code: s.Code, Label: s.Returns})
	}
	return out
}
