package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// temporalHandler is the Temporal SDK's own metrics (temporal_request_latency,
// temporal_workflow_task_schedule_to_start_latency, …) through the SDK's OpenTelemetry
// handler, exported into reg by the OTel Prometheus exporter. Timers are histograms in
// seconds with latencyBuckets (OTel's default buckets suit milliseconds).
func temporalHandler(reg prometheus.Registerer, process string) (client.MetricsHandler, error) {
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, err
	}
	seconds := sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: latencyBuckets}})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(seconds))
	return temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                mp.Meter("temporal-sdk-go"),
		InitialAttributes:    attribute.NewSet(attribute.String("process", process)),
		UseMonotonicCounters: true,
		// A metric the exporter refuses is not worth stopping a worker for.
		OnError: func(error) {},
	}), nil
}
