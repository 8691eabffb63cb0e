package server

import (
	"context"
	"net/http"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// tracerFromEnv returns the tracer provider the standard OpenTelemetry
// environment asks for, or nil when tracing is off — the default. It is on
// when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER is otlp, and
// off when OTEL_SDK_DISABLED is true or OTEL_TRACES_EXPORTER is none. The
// exporter (OTLP over HTTP) reads the rest of OTEL_EXPORTER_OTLP_* itself;
// the resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, and
// the sampler OTEL_TRACES_SAMPLER. shutdown flushes the spans.
func tracerFromEnv(ctx context.Context) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	getenv := os.Getenv
	exporter := strings.ToLower(getenv("OTEL_TRACES_EXPORTER"))
	on := exporter == "otlp" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	if !on || exporter == "none" || strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return nil, func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, err
	}
	res := resource.Default() // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
	if getenv("OTEL_SERVICE_NAME") == "" && !strings.Contains(getenv("OTEL_RESOURCE_ATTRIBUTES"), "service.name=") {
		if res, err = resource.Merge(res, resource.NewSchemaless(attribute.String("service.name", "blog"))); err != nil {
			return nil, nil, err
		}
	}
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return p, p.Shutdown, nil
}

// traceRequests gives each request a server span of tp, continuing the
// trace of an incoming W3C traceparent (nameSpans, in the router, names it
// by its route).
func traceRequests(tp trace.TracerProvider, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "HTTP",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
}

// nameSpans names the request's span by its route pattern ("GET
// /users/{id}") once the router has matched it.
func nameSpans(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if route := routePattern(r); route != "" {
			span := trace.SpanFromContext(r.Context())
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
	})
}
