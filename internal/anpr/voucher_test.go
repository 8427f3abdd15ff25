package anpr

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestVoucherCache(t *testing.T) {
	other := Operator{UserID: "luigi.bianchi", UserLocation: "PC-ANAG-08", LoA: "SpidL2"}
	cases := []struct {
		name       string
		second     func(f *fake) (Operator, string) // operator and service of the second call
		advance    time.Duration
		wantTokens int32
	}{
		{"same operator reuses", nil, 0, 1},
		{"same operator just before margin", nil, 5*time.Minute - DefaultVoucherMargin - time.Second, 1},
		{"expired (within margin) refetches", nil, 5*time.Minute - DefaultVoucherMargin, 2},
		{"different operator refetches", func(*fake) (Operator, string) { return other, "C020" }, 0, 2},
		{"different workstation refetches", func(*fake) (Operator, string) {
			op := testOperator
			op.UserLocation = "PC-ANAG-99"
			return op, "C020"
		}, 0, 2},
		{"different service refetches", func(*fake) (Operator, string) { return testOperator, "C030" }, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			c := f.client(Options{})
			first, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020"))
			if err != nil {
				t.Fatalf("first call: %v", err)
			}
			f.clock.Advance(tc.advance)
			op, svc := testOperator, "C020"
			if tc.second != nil {
				op, svc = tc.second(f)
			}
			second, err := c.Call(context.Background(), f.profile(), op, testRequest(svc))
			if err != nil {
				t.Fatalf("second call: %v", err)
			}
			if got := f.tokenCalls.Load(); got != tc.wantTokens {
				t.Errorf("token requests = %d, want %d", got, tc.wantTokens)
			}
			if reused := first.Trace.VoucherJTI == second.Trace.VoucherJTI; reused != (tc.wantTokens == 1) {
				t.Errorf("voucher jti %q then %q", first.Trace.VoucherJTI, second.Trace.VoucherJTI)
			}
			if first.Trace.IDOperazioneClient == second.Trace.IDOperazioneClient {
				t.Errorf("idOperazioneClient reused: %s", first.Trace.IDOperazioneClient)
			}
		})
	}
}

func TestVoucherConcurrentSingleFetch(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fake) { f.tokenDelay = 200 * time.Millisecond })
	c := f.client(Options{})
	const n = 16
	var wg sync.WaitGroup
	jtis := make([]string, n)
	for i := range n {
		wg.Go(func() {
			resp, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020"))
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			jtis[i] = resp.Trace.VoucherJTI
		})
	}
	wg.Wait()
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	for i := range jtis {
		if jtis[i] != jtis[0] {
			t.Errorf("call %d used voucher %q, call 0 %q", i, jtis[i], jtis[0])
		}
	}
}

func TestVoucherFailureNotCached(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fake) { f.tokenReply = tokenRefused })
	c := f.client(Options{})
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err == nil {
		t.Fatal("want voucher error")
	}
	f.set(func(f *fake) { f.tokenReply = nil })
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
}

// A caller giving up while the voucher is fetched must not break the other waiters.
func TestVoucherWaiterCancelDoesNotFailOthers(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fake) { f.tokenDelay = 300 * time.Millisecond })
	c := f.client(Options{})
	impatient, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := c.Call(impatient, f.profile(), testOperator, testRequest("C020"))
		if e, ok := AsError(err); !ok || e.Kind != KindUnavailable {
			t.Errorf("impatient caller: %v", err)
		}
	})
	time.Sleep(10 * time.Millisecond) // let the impatient call start the fetch
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err != nil {
		t.Errorf("patient caller: %v", err)
	}
	wg.Wait()
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

func TestVoucherMarginOption(t *testing.T) {
	f := newFake(t)
	c := f.client(Options{VoucherMargin: 4 * time.Minute})
	for range 2 {
		if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(61 * time.Second) // past TE exp (5m) minus 4m margin
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
}
