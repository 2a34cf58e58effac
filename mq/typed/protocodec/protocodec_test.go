package protocodec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed"
	"github.com/unimq/unimq/mq/typed/protocodec"
)

func TestCodec(t *testing.T) {
	want := wrapperspb.String("héllo\x00")
	b, err := protocodec.Codec.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got := new(wrapperspb.StringValue)
	if err := protocodec.Codec.Unmarshal(b, got); err != nil || !proto.Equal(got, want) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if _, err := protocodec.Codec.Marshal("not a message"); err == nil {
		t.Fatal("Marshal of a string succeeded")
	}
	var notPtr wrapperspb.StringValue
	if err := protocodec.Codec.Unmarshal(b, &notPtr); err != nil {
		t.Fatalf("Unmarshal into a *StringValue: %v", err)
	}
	if err := protocodec.Codec.Unmarshal(b, new(string)); err == nil || !strings.Contains(err.Error(), "not a proto.Message") {
		t.Fatalf("Unmarshal into a *string: %v", err)
	}
}

// Through typed.Handle: a new message per delivery, garbage dead-lettered.
func TestHandle(t *testing.T) {
	var got []*wrapperspb.Int64Value
	h := typed.Handle(protocodec.Codec, func(_ context.Context, v *wrapperspb.Int64Value, _ *mq.Message) error {
		got = append(got, v)
		return nil
	})
	for _, n := range []int64{1, 2} {
		b, _ := proto.Marshal(wrapperspb.Int64(n))
		m := &mq.Message{Body: b, Headers: map[string]string{typed.HeaderContentType: protocodec.ContentType}}
		if err := h(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] == got[1] || got[0].GetValue() != 1 || got[1].GetValue() != 2 {
		t.Fatalf("decoded %v", got)
	}
	err := h(context.Background(), &mq.Message{Body: []byte{0xff, 0xff, 0xff}, Headers: map[string]string{typed.HeaderContentType: protocodec.ContentType}})
	if !errors.Is(err, typed.ErrDecode) || !mq.IsNoRetry(err) {
		t.Fatalf("garbage body: %v", err)
	}
	err = h(context.Background(), &mq.Message{Headers: map[string]string{typed.HeaderContentType: "application/json"}})
	if !errors.Is(err, typed.ErrDecode) {
		t.Fatalf("JSON content type on a protobuf subscription: %v", err)
	}
}

// Publish a protobuf message; the type parameter is the generated pointer
// type.
func Example() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://protocodec-example")
	defer c.Close(ctx)

	got := make(chan string, 1)
	sub, _ := typed.Subscribe(ctx, c, "greetings", protocodec.Codec,
		func(ctx context.Context, v *wrapperspb.StringValue, m *mq.Message) error {
			got <- v.GetValue() + " " + m.Header(typed.HeaderContentType)
			return nil
		})
	defer sub.Close(ctx)

	p := typed.NewPublisher[*wrapperspb.StringValue](c, "greetings", protocodec.Codec)
	_ = p.Publish(ctx, wrapperspb.String("hello"), nil)
	fmt.Println(<-got)
	// Output: hello application/x-protobuf
}
