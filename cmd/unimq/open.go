package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	_ "github.com/unimq/unimq/all" // every backend: memory, kafka, amqp(s), rocketmq
	"github.com/unimq/unimq/mq"
)

// closeTimeout bounds Close at exit: in-flight handlers and confirmations
// get this long to finish.
const closeTimeout = 30 * time.Second

// open opens the client of rawURL with the command's logger (warnings and
// errors of the client and its broker library, on stderr). Errors never
// echo the URL's credentials: mq.Open redacts them.
func open(ctx context.Context, e *env, rawURL string) (*mq.Client, error) {
	return mq.Open(ctx, rawURL, mq.WithLogger(logger(e.stderr)))
}

func logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// closeClient closes c with a bounded context that outlives ctx's
// cancellation (an interrupted command still settles what finished).
func closeClient(c *mq.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return c.Close(ctx)
}
