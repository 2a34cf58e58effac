package typed

import (
	"encoding/json"
	"strings"
)

// HeaderContentType is the header (mq.Message.Headers) that carries a
// codec's content type: the AMQP content-type property on RabbitMQ, a
// record header on Kafka, a user property on RocketMQ.
const HeaderContentType = "content-type"

// Codec turns values into message bodies and back. Implementations must be
// safe for concurrent use.
type Codec interface {
	// ContentType is the media type of the bodies the codec writes and
	// reads, such as "application/json".
	ContentType() string
	// Marshal encodes v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a non-nil pointer (for a pointer type
	// T, a newly allocated T; else a *T).
	Unmarshal(data []byte, v any) error
}

// JSON is the codec of encoding/json, content type "application/json".
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) ContentType() string                { return "application/json" }
func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// sameMediaType compares the media types of two content types, ignoring
// case, parameters (";charset=utf-8") and surrounding white space.
func sameMediaType(a, b string) bool {
	return strings.EqualFold(mediaType(a), mediaType(b))
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}
