package anpr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// richiestaE002 is the request body (RichiestaE002 of the ANPR OpenAPI).
type richiestaE002 struct {
	IDOperazioneClient string         `json:"idOperazioneClient"`
	CriteriRicerca     criteriRicerca `json:"criteriRicerca"`
	DatiRichiesta      datiRichiesta  `json:"datiRichiesta"`
	// Verifica is only present for verification services (validate enforces it).
	Verifica json.RawMessage `json:"verifica,omitempty"`
}

// criteriRicerca carries exactly one criterion (an identifier, or the generalità);
// omitempty keeps the others out of the body.
type criteriRicerca struct {
	IDANPR        string       `json:"idANPR,omitempty"`
	CodiceFiscale string       `json:"codiceFiscale,omitempty"`
	Cognome       string       `json:"cognome,omitempty"`
	Nome          string       `json:"nome,omitempty"`
	Sesso         string       `json:"sesso,omitempty"`
	DatiNascita   *datiNascita `json:"datiNascita,omitempty"`
}

// datiNascita is TipoDatiNascitaE000, as far as a search uses it.
type datiNascita struct {
	DataEvento   string        `json:"dataEvento"`
	LuogoNascita *luogoNascita `json:"luogoNascita,omitempty"`
}

type luogoNascita struct {
	Comune *comune `json:"comune,omitempty"`
}

type comune struct {
	NomeComune  string `json:"nomeComune,omitempty"`
	CodiceIstat string `json:"codiceIstat,omitempty"`
}

// criteriOf maps the request's criteria onto ANPR's.
func criteriOf(c Criteria) criteriRicerca {
	out := criteriRicerca{IDANPR: c.IDANPR, CodiceFiscale: c.CodiceFiscale}
	if g := c.Generalita; g != nil && c.IDANPR == "" && c.CodiceFiscale == "" {
		out.Cognome, out.Nome, out.Sesso = g.Cognome, g.Nome, g.Sesso
		out.DatiNascita = &datiNascita{DataEvento: g.DataNascita}
		if g.CodiceIstatComuneNascita != "" || g.NomeComuneNascita != "" {
			out.DatiNascita.LuogoNascita = &luogoNascita{Comune: &comune{NomeComune: g.NomeComuneNascita, CodiceIstat: g.CodiceIstatComuneNascita}}
		}
	}
	return out
}

type datiRichiesta struct {
	DataRiferimentoRichiesta string `json:"dataRiferimentoRichiesta"`
	MotivoRichiesta          string `json:"motivoRichiesta"`
	CasoUso                  string `json:"casoUso"` // must equal the service code, else EN148
}

// consult signs and posts the e002 request and maps the answer.
func (c *Client) consult(ctx context.Context, b binding, g grant, url string, req Request, trace Trace) (*Response, *Error) {
	// Serialize once: the Digest and the signature must cover exactly the bytes sent.
	body, err := json.Marshal(richiestaE002{
		IDOperazioneClient: trace.IDOperazioneClient,
		CriteriRicerca:     criteriOf(req.Criteria),
		DatiRichiesta: datiRichiesta{DataRiferimentoRichiesta: req.DataRiferimento,
			MotivoRichiesta: req.Motivo, CasoUso: b.service},
		Verifica: req.Verifica,
	})
	if err != nil {
		return nil, &Error{Kind: KindProtocol, Message: "cannot encode request", Trace: trace, Err: fmt.Errorf("marshal: %w", err)}
	}
	httpReq, err := c.newE002Request(ctx, b, g, url, body)
	if err != nil {
		return nil, &Error{Kind: KindProtocol, Message: "cannot build request", Trace: trace, Err: err}
	}
	a, err := c.do(c.httpFor(b.p), httpReq)
	trace.HTTPStatus = a.status
	trace.GovWayTransactionID = a.header.Get("GovWay-Transaction-ID")
	if err != nil {
		return nil, &Error{Kind: KindUnavailable, Message: "ANPR unreachable", HTTPStatus: a.status, Trace: trace, Err: err}
	}
	return mapAnswer(a, trace)
}

// newE002Request sets the ModI headers: voucher, both Agid JWS, Digest and the content type
// named in signed_headers.
func (c *Client) newE002Request(ctx context.Context, b binding, g grant, url string, body []byte) (*http.Request, error) {
	sum := sha256.Sum256(body)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	sig, err := integritySignature(b.p, b.audience, digest, c.now())
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	r.Header.Set("Authorization", "Bearer "+g.voucher)
	r.Header.Set("Agid-JWT-TrackingEvidence", g.trackingEvidence)
	r.Header.Set("Agid-JWT-Signature", sig)
	r.Header.Set("Digest", digest)
	r.Header.Set("Content-Type", contentTypeJSON)
	r.Header.Set("Accept", contentTypeJSON)
	return r, nil
}
