package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Anchors of the audit chain (docs/audit.md): the TOP takes one (POST /api/v1/audit/anchor)
// to keep outside Varco, and later pastes kept ones to check them (POST
// /api/v1/audit/anchor/check). The API decides who may (a TOP of the Comune).

// anchorResult is one line of the API's check reply.
type anchorResult struct {
	Comune  string `json:"comune"`
	Seq     int64  `json:"seq"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

type anchorCheck struct {
	OK      bool           `json:"ok"`
	Results []anchorResult `json:"results"`
}

// integrityData is the integrity page: the last verification, the last anchor taken here
// (as the API returned it, one JSON line, ready to keep) and a check just run.
type integrityData struct {
	Verified *verification
	Anchor   string
	Pasted   string
	Check    *anchorCheck
}

// takeAnchor signs the Comune's chain head now and shows it; the console keeps only the
// last one per Comune, in memory, for the download link.
func (x *Console) takeAnchor(c *fiber.Ctx) error {
	var a json.RawMessage
	if err := x.call(c, sessionOf(c), fiber.MethodPost, "/api/v1/audit/anchor?comune="+comuneOf(c), nil, &a); err != nil {
		return x.formError(c, err, x.integrityPage)
	}
	var line bytes.Buffer
	if err := json.Compact(&line, a); err != nil {
		return err
	}
	x.verified.mu.Lock()
	x.verified.anchors[comuneOf(c)] = line.String()
	x.verified.mu.Unlock()
	return c.Redirect(Prefix+"/integrita?ok=ancora", fiber.StatusSeeOther)
}

// downloadAnchor serves the last anchor taken as a file: one JSON line, the format
// `varco audit verify -anchors` reads.
func (x *Console) downloadAnchor(c *fiber.Ctx) error {
	x.verified.mu.Lock()
	a := x.verified.anchors[comuneOf(c)]
	x.verified.mu.Unlock()
	if a == "" {
		return x.refuse(c, fiber.StatusNotFound, "Nessuna ancora prodotta da questa console dall'ultimo avvio.")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="ancora-`+comuneOf(c)+`.json"`)
	return c.SendString(a + "\n")
}

// checkAnchors sends the pasted anchors to the API and shows its answer per anchor.
func (x *Console) checkAnchors(c *fiber.Ctx) error {
	pasted := c.FormValue("ancore")
	list, err := parseAnchors(pasted)
	if err != nil {
		c.Locals(ctxFormError{}, "Il testo incollato non è un'ancora: incolla le righe JSON prodotte da «Produci un'ancora» o da varco audit anchor.")
		c.Status(fiber.StatusBadRequest)
		return x.integrity(c, pasted, nil)
	}
	var res anchorCheck
	if err := x.call(c, sessionOf(c), fiber.MethodPost, "/api/v1/audit/anchor/check", map[string]any{"anchors": list}, &res); err != nil {
		if err == errSignedOut {
			return x.fail(c, err)
		}
		c.Locals(ctxFormError{}, explain(err))
		c.Status(statusOf(err))
		return x.integrity(c, pasted, nil)
	}
	return x.integrity(c, pasted, &res)
}

// parseAnchors accepts what an office may have kept: JSON objects one after the other (one
// a line, as the CLI and the download write them), a JSON array of them, or the API's
// {"anchors": […]} body.
func parseAnchors(s string) ([]json.RawMessage, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var out []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		var arr []json.RawMessage
		var wrap struct {
			Anchors []json.RawMessage `json:"anchors"`
		}
		switch {
		case json.Unmarshal(v, &arr) == nil:
			out = append(out, arr...)
		case json.Unmarshal(v, &wrap) == nil && wrap.Anchors != nil:
			out = append(out, wrap.Anchors...)
		case bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")):
			out = append(out, v)
		default:
			return nil, errors.New("console: not an anchor")
		}
	}
	if len(out) == 0 {
		return nil, errors.New("console: no anchors")
	}
	return out, nil
}

// outcomes are the Italian texts of the API's anchor outcomes (internal/auditlog); an
// unknown one is shown as the API wrote it.
var outcomes = map[string]string{
	"holds":                    "corrisponde",
	"purged":                   "record rimosso dalla conservazione: nulla da confrontare",
	"bad_checkpoint_signature": "firma dell'ancora non valida",
	"checkpoint_mismatch":      "il record non ha più l'impronta dell'ancora: registro alterato",
	"truncated":                "il record non esiste più: registro troncato",
}

// Esito is the outcome for the page.
func (r anchorResult) Esito() string {
	if s, ok := outcomes[r.Outcome]; ok {
		return s
	}
	return r.Outcome
}
