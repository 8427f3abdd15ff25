package store

import "testing"

func TestParseCopiedRules(t *testing.T) {
	got, err := parseCopiedRules([]byte("1\tg\tu:7\tTOP\tH501\n2\tg2\tu:7\tC020\tH501\n3\tg\tback\\\\slash\ttab\\there\tH501\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []CasbinRule{
		{ID: 1, PType: "g", V0: "u:7", V1: "TOP", V2: "H501"},
		{ID: 2, PType: "g2", V0: "u:7", V1: "C020", V2: "H501"},
		{ID: 3, PType: "g", V0: `back\slash`, V1: "tab\there", V2: "H501"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rules", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"1\tg\tu:7\n", "x\tg\ta\tb\tc\n"} {
		if _, err := parseCopiedRules([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
