package telemetry

import (
	"context"
	"net"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// collector is an OTLP/gRPC trace receiver keeping the span names and service names it got.
type collector struct {
	coltrace.UnimplementedTraceServiceServer
	mu       sync.Mutex
	spans    []string
	services []string
}

func (c *collector) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.Resource.GetAttributes() {
			if a.Key == "service.name" {
				c.services = append(c.services, a.Value.GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, s.Name)
			}
		}
	}
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// TestOTLPExport: with an endpoint, the spans reach an OTLP/gRPC collector with the process's
// service name (flushed at Close); without one, nothing is recorded.
func TestOTLPExport(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	col := &collector{}
	coltrace.RegisterTraceServiceServer(srv, col)
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()

	tr, err := NewTracing(context.Background(), "http://"+l.Addr().String(), "varco-worker")
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer(TracerName).Start(context.Background(), "RunActivity:CallANPR")
	span.End()
	if err := tr.Close(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != 1 || col.spans[0] != "RunActivity:CallANPR" || len(col.services) != 1 || col.services[0] != "varco-worker" {
		t.Fatalf("collector got spans %v of services %v", col.spans, col.services)
	}

	off, err := NewTracing(context.Background(), "", "varco-api")
	if err != nil {
		t.Fatal(err)
	}
	if _, s := off.Provider.Tracer(TracerName).Start(context.Background(), "x"); s.IsRecording() {
		t.Fatal("without an endpoint a span is recorded")
	}
}
