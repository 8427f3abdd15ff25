package anpr

import (
	"context"
	"testing"
)

func TestSystemOperator(t *testing.T) {
	cases := []struct{ installation, location string }{
		{"", "varco"},
		{"   ", "varco"},
		{"varco-prod-1", "varco-prod-1"},
		{" worker-2\n", "worker-2"},
	}
	for _, tc := range cases {
		op := SystemOperator(tc.installation)
		want := Operator{UserID: "varco-system", UserLocation: tc.location, LoA: "SYSTEM"}
		if op != want {
			t.Errorf("SystemOperator(%q) = %+v, want %+v", tc.installation, op, want)
		}
		if e := validateOperator(op, Trace{}); e != nil {
			t.Errorf("SystemOperator(%q) not a valid operator: %v", tc.installation, e)
		}
	}
	// End to end: the TrackingEvidence carries the system identity, no claim empty.
	f := newFake(t)
	if _, err := f.client(Options{}).Call(context.Background(), f.profile(), SystemOperator(""), testRequest("C020")); err != nil {
		t.Fatalf("Call: %v", err)
	}
	te := f.lastReceived().TE
	if te["userID"] != SystemUserID || te["userLocation"] != "varco" || te["LoA"] != SystemLoA {
		t.Errorf("TE claims %v", te)
	}
}
