package memory

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler runs functions at given times with a single time.AfterFunc
// timer, re-armed to the earliest due task. It backs delayed publishes, nack
// redeliveries and transaction check-backs of one Broker, so a long delay
// never holds up a short one and no goroutine exists while nothing is due.
type scheduler struct {
	mu      sync.Mutex
	tasks   taskHeap
	seq     uint64
	timer   *time.Timer
	stopped bool
	running sync.WaitGroup // fire callbacks in progress
}

type task struct {
	at  time.Time
	seq uint64 // FIFO among equal times
	idx int    // index in the heap, -1 when not scheduled
	fn  func()
}

type taskHeap []*task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h taskHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}
func (h *taskHeap) Push(x any) {
	t := x.(*task)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}

// add schedules fn at at; it returns nil when the scheduler was stopped.
func (s *scheduler) add(at time.Time, fn func()) *task {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.seq++
	t := &task{at: at, seq: s.seq, fn: fn}
	heap.Push(&s.tasks, t)
	if t.idx == 0 {
		s.arm(time.Now())
	}
	return t
}

// cancel unschedules t; it reports whether t had not run yet.
func (s *scheduler) cancel(t *task) bool {
	if t == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.idx < 0 {
		return false
	}
	first := t.idx == 0
	heap.Remove(&s.tasks, t.idx)
	if first {
		s.arm(time.Now())
	}
	return true
}

// arm sets the timer to the earliest task, or stops it. Caller holds mu.
func (s *scheduler) arm(now time.Time) {
	if len(s.tasks) == 0 {
		if s.timer != nil {
			s.timer.Stop()
		}
		return
	}
	d := s.tasks[0].at.Sub(now)
	if d < 0 {
		d = 0
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.fire)
		return
	}
	s.timer.Reset(d)
}

func (s *scheduler) fire() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.running.Add(1)
	defer s.running.Done()
	now := time.Now()
	var due []*task
	for len(s.tasks) > 0 && !s.tasks[0].at.After(now) {
		due = append(due, heap.Pop(&s.tasks).(*task))
	}
	s.arm(now)
	s.mu.Unlock()
	for _, t := range due {
		t.fn()
	}
}

// stop cancels every task and waits for running callbacks. Later adds are
// ignored.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	for _, t := range s.tasks {
		t.idx = -1
	}
	s.tasks = nil
	s.mu.Unlock()
	s.running.Wait()
}
