// Package protocodec is the Protocol Buffers codec of package mq/typed
// (google.golang.org/protobuf, binary wire format), kept in a package of its
// own so that users of the JSON codec do not link the protobuf runtime.
//
//	orders := typed.NewPublisher[*pb.Order](c, "orders", protocodec.Codec)
//	sub, err := typed.Subscribe(ctx, c, "orders", protocodec.Codec,
//		func(ctx context.Context, o *pb.Order, m *mq.Message) error { ... })
//
// The type parameter is the generated message's pointer type (*pb.Order);
// each received message is decoded into a newly allocated one. Codec is
// safe for concurrent use and starts no goroutine.
package protocodec

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/unimq/unimq/mq/typed"
)

// ContentType is what Codec writes in header typed.HeaderContentType.
const ContentType = "application/x-protobuf"

// Codec encodes proto.Message values in the binary wire format.
var Codec typed.Codec = codec{}

type codec struct{}

func (codec) ContentType() string { return ContentType }

func (codec) Marshal(v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("protocodec: %T is not a proto.Message", v)
	}
	return proto.Marshal(m)
}

func (codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("protocodec: %T is not a proto.Message (use the generated pointer type, such as *pb.Order, as the type parameter)", v)
	}
	return proto.Unmarshal(data, m)
}
