package mq_test

import (
	"context"
	"errors"
	"fmt"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// Every error reads "unimq <backend> <op>: <code>: <detail>" and matches its
// code with errors.Is; errors.As gives the parts.
func ExampleError() {
	ctx := context.Background()
	client, err := mq.Open(ctx, "memory://example-error")
	if err != nil {
		panic(err)
	}
	defer client.Close(ctx)

	err = client.Publish(ctx, "", &mq.Message{Body: []byte("x")})
	fmt.Println(err)
	fmt.Println(errors.Is(err, mq.ErrInvalidArgument))
	var e *mq.Error
	if errors.As(err, &e) {
		fmt.Printf("backend=%s op=%s code=%s\n", e.Backend, e.Op, e.Code)
	}

	_, err = mq.Open(ctx, "memory://u:secret@example-error")
	fmt.Println(err)
	// Output:
	// unimq memory publish: invalid argument: empty topic
	// true
	// backend=memory op=publish code=invalid argument
	// unimq memory open: invalid option: URL takes no user or password
}
