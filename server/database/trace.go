package database

import (
	"context"
	stdsql "database/sql"
	"strings"

	"github.com/entblog/blog/openapi/restkit"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// WithTracer makes a span of every statement (and of every batch of
// statements sent in one round trip), a child of the span in the context
// it runs with: an HTTP request's, under otelhttp. The statement's text
// is recorded, never its arguments.
func WithTracer(tp trace.TracerProvider) Option { return func(o *options) { o.tracer = tp } }

// traced returns d with its statements traced by tp: a Batcher stays one.
func traced(d dialect.Driver, tp trace.TracerProvider, dia string) dialect.Driver {
	system := "postgresql"
	if dia == dialect.SQLite {
		system = "sqlite"
	}
	t := tracedDriver{Driver: d, spans: spans{tp.Tracer("github.com/entblog/blog/server/database"), system}}
	if b, ok := d.(restkit.Batcher); ok {
		return tracedBatcher{t, b}
	}
	return t
}

// spans starts the spans of statements.
type spans struct {
	tracer trace.Tracer
	system string
}

// start starts the span of query, named by its operation (SELECT, INSERT…).
func (s spans) start(ctx context.Context, query string) (context.Context, trace.Span) {
	op, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	return s.tracer.Start(ctx, strings.ToUpper(op), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", s.system),
		attribute.String("db.operation.name", strings.ToUpper(op)),
		attribute.String("db.query.text", query),
	))
}

// end ends span, recording err.
func end(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

type tracedDriver struct {
	dialect.Driver
	spans
}

func (d tracedDriver) Exec(ctx context.Context, query string, args, v any) (err error) {
	ctx, span := d.start(ctx, query)
	defer func() { end(span, err) }()
	return d.Driver.Exec(ctx, query, args, v)
}

func (d tracedDriver) Query(ctx context.Context, query string, args, v any) (err error) {
	ctx, span := d.start(ctx, query)
	defer func() { end(span, err) }()
	return d.Driver.Query(ctx, query, args, v)
}

func (d tracedDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return tracedTxOf(tx, d.spans), nil
}

// BeginTx starts a transaction with options, as ent's client.BeginTx asks
// of its driver.
func (d tracedDriver) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	tx, err := beginTx(ctx, d.Driver, opts)
	if err != nil {
		return nil, err
	}
	return tracedTxOf(tx, d.spans), nil
}

// tracedTxOf is tx traced: one that sends batches still does.
func tracedTxOf(tx dialect.Tx, s spans) dialect.Tx {
	if b, ok := tx.(restkit.Batcher); ok {
		return tracedBatcherTx{tracedTx{tx, s}, b}
	}
	return tracedTx{tx, s}
}

// tracedBatcherTx is a traced transaction that sends batches.
type tracedBatcherTx struct {
	tracedTx
	b restkit.Batcher
}

func (t tracedBatcherTx) SendBatch(ctx context.Context, queries []restkit.BatchQuery) error {
	return tracedBatcher{b: t.b, tracedDriver: tracedDriver{spans: t.spans}}.SendBatch(ctx, queries)
}

type tracedTx struct {
	dialect.Tx
	spans
}

func (t tracedTx) Exec(ctx context.Context, query string, args, v any) (err error) {
	ctx, span := t.start(ctx, query)
	defer func() { end(span, err) }()
	return t.Tx.Exec(ctx, query, args, v)
}

func (t tracedTx) Query(ctx context.Context, query string, args, v any) (err error) {
	ctx, span := t.start(ctx, query)
	defer func() { end(span, err) }()
	return t.Tx.Query(ctx, query, args, v)
}

// tracedBatcher is a traced driver that sends batches: one span for the
// round trip, holding each statement.
type tracedBatcher struct {
	tracedDriver
	b restkit.Batcher
}

func (d tracedBatcher) SendBatch(ctx context.Context, queries []restkit.BatchQuery) (err error) {
	texts := make([]string, len(queries))
	for i, q := range queries {
		texts[i] = q.SQL
	}
	ctx, span := d.tracer.Start(ctx, "BATCH", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", d.system),
		attribute.String("db.operation.name", "BATCH"),
		attribute.Int("db.operation.batch.size", len(queries)),
		attribute.String("db.query.text", strings.Join(texts, ";\n")),
	))
	defer func() { end(span, err) }()
	return d.b.SendBatch(ctx, queries)
}
