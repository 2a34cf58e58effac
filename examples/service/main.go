// Command service is a small production-shaped unimq service: an HTTP
// endpoint that publishes, a worker that consumes with a group, retries and
// dead letters, OpenTelemetry traces and metrics (otelmq), JSON logs with
// trace ids, health and readiness probes, and a drain on SIGTERM.
//
//	go run ./examples/service                       # memory://, :8080
//	MQ_URL=kafka://127.0.0.1:9092 ADDR=:8081 go run ./examples/service
//
//	curl -d 'hello' localhost:8080/orders          # 202, X-Trace-Id
//	curl -d 'fail-once' localhost:8080/orders      # one retry, then processed
//	curl -d 'poison' localhost:8080/orders         # dead-lettered at once
//	curl localhost:8080/metrics                     # Prometheus text
//	curl localhost:8080/healthz; curl localhost:8080/readyz
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/unimq/unimq/all"
)

func main() {
	log := newLogger(os.Stdout)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if err := serve(ctx, log, os.Getenv("MQ_URL"), addr, nil); err != nil {
		log.Error("service stopped", "error", err.Error())
		os.Exit(1)
	}
}

// serve runs the service until ctx is done, then drains: the HTTP server
// stops taking requests, the worker finishes what runs (bounded), the
// client closes. ready, when not nil, receives the listening address.
func serve(ctx context.Context, log *slog.Logger, url, addr string, ready chan<- string) error {
	if url == "" {
		url = "memory://service"
	}
	svc, err := start(ctx, log, url)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = svc.close(context.Background())
		return err
	}
	srv := &http.Server{Handler: svc.routes(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("service listening", "addr", ln.Addr().String(), "backend", svc.client.Capabilities().Backend)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		_ = svc.close(context.Background())
		return err
	}
	log.Info("draining")
	drain, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	herr := srv.Shutdown(drain)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) && herr == nil {
		herr = err
	}
	if err := svc.close(drain); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	log.Info("drained")
	return herr
}
