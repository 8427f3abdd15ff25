package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func withOpID(b []byte, id string) []byte {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["idOperazioneClient"] = id
	out, _ := json.Marshal(m)
	return out
}

func TestReplayIdempotent(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.ReplayIdempotent = true })
	defer e.srv.Close()
	first := withOpID(body("C030", byCF("STTSGT90A01H501J")), "OP-1")
	resp1, b1 := e.call(t, e.defaultParts(svc(t, "C030"), first))
	okAnswer(t, resp1, b1)
	// Same id, same client, even another body: the earlier answer, byte for byte.
	resp2, b2 := e.call(t, e.defaultParts(svc(t, "C030"), withOpID(body("C030", byID("UK79569LF")), "OP-1")))
	if resp2.StatusCode != 200 || !bytes.Equal(b1, b2) {
		t.Fatalf("replay: %d %s vs %s", resp2.StatusCode, b2, b1)
	}
	if resp2.Header.Get(headerTransactionID) == resp1.Header.Get(headerTransactionID) {
		t.Error("the gateway transaction is new even when ANPR replays")
	}
	// Another client with the same id gets its own answer.
	resp3, b3 := e.call(t, e.partsFor(t, e.b, "C030", first))
	if okAnswer(t, resp3, b3).IDOperazioneANPR == okAnswer(t, resp1, b1).IDOperazioneANPR {
		t.Fatal("replayed across clients")
	}
	// A KO is an answer too.
	ko := withOpID(body("C020", byID("ZZ00000ZZ")), "OP-2")
	r1, k1 := e.call(t, e.defaultParts(svc(t, "C020"), ko))
	r2, k2 := e.call(t, e.defaultParts(svc(t, "C020"), ko))
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound || !bytes.Equal(k1, k2) {
		t.Fatalf("KO replay: %s / %s", k1, k2)
	}
	// Gateway refusals are not answers: they are not remembered.
	p := e.defaultParts(svc(t, "C030"), withOpID(body("C030", byCF("STTSGT90A01H501J")), "OP-3"))
	p.after = func(r *http.Request) { r.Header.Set("Digest", "SHA-256=AAAA") }
	if resp, _ := e.call(t, p); resp.StatusCode != 400 {
		t.Fatal("bad digest accepted")
	}
	resp4, b4 := e.call(t, e.defaultParts(svc(t, "C030"), withOpID(body("C030", byCF("STTSGT90A01H501J")), "OP-3")))
	okAnswer(t, resp4, b4)
}

// Without the option every call gets a fresh answer.
func TestReplayOffByDefault(t *testing.T) {
	e := shared(t)
	b := withOpID(body("C030", byCF("STTSGT90A01H501J")), "OP-SAME")
	_, b1 := e.call(t, e.defaultParts(svc(t, "C030"), b))
	_, b2 := e.call(t, e.defaultParts(svc(t, "C030"), b))
	if bytes.Equal(b1, b2) {
		t.Fatal("replayed without ReplayIdempotent")
	}
}

func TestReplayCacheBounded(t *testing.T) {
	c := newReplayCache(3)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		c.put(k, answerBytes{status: 200, body: []byte(k)})
	}
	if c.len() != 3 {
		t.Fatalf("len %d", c.len())
	}
	for k, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true, "e": true} {
		if _, ok := c.get(k); ok != want {
			t.Errorf("%s present %v", k, ok)
		}
	}
	c.put("c", answerBytes{body: []byte("other")}) // first answer wins
	if a, _ := c.get("c"); string(a.body) != "c" {
		t.Errorf("overwritten: %s", a.body)
	}
}
