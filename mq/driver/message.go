package driver

import "time"

// Message is what crosses the driver boundary, both ways. On Send the
// publishing fields are set; on Receive the driver also fills the receipt
// fields and AckID.
type Message struct {
	// Publishing fields (see mq.Message for their meaning).
	ID        string
	Key       string
	Tag       string
	Headers   map[string]string
	Body      []byte
	DeliverAt time.Time // zero: deliver now; mq has already checked CapDelay
	Partition int32     // explicit partition/queue on Send; -1: chosen by Key

	// Receipt fields, set by the driver on Receive (and BrokerID, Partition,
	// Offset after a confirmed Send where the broker reports them).
	Topic       string
	Offset      int64
	Attempt     int // 1 on first delivery
	PublishTime time.Time
	BrokerID    string // the broker's own message id, where it has one

	// AckID is the driver's handle for Ack/Nack/DeadLetter. mq never reads it.
	AckID any
}

// Standard header names used by drivers and mq for metadata the broker has no
// native field for. They travel as ordinary broker headers/properties.
const (
	HeaderID            = "unimq-id"            // Message.ID where the broker has no id property
	HeaderTag           = "unimq-tag"           // Message.Tag where the broker has no tag (Kafka)
	HeaderAttempt       = "unimq-attempt"       // attempt number carried through retry topics/queues
	HeaderDeadReason    = "unimq-dead-reason"   // why a message was dead-lettered
	HeaderDeadTopic     = "unimq-dead-topic"    // the topic it was consumed from
	HeaderDeadGroup     = "unimq-dead-group"    // the group that gave up on it
	HeaderDeadAttempts  = "unimq-dead-attempts" // how many attempts were made
	HeaderPublishTime   = "unimq-publish-time"  // RFC3339Nano, where the broker has no timestamp
	HeaderOrigDeliverAt = "unimq-deliver-at"    // RFC3339Nano requested delivery time (delay emulation)
)
