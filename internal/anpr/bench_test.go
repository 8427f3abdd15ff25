package anpr

import (
	"context"
	"testing"
)

// BenchmarkCall measures one consultation with a cached voucher (the steady state: one RSA
// signature, one JSON body, one round trip) against an httptest ANPR that does not verify.
func BenchmarkCall(b *testing.B) {
	f := newFake(b)
	f.verify = false
	c := f.client(Options{})
	p, req := f.profile(), testRequest("C020")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, p, testOperator, req); err != nil {
			b.Fatal(err)
		}
	}
}
