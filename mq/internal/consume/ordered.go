package consume

import (
	"fmt"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// lane holds the messages of one key waiting behind the running one.
type lane struct{ q []*driver.Message }

// dispatchOrdered queues dm behind the running messages of its key (or
// partition) and starts a lane for the key when none runs.
func (e *Engine[M]) dispatchOrdered(dm *driver.Message) {
	key := dm.Key
	if key == "" {
		key = fmt.Sprintf("\x00partition-%d", dm.Partition)
	}
	e.mu.Lock()
	if l, busy := e.lanes[key]; busy {
		l.q = append(l.q, dm)
		e.mu.Unlock()
		return
	}
	l := &lane{q: []*driver.Message{dm}}
	e.lanes[key] = l
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		r := e.newRunner()
		for {
			e.mu.Lock()
			if len(l.q) == 0 {
				delete(e.lanes, key)
				e.mu.Unlock()
				return
			}
			next := l.q[0]
			l.q = l.q[1:]
			e.mu.Unlock()
			if !e.closing.Load() {
				e.running <- struct{}{} // at most Concurrency lanes run a handler
				f, ok := e.handle(r, next, time.Now(), nil)
				<-e.running
				if ok {
					e.ack([]finished{f})
				}
			}
			e.slots.release(1)
		}
	}()
}
