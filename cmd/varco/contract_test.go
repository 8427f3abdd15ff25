package main

import (
	"net/http"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/oascheck"
)

// contract validates every answer of Varco's API that the end-to-end tests receive through
// http.DefaultClient (call, send, http.Get…) against api/openapi.json, request by request: an
// answer that breaks the document fails the call that got it, hence its test. It is set up
// in init, before TestMain, so no test runs unchecked.
var contract = mustContract()

func mustContract() *oascheck.Checker {
	c, err := oascheck.New(api.OpenAPI())
	if err != nil {
		panic(err)
	}
	return c
}

func init() {
	http.DefaultClient.Transport = contract.Transport(http.DefaultTransport)
}
