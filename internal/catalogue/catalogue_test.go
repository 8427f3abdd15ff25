package catalogue

import "testing"

// Every verification service names the block it verifies, and no other service does.
func TestVerificaBlocks(t *testing.T) {
	for _, s := range All() {
		if s.Verification != (s.VerificaBlock != "") {
			t.Errorf("%s: verification %v, block %q", s.Code, s.Verification, s.VerificaBlock)
		}
	}
}
