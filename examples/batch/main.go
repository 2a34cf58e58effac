// Command batch stores meter readings in bulk: a batch handler gets up to
// BatchSize messages at once (gathered for at most BatchLinger), writes
// them with one "bulk insert", and fails only the readings the store
// refused (mq.BatchError): those are retried one by one, the rest are
// acknowledged.
//
// It runs on the in-memory backend by default; point MQ_URL at a broker to
// run the same code there:
//
//	go run ./examples/batch
//	MQ_URL=kafka://127.0.0.1:9092 go run ./examples/batch
//	MQ_URL=amqp://guest:guest@127.0.0.1:5672/ go run ./examples/batch
//	MQ_URL=rocketmq://127.0.0.1:9876 go run ./examples/batch
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"

	_ "github.com/unimq/unimq/all" // every backend's URL scheme
)

// The topic and group of the example (tests use their own).
var (
	topic = "meter-readings"
	group = "bulk-writer"
)

// readings is how many the example publishes; reading refused is refused
// by the store on its first attempt.
const (
	readings = 40
	refused  = 13
	maxBatch = 10
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "batch:", err)
		os.Exit(1)
	}
}

// table is the bulk store: rows by reading number, and how many inserts.
type table struct {
	mu       sync.Mutex
	rows     map[int]bool
	inserts  int
	largest  int
	refusals int
	again    []int // readings offered more than once (Attempt > 1)
	full     chan struct{}
}

// insert stores the batch's readings in one go and returns the indexes of
// those it refused (reading 13, the first time it is offered).
func (t *table) insert(run string, msgs []*mq.Message) (refusedAt []int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inserts++
	t.largest = max(t.largest, len(msgs))
	for i, m := range msgs {
		if m.Header("run") != run {
			continue // an earlier run's reading left in a durable topic
		}
		n, _ := strconv.Atoi(m.Header("reading"))
		if m.Attempt > 1 {
			t.again = append(t.again, n)
		}
		if n == refused && m.Attempt == 1 {
			t.refusals++
			refusedAt = append(refusedAt, i)
			continue
		}
		t.rows[n] = true
	}
	if len(t.rows) == readings && t.full != nil {
		close(t.full)
		t.full = nil
	}
	return refusedAt
}

func run(ctx context.Context, out io.Writer) error {
	client, err := mq.OpenEnv(ctx, "memory://batch")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())
	fmt.Fprintln(out, "backend:", client.Capabilities().Backend)
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)

	store := &table{rows: map[int]bool{}, full: make(chan struct{})}
	full := store.full
	sub, err := client.SubscribeBatch(ctx, topic, func(ctx context.Context, msgs []*mq.Message) error {
		if failed := store.insert(runID, msgs); len(failed) > 0 {
			// Only these are retried (or dead-lettered after MaxAttempts);
			// the others are acknowledged.
			return &mq.BatchError{Failed: failed, Err: errors.New("constraint violation")}
		}
		return nil
	}, mq.Group(group), mq.BatchSize(maxBatch), mq.BatchLinger(20*time.Millisecond))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	batch := make([]*mq.Message, readings)
	for i := range batch {
		m := &mq.Message{Key: "meter-" + strconv.Itoa(i%4), Body: []byte(fmt.Sprintf(`{"kwh":%d}`, i))}
		m.SetHeader("run", runID)
		m.SetHeader("reading", strconv.Itoa(i))
		batch[i] = m
	}
	if err := client.PublishBatch(ctx, topic, batch); err != nil {
		return err
	}
	fmt.Fprintf(out, "published %d readings\n", readings)

	select {
	case <-full:
	case <-ctx.Done():
		store.mu.Lock()
		defer store.mu.Unlock()
		return fmt.Errorf("stored %d of %d readings: %w", len(store.rows), readings, ctx.Err())
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	nums := make([]int, 0, len(store.rows))
	for n := range store.rows {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	fmt.Fprintf(out, "stored readings %d..%d: %d rows\n", nums[0], nums[len(nums)-1], len(nums))
	fmt.Fprintf(out, "reading %d refused %d time(s), then stored on its retry\n", refused, store.refusals)
	fmt.Fprintf(out, "readings offered again: %v (the rest of its batch was acknowledged)\n", store.again)
	fmt.Fprintf(out, "bulk inserts of at most %d readings: %v\n", maxBatch, store.largest <= maxBatch && store.inserts < readings)
	return nil
}
