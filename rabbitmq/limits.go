package rabbitmq

import (
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Protocol limits, checked before anything is written: amqp091 shuts the
// whole connection down when it cannot encode a frame (a short string over
// 255 bytes), and the broker closes the connection (FRAME_ERROR) for a
// header frame over frame_max or a declared name that is not UTF-8. Either
// would fail every publish in flight on that connection, not just the bad
// one.

// shortMax is the length limit of an AMQP short string (names, routing keys,
// header names, most properties).
const shortMax = 255

// checkName checks a name the broker reads in a declaration or a binding
// (exchange, queue): a short string of valid UTF-8. kind says what the name
// is; the error does not quote it.
func checkName(op, kind, name string) error {
	if len(name) > shortMax {
		return driver.Errorf(driver.CodeInvalidArgument, op, "%s of %d bytes: AMQP names hold at most %d (a long topic or group name?)", kind, len(name), shortMax)
	}
	if !utf8.ValidString(name) {
		return driver.Errorf(driver.CodeInvalidArgument, op, "%s is not valid UTF-8", kind)
	}
	return nil
}

// checkKey checks a routing or binding key: a short string (the broker takes
// any bytes).
func checkKey(op, kind, key string) error {
	if len(key) > shortMax {
		return driver.Errorf(driver.CodeInvalidArgument, op, "%s of %d bytes: AMQP routing keys hold at most %d", kind, len(key), shortMax)
	}
	return nil
}

// Header frame layout: frame header (7) and end (1), class, weight and body
// size (12), property flags (2).
const headerFrameFixed = 7 + 1 + 12 + 2

// headerFrameSize is the size of the header frame amqp091 writes for p
// (every headers value unimq writes is a string).
func headerFrameSize(p *amqp.Publishing) int {
	n := headerFrameFixed
	for _, s := range [...]string{p.ContentType, p.ContentEncoding, p.CorrelationId, p.ReplyTo, p.Expiration, p.MessageId, p.Type, p.UserId, p.AppId} {
		if s != "" {
			n += 1 + len(s)
		}
	}
	if p.DeliveryMode != 0 {
		n++
	}
	if p.Priority != 0 {
		n++
	}
	if !p.Timestamp.IsZero() {
		n += 8
	}
	if len(p.Headers) > 0 {
		n += 4
		for k, v := range p.Headers {
			n += 1 + len(k) + 1
			switch x := v.(type) {
			case string:
				n += 4 + len(x)
			case []byte:
				n += 4 + len(x)
			default:
				n += 9 // numbers, booleans, timestamps
			}
		}
	}
	return n
}

// fits checks a publish of p to exchange with key against the short-string
// limits and the frame size of the channel's connection.
func (pc *pubChan) fits(exchange, key string, p *amqp.Publishing) error {
	if len(exchange) > shortMax {
		return driver.Errorf(driver.CodeInvalidArgument, "publish", "exchange name of %d bytes: AMQP names hold at most %d", len(exchange), shortMax)
	}
	if err := checkKey("publish", "routing key", key); err != nil {
		return err
	}
	for _, s := range [...]string{p.ContentType, p.ContentEncoding, p.CorrelationId, p.ReplyTo, p.Expiration, p.MessageId, p.Type, p.UserId, p.AppId} {
		if len(s) > shortMax {
			return driver.Errorf(driver.CodeInvalidArgument, "publish", "an AMQP property of %d bytes: at most %d", len(s), shortMax)
		}
	}
	for k := range p.Headers {
		if len(k) > shortMax {
			return driver.Errorf(driver.CodeInvalidArgument, "publish", "header name of %d bytes: AMQP allows at most %d", len(k), shortMax)
		}
	}
	if pc.frameMax > 0 {
		if n := headerFrameSize(p); n > pc.frameMax {
			return driver.Errorf(driver.CodeTooLarge, "publish", "headers and properties of %d bytes do not fit in one AMQP frame (the broker's frame_max is %d)", n, pc.frameMax)
		}
	}
	return nil
}
