package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// The service's topic and worker group (tests use their own).
var (
	topic = "service-orders"
	group = "workers"
)

// service is the running service: its telemetry, client and worker.
type service struct {
	log    *slog.Logger
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
	client *mq.Client
	worker *mq.Subscriber
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(otelmq.LogHandler(slog.NewJSONHandler(w, nil)))
}

// start sets up telemetry (spans sampled and kept in process: add an
// exporter with sdktrace.WithBatcher), opens the client and starts the
// worker.
func start(ctx context.Context, log *slog.Logger, url string) (*service, error) {
	s := &service{log: log, reader: sdkmetric.NewManualReader()}
	s.tp = sdktrace.NewTracerProvider()
	s.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.reader))
	tel := otelmq.New(otelmq.WithTracerProvider(s.tp), otelmq.WithMeterProvider(s.mp))
	c, err := mq.Open(ctx, url, append(tel.ClientOptions(), mq.WithLogger(log))...)
	if err != nil {
		return nil, err
	}
	s.client = c
	if err := c.Declare(ctx, topic, group); err != nil && !errors.Is(err, mq.ErrUnsupported) {
		_ = s.close(ctx)
		return nil, err
	}
	s.worker, err = c.Subscribe(ctx, topic, s.handle, mq.Group(group), mq.MaxAttempts(3),
		mq.WithBackoff(mq.ConstantBackoff(200*time.Millisecond)), mq.HandlerTimeout(10*time.Second))
	if err != nil {
		_ = s.close(ctx)
		return nil, err
	}
	return s, nil
}

// handle is the worker: "fail-once" fails its first attempt, "poison" is
// refused for good (dead letter), anything else is processed.
func (s *service) handle(ctx context.Context, m *mq.Message) error {
	body := string(m.Body)
	switch {
	case body == "fail-once" && m.Attempt == 1:
		s.log.WarnContext(ctx, "order failed, will retry", "id", m.ID, "attempt", m.Attempt)
		return errors.New("transient failure")
	case body == "poison":
		return mq.NoRetry(errors.New("unprocessable order"))
	}
	s.log.InfoContext(ctx, "order processed", "id", m.ID, "attempt", m.Attempt)
	return nil
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", s.postOrder)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /metrics", s.metrics)
	return mux
}

// postOrder publishes the request body under the request's span and
// answers 202 with the trace id.
func (s *service) postOrder(w http.ResponseWriter, r *http.Request) {
	ctx, span := s.tp.Tracer("service").Start(r.Context(), "POST /orders", trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m := &mq.Message{ID: fmt.Sprintf("order-%d", time.Now().UnixNano()), Body: body}
	if err := s.client.Publish(ctx, topic, m); err != nil {
		s.log.ErrorContext(ctx, "publish failed", "error", err.Error())
		status := http.StatusInternalServerError
		if errors.Is(err, mq.ErrUnavailable) || errors.Is(err, mq.ErrTimeout) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, err.Error(), status)
		return
	}
	s.log.InfoContext(ctx, "order accepted", "id", m.ID)
	w.Header().Set("X-Trace-Id", span.SpanContext().TraceID().String())
	w.Header().Set("X-Message-Id", m.ID)
	w.WriteHeader(http.StatusAccepted)
}

// ready is the readiness probe: the broker answers a ping and the worker's
// subscription is connected.
func (s *service) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.client.Ping(ctx); err != nil {
		http.Error(w, "broker: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if st := s.worker.State(); !st.Connected {
		http.Error(w, fmt.Sprintf("worker: not connected since %v: %v", st.Since, st.LastError), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// close drains the worker and closes the client and the providers.
func (s *service) close(ctx context.Context) error {
	var first error
	if s.worker != nil {
		first = s.worker.Close(ctx)
	}
	if err := s.client.Close(ctx); err != nil && first == nil {
		first = err
	}
	_ = s.tp.Shutdown(ctx)
	_ = s.mp.Shutdown(ctx)
	return first
}
