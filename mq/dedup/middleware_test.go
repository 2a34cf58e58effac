package dedup_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/dedup"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func msg(id string) *mq.Message { return &mq.Message{ID: id} }

// counting returns a handler that counts its calls per ID and returns
// what fail says.
func counting(fail func(*mq.Message) error) (mq.Handler, func(string) int) {
	var mu sync.Mutex
	n := map[string]int{}
	h := func(_ context.Context, m *mq.Message) error {
		mu.Lock()
		n[m.ID]++
		mu.Unlock()
		if fail != nil {
			return fail(m)
		}
		return nil
	}
	return h, func(id string) int { mu.Lock(); defer mu.Unlock(); return n[id] }
}

func TestSkipsWhatSucceeded(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	failing := map[string]bool{"f": true}
	h, calls := counting(func(m *mq.Message) error {
		if failing[m.ID] {
			return boom
		}
		return nil
	})
	d := dedup.Middleware(dedup.NewMemoryStore(100, time.Hour))(h)
	for _, id := range []string{"a", "a", "b", "a", "", "", "f", "f"} {
		err := d(ctx, msg(id))
		if want := map[bool]error{true: boom}[failing[id]]; err != want {
			t.Fatalf("%q: %v, want %v", id, err, want)
		}
	}
	for id, want := range map[string]int{"a": 1, "b": 1, "": 2, "f": 2} {
		if got := calls(id); got != want {
			t.Errorf("handler ran %d times for %q, want %d", got, id, want)
		}
	}
}

func TestKeyFunction(t *testing.T) {
	h, calls := counting(nil)
	d := dedup.Middleware(dedup.NewMemoryStore(100, time.Hour), dedup.Key(func(m *mq.Message) string { return m.Header("order") }))(h)
	for _, m := range []*mq.Message{
		{ID: "1", Headers: map[string]string{"order": "o-7"}},
		{ID: "2", Headers: map[string]string{"order": "o-7"}},
		{ID: "3", Headers: map[string]string{"order": "o-8"}},
	} {
		if err := d(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if calls("1") != 1 || calls("2") != 0 || calls("3") != 1 {
		t.Fatalf("calls 1:%d 2:%d 3:%d, want 1 0 1", calls("1"), calls("2"), calls("3"))
	}
}

// failingStore fails Seen or Mark.
type failingStore struct {
	dedup.Store
	seenErr, markErr error
}

func (s failingStore) Seen(ctx context.Context, k string) (bool, error) {
	if s.seenErr != nil {
		return false, s.seenErr
	}
	return s.Store.Seen(ctx, k)
}

func (s failingStore) Mark(ctx context.Context, k string) error {
	if s.markErr != nil {
		return s.markErr
	}
	return s.Store.Mark(ctx, k)
}

func TestStoreErrors(t *testing.T) {
	ctx := context.Background()
	down := errors.New("store down")
	h, calls := counting(nil)
	d := dedup.Middleware(failingStore{Store: dedup.NewMemoryStore(10, time.Hour), seenErr: down})(h)
	if err := d(ctx, msg("a")); !errors.Is(err, down) || calls("a") != 0 {
		t.Fatalf("Seen failing: %v after %d calls; want the store's error and no call", err, calls("a"))
	}

	var told []string
	d = dedup.Middleware(failingStore{Store: dedup.NewMemoryStore(10, time.Hour), markErr: down},
		dedup.OnMarkError(func(_ context.Context, m *mq.Message, err error) { told = append(told, m.ID+": "+err.Error()) }))(h)
	if err := d(ctx, msg("b")); err != nil {
		t.Fatalf("Mark failing after success: %v, want nil (the work is done)", err)
	}
	if len(told) != 1 || told[0] != "b: store down" {
		t.Fatalf("OnMarkError told %q", told)
	}
}

// A duplicate arriving while the first copy runs waits for it, then is
// skipped when it succeeded and runs when it failed.
func TestConcurrentDuplicates(t *testing.T) {
	for _, firstFails := range []bool{false, true} {
		var running atomic.Int32
		started, release := make(chan struct{}, 2), make(chan struct{})
		var calls atomic.Int32
		h := func(ctx context.Context, m *mq.Message) error {
			if running.Add(1) > 1 {
				t.Error("two copies of one key ran at once")
			}
			defer running.Add(-1)
			n := calls.Add(1)
			started <- struct{}{}
			if n == 1 {
				<-release
				if firstFails {
					return errors.New("first copy failed")
				}
			}
			return nil
		}
		d := dedup.Middleware(dedup.NewMemoryStore(10, time.Hour))(h)
		errs := make(chan error, 2)
		go func() { errs <- d(context.Background(), msg("k")) }()
		<-started
		go func() { errs <- d(context.Background(), msg("k")) }()
		// The second copy must not start while the first runs.
		select {
		case <-started:
			t.Fatal("the duplicate started while the first copy was running")
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		e1, e2 := <-errs, <-errs
		want := int32(1)
		if firstFails {
			want = 2
			if (e1 == nil) == (e2 == nil) {
				t.Errorf("first copy failing: errors %v, %v; want exactly one", e1, e2)
			}
		} else if e1 != nil || e2 != nil {
			t.Errorf("errors %v, %v", e1, e2)
		}
		if got := calls.Load(); got != want {
			t.Errorf("first copy fails=%v: handler ran %d times, want %d", firstFails, got, want)
		}
	}
}

// A duplicate waiting for the copy in flight gives up with its ctx.
func TestWaitingDuplicateCanceled(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	h := func(ctx context.Context, m *mq.Message) error {
		close(started)
		<-release
		return nil
	}
	d := dedup.Middleware(dedup.NewMemoryStore(10, time.Hour))(h)
	first := make(chan error, 1)
	go func() { first <- d(context.Background(), msg("k")) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d(ctx, msg("k")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting duplicate: %v, want its ctx's error", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}
