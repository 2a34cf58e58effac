package rocketmq

import (
	"reflect"
	"sync"
	"time"
	"unsafe"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/emirpasic/gods/maps/treemap"
)

// The offsets a concurrent clustering subscription hands over at Close.
//
// rocketmq-client-go v2.1.2 moves a queue's offset after a callback
// returned, in the callback's goroutine (removeMessage, then update). On a
// busy machine that goroutine can run long after the callback returned, and
// after Close has read the client's offsets: the member taking the queue over
// would replay messages acknowledged before Close returned. So the
// subscription records every acknowledged message (its offset in its queue)
// the moment it is settled, and at Close computes each queue's next offset
// itself from the client's process queue: the first message held there that
// was not acknowledged, or past the last pulled message when all were. That
// offset is written into the client's table (increase only, as the client
// does) and committed synchronously.

// ackedQueue is what was acknowledged in one queue and may still be held in
// the client's process queue.
type ackedQueue struct {
	offs    map[int64]struct{}
	max     int64 // the highest offset acknowledged
	pruneAt int   // prune when offs grows past this
}

// minPrune is the smallest size at which ackedQueue is pruned.
const minPrune = 256

// recordAck notes that m's message was acknowledged; s.mu held.
func (s *subscription) recordAck(me *primitive.MessageExt) {
	if me == nil || me.Queue == nil {
		return
	}
	q := *me.Queue
	a := s.acked[q]
	if a == nil {
		a = &ackedQueue{offs: map[int64]struct{}{}, pruneAt: minPrune, max: -1}
		s.acked[q] = a
	}
	a.offs[me.QueueOffset] = struct{}{}
	a.max = max(a.max, me.QueueOffset)
	if len(a.offs) < a.pruneAt {
		return
	}
	// Forget what the client removed already (below its first held message).
	if v, ok := s.pqState(q); ok {
		for off := range a.offs {
			if !v.empty && off < v.first {
				delete(a.offs, off)
			}
		}
	}
	a.pruneAt = max(minPrune, 2*len(a.offs))
}

// pqView is what one process queue of the client holds.
type pqView struct {
	held  []int64 // offsets of the messages held (pulled, not removed), ascending
	first int64   // held[0] when not empty
	empty bool
	max   int64 // the highest offset pulled so far
}

// pqState reads the client's process queue of q (under its lock).
func (s *subscription) pqState(q primitive.MessageQueue) (pqView, bool) {
	table := processQueues(s.pc)
	if table == nil {
		return pqView{}, false
	}
	v, ok := table.Load(q)
	if !ok {
		return pqView{}, false
	}
	return readPQ(v)
}

// readPQ reads a *processQueue of rocketmq-client-go v2.1.2 (unexported,
// hence reflection); ok false when the layout differs.
func readPQ(pq any) (pqView, bool) {
	v := reflect.ValueOf(pq)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return pqView{}, false
	}
	st := v.Elem()
	mu, cache, top := st.FieldByName("mutex"), st.FieldByName("msgCache"), st.FieldByName("queueOffsetMax")
	if !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.RWMutex{}) || !mu.CanAddr() ||
		!cache.IsValid() || cache.Type() != reflect.TypeOf((*treemap.Map)(nil)) || !cache.CanAddr() ||
		!top.IsValid() || top.Kind() != reflect.Int64 || !top.CanAddr() {
		return pqView{}, false
	}
	lock := (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr()))
	lock.RLock()
	defer lock.RUnlock()
	m := *(*(*treemap.Map))(unsafe.Pointer(cache.UnsafeAddr()))
	out := pqView{max: *(*int64)(unsafe.Pointer(top.UnsafeAddr())), empty: true}
	if m == nil {
		return out, true
	}
	for _, k := range m.Keys() {
		if off, ok := k.(int64); ok {
			out.held = append(out.held, off)
		}
	}
	if len(out.held) > 0 {
		out.empty, out.first = false, out.held[0]
	}
	return out, true
}

// views reads every process queue of the client; nil when its layout is
// unknown.
func (s *subscription) views() map[primitive.MessageQueue]pqView {
	table := processQueues(s.pc)
	if table == nil {
		return nil
	}
	views := map[primitive.MessageQueue]pqView{}
	known := true
	table.Range(func(k, v any) bool {
		q, ok := k.(primitive.MessageQueue)
		if !ok {
			known = false
			return false
		}
		pv, ok := readPQ(v)
		if !ok {
			known = false
			return false
		}
		views[q] = pv
		return true
	})
	if !known {
		return nil
	}
	return views
}

// ackedOffsets returns, for every queue the client holds, the offset after
// which nothing unacknowledged is left (nextOffset). A queue nothing was
// pulled from yet is left out. Nil when the client's layout is unknown.
func (s *subscription) ackedOffsets() map[primitive.MessageQueue]int64 {
	views := s.views()
	if views == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[primitive.MessageQueue]int64{}
	for q, v := range views {
		if next := nextOffset(v, s.acked[q]); next >= 0 {
			out[q] = next
		}
	}
	return out
}

// gaps counts the messages the client holds below the last acknowledged
// message of their queue without them being acknowledged.
func (s *subscription) gaps() int {
	views := s.views()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for q, v := range views {
		n += gapsIn(v, s.acked[q])
	}
	return n
}

// gapsIn counts the held messages of v below a's last acknowledged one that
// a does not record.
func gapsIn(v pqView, a *ackedQueue) int {
	if a == nil {
		return 0
	}
	n := 0
	for _, off := range v.held {
		if off >= a.max {
			break
		}
		if _, ok := a.offs[off]; !ok {
			n++
		}
	}
	return n
}

// gapWait bounds how long Close waits for the callbacks of gaps to start
// (the client started their goroutines already; lateBatch takes them), and
// gapPoll is how often it looks.
const (
	gapWait = 5 * time.Second
	gapPoll = 2 * time.Millisecond
)

// waitGaps waits until no queue holds an unacknowledged message below an
// acknowledged one, at most gapWait; it reports how many are left.
func (s *subscription) waitGaps() int {
	deadline := time.Now().Add(gapWait)
	t := time.NewTicker(gapPoll)
	defer t.Stop()
	for {
		n := s.gaps()
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		<-t.C
	}
}

// nextOffset is the offset a queue holding v resumes from when what a
// records is done: the first held message not acknowledged, or one past the
// last pulled message when every held one was; -1 when nothing was pulled.
func nextOffset(v pqView, a *ackedQueue) int64 {
	for _, off := range v.held {
		if a == nil {
			return off
		}
		if _, ok := a.offs[off]; !ok {
			return off
		}
	}
	if len(v.held) > 0 || v.max > 0 || (a != nil && len(a.offs) > 0) {
		return v.max + 1
	}
	return -1
}

// raiseClientOffsets raises the offsets in the client's table to offs
// (never lowers one), so that what the client persists at shutdown agrees.
func raiseClientOffsets(pc rmq.PushConsumer, offs map[primitive.MessageQueue]int64) {
	f, ok := consumerField(pc, "storage")
	if !ok || f.Kind() != reflect.Interface || f.IsNil() {
		return
	}
	p := f.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return
	}
	st := p.Elem()
	mu, table := st.FieldByName("mutex"), st.FieldByName("OffsetTable")
	if !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.RWMutex{}) || !mu.CanAddr() ||
		!table.IsValid() || table.Type() != reflect.TypeOf(map[primitive.MessageQueue]int64(nil)) || !table.CanAddr() {
		return
	}
	lock := (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr()))
	m := *(*map[primitive.MessageQueue]int64)(unsafe.Pointer(table.UnsafeAddr()))
	if m == nil {
		return
	}
	lock.Lock()
	defer lock.Unlock()
	for q, off := range offs {
		if cur, ok := m[q]; !ok || cur < off {
			m[q] = off
		}
	}
}
