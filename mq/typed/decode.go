package typed

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/unimq/unimq/mq"
)

// ErrDecode matches (errors.Is) every *DecodeError.
var ErrDecode = errors.New("typed: message does not decode")

// DecodeError is why a received message did not reach its typed handler: a
// content type other than the codec's, or a body the codec refused. The
// message is dead-lettered at once with it as the reason.
type DecodeError struct {
	Type        string // the Go type decoded into, such as "main.Order"
	ContentType string // the message's content type ("" when it had none)
	Want        string // the codec's content type
	Err         error  // the codec's error; nil when the content type was refused
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("typed: content type %q is not %q, the codec's for %s", e.ContentType, e.Want, e.Type)
	}
	return fmt.Sprintf("typed: decoding %s body into %s: %v", e.Want, e.Type, e.Err)
}

// Unwrap returns the codec's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// Decode checks m's content type and decodes its body into a new T, as
// the handlers of Handle do: for messages received from an mq.Consumer.
// The error is a *DecodeError; settle such a message with
// m.Nack(ctx, mq.NoRetry(err)) to dead-letter it at once. It panics when
// codec is nil.
func Decode[T any](codec Codec, m *mq.Message) (T, error) {
	if codec == nil {
		panic("typed.Decode: nil codec")
	}
	return newDecoder[T](codec).decode(m)
}

// decoder decodes message bodies into values of T.
type decoder[T any] struct {
	codec Codec
	ct    string
	name  string
	elem  reflect.Type // T's element type when T is a pointer, else nil
}

func newDecoder[T any](codec Codec) *decoder[T] {
	d := &decoder[T]{codec: codec, ct: codec.ContentType(), name: typeName[T]()}
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Pointer {
		d.elem = t.Elem()
	}
	return d
}

// decode checks m's content type and decodes its body into a new T.
func (d *decoder[T]) decode(m *mq.Message) (T, error) {
	var v T
	if ct, ok := m.Headers[HeaderContentType]; ok && ct != "" && !sameMediaType(ct, d.ct) {
		return v, &DecodeError{Type: d.name, ContentType: ct, Want: d.ct}
	}
	target := any(&v)
	if d.elem != nil {
		p := reflect.New(d.elem)
		v = p.Interface().(T)
		target = v
	}
	if err := d.codec.Unmarshal(m.Body, target); err != nil {
		var zero T
		return zero, &DecodeError{Type: d.name, ContentType: m.Headers[HeaderContentType], Want: d.ct, Err: err}
	}
	return v, nil
}

func typeName[T any]() string { return reflect.TypeFor[T]().String() }
