package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestErrorsReadOneWay checks the memory backend's own errors, of its
// exported functions and of what its URL and like= mode refuse, read
// "unimq memory <op>: <code>: <detail>" as those of mq do.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := ctxT(t)
	name := "errformat-" + time.Now().Format("150405.000000000")
	b, err := memory.NewBroker(name, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	like, err := mq.Open(ctx, "memory://"+name+"-like?like=kafka")
	if err != nil {
		t.Fatal(err)
	}
	defer like.Close(context.Background())
	held, err := memory.NewBroker(name+"-held", memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		what, op string
		want     error
		call     func() error
	}{
		{"NewBroker of a name in use", "new broker", mq.ErrInvalidOption, func() error {
			_, err := memory.NewBroker(name, memory.Config{})
			return err
		}},
		{"NewBroker with a bad Config", "new broker", mq.ErrInvalidOption, func() error {
			_, err := memory.NewBroker(name+"-bad", memory.Config{Partitions: -1})
			return err
		}},
		{"Broker.Close twice", "close", mq.ErrClosed, held.Close},
		{"DeleteGroup of no topic", "delete group", mq.ErrNotFound, func() error { return b.DeleteGroup("nosuch", "g") }},
		{"URL with a password", "open", mq.ErrInvalidOption, func() error {
			_, err := mq.Open(ctx, "memory://u:hunter2@"+name)
			return err
		}},
		{"URL with a bad like=", "open", mq.ErrInvalidOption, func() error {
			_, err := mq.Open(ctx, "memory://"+name+"?like=nosuch")
			return err
		}},
		{"like=kafka refuses a delay", "publish", mq.ErrUnsupported, func() error {
			return like.Publish(ctx, "t", &mq.Message{Body: []byte("x"), Delay: time.Second})
		}},
	} {
		if err := mqtest.CheckError(r.call(), "memory", r.op, r.want, "hunter2"); err != nil {
			t.Errorf("%s: %v", r.what, err)
		}
	}
}
