package rocketmq

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

// Property names unimq writes besides the native ones.
const (
	// PropertyID carries Message.ID (RocketMQ's own message id is the
	// client-generated UNIQ_KEY, reported as BrokerID).
	PropertyID = driver.HeaderID
	// Timer properties of RocketMQ 5.x (arbitrary delivery time).
	propTimerDeliverMS = "TIMER_DELIVER_MS"
	// RocketMQ cannot carry an empty body (the broker refuses it) nor a
	// property with an empty value (the broker drops it). unimq sends an
	// empty body as one zero byte with UNIMQ_EMPTY_BODY=1, and lists the
	// headers whose value is empty in UNIMQ_EMPTY_HEADERS (newline
	// separated); the receiving side restores both.
	propEmptyBody    = "UNIMQ_EMPTY_BODY"
	propEmptyHeaders = "UNIMQ_EMPTY_HEADERS"
	// propShardingKey is RocketMQ's own name of the sharding key property
	// (Java MessageConst.PROPERTY_SHARDING_KEY); rocketmq-client-go names
	// it SHARDING_KEY (primitive.PropertyShardingKey). unimq writes the
	// Java name and reads both.
	propShardingKey = "__SHARDINGKEY"
	// propTxLegacy was written on PublishTx messages by earlier unimq
	// versions; still hidden on receipt and refused as a header name.
	propTxLegacy = "UNIMQ_TX"
)

// reserved are RocketMQ's system property names (Java MessageConst). A
// header with one of these names would change how the broker treats the
// message, so Publish rejects it; on receipt they are not copied to Headers.
var reserved = map[string]bool{}

func init() {
	for _, k := range []string{
		primitive.PropertyKeys, primitive.PropertyTags, primitive.PropertyWaitStoreMsgOk,
		primitive.PropertyDelayTimeLevel, primitive.PropertyRetryTopic, primitive.PropertyRealTopic,
		primitive.PropertyRealQueueId, primitive.PropertyTransactionPrepared, primitive.PropertyProducerGroup,
		primitive.PropertyMinOffset, primitive.PropertyMaxOffset, primitive.PropertyBuyerId,
		primitive.PropertyOriginMessageId, primitive.PropertyTransferFlag, primitive.PropertyCorrectionFlag,
		primitive.PropertyMQ2Flag, primitive.PropertyReconsumeTime, primitive.PropertyMsgRegion,
		primitive.PropertyTraceSwitch, primitive.PropertyUniqueClientMessageIdKeyIndex,
		primitive.PropertyMaxReconsumeTimes, primitive.PropertyConsumeStartTime,
		primitive.PropertyTranscationPreparedQueueOffset, primitive.PropertyTranscationCheckTimes,
		primitive.PropertyCheckImmunityTimeInSeconds, primitive.PropertyShardingKey,
		primitive.PropertyTransactionID, primitive.PropertyCorrelationID, primitive.PropertyMessageReplyToClient,
		primitive.PropertyMessageTTL, primitive.PropertyReplyMessageArriveTime, primitive.PropertyMsgType,
		primitive.PropertyCluster,
		"__STARTDELIVERTIME", "TIMER_DELIVER_MS", "TIMER_DELAY_SEC", "TIMER_DELAY_MS", "TIMER_OUT_MS",
		"TIMER_ENQUEUE_MS", "TIMER_DEQUEUE_MS", "TIMER_ROLL_TIMES", "TIMER_DEL_UNIQKEY",
		"INNER_NUM", "INNER_BASE", "INNER_MULTI_DISPATCH", "INNER_MULTI_QUEUE_OFFSET", "TRACE_CONTEXT",
		"bname", "DUP_INFO", "EXTEND_UNIQ_INFO", "POP_CK", "POP_CK_OFFSET", "1ST_POP_TIME",
		"INSTANCE_ID", "CONSUME_CONTEXT", "__RMQ.TRANSIENT.MSG_TYPE__", "MSG_TYPE",
		"TRAN_PREPARED_QUEUE_OFFSET", "CRC32", propEmptyBody, propEmptyHeaders, propShardingKey, propTxLegacy,
	} {
		reserved[k] = true
	}
}

// toPrimitive builds the client message for dm. level > 0 sets a delay
// level; timer sets the 5.x delivery-time property for dm.DeliverAt.
func toPrimitive(topic string, dm *driver.Message) *primitive.Message {
	body := dm.Body
	props := make(map[string]string, len(dm.Headers)+4)
	var empty []string
	for k, v := range dm.Headers {
		if v == "" {
			empty = append(empty, k)
			continue
		}
		props[k] = v
	}
	if len(empty) > 0 {
		sort.Strings(empty)
		props[propEmptyHeaders] = strings.Join(empty, "\n")
	}
	if len(body) == 0 {
		body = []byte{0}
		props[propEmptyBody] = "1"
	}
	// The client sets UNIQ_KEY (the msgId) itself, except inside a batch;
	// set it here so that every message of a batch has its id too.
	props[primitive.PropertyUniqueClientMessageIdKeyIndex] = primitive.CreateUniqID()
	m := primitive.NewMessage(topic, body)
	m.WithProperties(props)
	if dm.Tag != "" {
		m.WithTag(dm.Tag)
	}
	if dm.Key != "" {
		m.WithKeys([]string{dm.Key})
		m.WithProperty(propShardingKey, dm.Key)
	}
	if dm.ID != "" {
		m.WithProperty(PropertyID, dm.ID)
	}
	if dm.Partition >= 0 {
		m.Queue = &primitive.MessageQueue{Topic: topic, QueueId: int(dm.Partition)}
	}
	return m
}

// checkMessage refuses, before anything is sent, a message with a field
// that RocketMQ would not carry byte-exact. Every one of Tag, Key, ID and the
// header names and values becomes a property of the message, and the
// remoting protocol encodes properties as name\x01value\x02... with no
// escaping, so a \x01 or \x02 in any of them would inject or rewrite
// properties (TRAN_MSG, DELAY, TAGS, ...). The broker and the clients
// decode properties as UTF-8 strings (invalid bytes become U+FFFD), so
// every field must be valid UTF-8. Header names are further limited to
// printable characters (no control characters: unimq lists empty headers
// newline-separated) and may not be a RocketMQ system property name. The
// Key may not contain a space: RocketMQ's KEYS property is space-separated,
// so the broker would index "a b" as two keys. The body is bytes and is
// carried as is.
func checkMessage(op string, dm *driver.Message) error {
	for k, v := range dm.Headers {
		if reserved[k] || k == PropertyID {
			return driver.Errorf(driver.CodeInvalidArgument, op, "header %q is a RocketMQ system property name; use another name", k)
		}
		if err := checkHeaderName(op, k); err != nil {
			return err
		}
		if err := checkField(op, "the value of header "+strconv.Quote(k), v); err != nil {
			return err
		}
	}
	if err := checkField(op, "tag", dm.Tag); err != nil {
		return err
	}
	if strings.Contains(dm.Tag, "|") {
		return driver.Errorf(driver.CodeInvalidArgument, op, "tag %q contains '|' (RocketMQ's tag expression separator)", dm.Tag)
	}
	if err := checkField(op, "key", dm.Key); err != nil {
		return err
	}
	if strings.Contains(dm.Key, " ") {
		return driver.Errorf(driver.CodeInvalidArgument, op, "key %q contains a space (RocketMQ's KEYS property is space-separated: the broker would index it as several keys)", dm.Key)
	}
	return checkField(op, "id", dm.ID)
}

// checkField refuses a property value that is not valid UTF-8 or that
// contains the property separators \x01 or \x02.
func checkField(op, what, v string) error {
	if strings.ContainsAny(v, "\x01\x02") {
		return driver.Errorf(driver.CodeInvalidArgument, op, "%s contains the RocketMQ property separators \\x01 or \\x02", what)
	}
	if !utf8.ValidString(v) {
		return driver.Errorf(driver.CodeInvalidArgument, op, "%s is not valid UTF-8 (RocketMQ properties are UTF-8 strings)", what)
	}
	return nil
}

// checkHeaderName refuses a header name that is empty, not valid UTF-8 or
// has a control character (including the separators \x01 and \x02).
func checkHeaderName(op, k string) error {
	if k == "" {
		return driver.Errorf(driver.CodeInvalidArgument, op, "empty header name")
	}
	if !utf8.ValidString(k) {
		return driver.Errorf(driver.CodeInvalidArgument, op, "header name %q is not valid UTF-8 (RocketMQ properties are UTF-8 strings)", k)
	}
	for _, r := range k {
		if unicode.IsControl(r) {
			return driver.Errorf(driver.CodeInvalidArgument, op, "header name %q contains a control character", k)
		}
	}
	return nil
}

// fromExt converts a received message. namespace is stripped from the topic.
func fromExt(me *primitive.MessageExt, namespace string) *driver.Message {
	props := me.GetProperties()
	dm := &driver.Message{
		Topic:       stripNamespace(me.Topic, namespace),
		Body:        me.Body,
		Tag:         props[primitive.PropertyTags],
		Key:         props[propShardingKey],
		ID:          props[PropertyID],
		Offset:      me.QueueOffset,
		Attempt:     int(me.ReconsumeTimes) + 1,
		PublishTime: time.UnixMilli(me.BornTimestamp),
		BrokerID:    me.MsgId,
		Partition:   -1,
	}
	if me.Queue != nil {
		dm.Partition = int32(me.Queue.QueueId)
	}
	if dm.Key == "" {
		dm.Key = props[primitive.PropertyShardingKey] // a rocketmq-client-go producer's name
	}
	if dm.Key == "" {
		dm.Key = props[primitive.PropertyKeys]
	}
	if dm.ID == "" {
		dm.ID = me.MsgId
	}
	if props[propEmptyBody] != "" {
		dm.Body = nil
	}
	if e := props[propEmptyHeaders]; e != "" {
		dm.Headers = make(map[string]string, len(props))
		for _, k := range strings.Split(e, "\n") {
			dm.Headers[k] = ""
		}
	}
	for k, v := range props {
		if reserved[k] || k == PropertyID {
			continue
		}
		if k == driver.HeaderAttempt { // a retry copy's attempt (retry.go)
			if a, err := strconv.Atoi(v); err == nil && a > dm.Attempt {
				dm.Attempt = a
			}
			continue
		}
		if dm.Headers == nil {
			dm.Headers = make(map[string]string, len(props))
		}
		dm.Headers[k] = v
	}
	return dm
}

func stripNamespace(topic, ns string) string {
	if ns != "" {
		return strings.TrimPrefix(topic, ns+"%")
	}
	return topic
}

func itoa(n int) string { return strconv.Itoa(n) }
