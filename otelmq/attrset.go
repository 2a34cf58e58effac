package otelmq

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// maxSets bounds the cached attribute sets (one per backend, topic, group,
// operation and error type seen); past it, sets are built per measurement.
const maxSets = 4096

// setKey names one metric attribute set.
type setKey struct {
	op                          string // opSend or opProcess
	system, topic, group, errTy string
}

// setCache keeps the attribute sets of the measurements: building one
// (sorting, hashing, allocating) costs more than recording it.
type setCache struct {
	m sync.Map // setKey → metric.MeasurementOption
	n atomic.Int64
}

func (c *setCache) get(k setKey) metric.MeasurementOption {
	if v, ok := c.m.Load(k); ok {
		return v.(metric.MeasurementOption)
	}
	typ := semconv.MessagingOperationTypeProcess
	if k.op == opSend {
		typ = semconv.MessagingOperationTypeSend
	}
	kv := operation(base(k.system, k.topic, k.group), k.op, typ)
	if k.errTy != "" {
		kv = append(kv, semconv.ErrorTypeKey.String(k.errTy))
	}
	o := metric.WithAttributeSet(attribute.NewSet(kv...))
	if c.n.Load() < maxSets {
		if _, loaded := c.m.LoadOrStore(k, o); !loaded {
			c.n.Add(1)
		}
	}
	return o
}
