// Package rocketmq is the unimq backend for Apache RocketMQ, on
// github.com/apache/rocketmq-client-go/v2 v2.1.2 (the remoting protocol to
// name servers and brokers; RocketMQ 4.x and 5.x brokers, no 5.x proxy).
// Import it for its side effect and open a rocketmq:// URL:
//
//	import _ "github.com/unimq/unimq/rocketmq"
//
//	client, err := mq.Open(ctx, "rocketmq://10.0.0.5:9876;10.0.0.6:9876?group=order_producer")
//
// # URL
//
// rocketmq://host:9876;host2:9876?param=value... (',' also separates name
// servers; a missing port is 9876). Parameters, all optional; any other is
// an ErrInvalidOption:
//
//	group          producer group (default unimq_producer); transactions use "<group>-tx"
//	retries        SendSync / SendOneWay retries on another queue (default 2)
//	access_key     ACL access key (also rocketmq://AK:SK@host); redacted when printed
//	secret_key     ACL secret key; redacted when printed
//	security_token ACL security token
//	namespace      RocketMQ namespace (topics and groups become "ns%name")
//	instance       prefix of the client instance names (default unimq)
//	send_timeout   producer send timeout (default 3s)
//	queues         queues of topics the adapter creates (default 4)
//	create_topics  create missing topics on the brokers (default true)
//	route_wait     how long to wait for a new topic's route / a consumer's queues, and for the
//	               producer to learn a topic's route on a first publish (default 15s)
//	selector       queue of keyed messages: "java" (default, the Java client's
//	               SelectMessageQueueByHash) or "fnv" (rocketmq-client-go's hash selector)
//	group_names    "topic" (default): group G of topic T is the RocketMQ consumer group "G|T";
//	               "exact": G itself (see Groups)
//	delay          "timer" (default): Delay/DeliverAt via RocketMQ 5.x timer
//	               messages (TIMER_DELIVER_MS, up to 3 days, ~1 s precision);
//	               "levels": the nearest of the 18 delay levels not shorter
//	               (for 4.x brokers; up to 2h)
//
// Open options (mq.Option values, like every adapter's): WithCredentials,
// WithProducerGroup, WithExactGroup (also a Subscribe / NewConsumer
// option). Publish option: WithDelayLevel(n) for the broker's delay levels 1..18 (1s 5s 10s 30s
// 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h).
//
// # Mapping
//
//	Publish          SendSync; a status other than SEND_OK is ErrRejected with a *SendStatusError cause
//	PublishAsync     SendAsync with callback (Close waits for outstanding callbacks)
//	PublishOneWay    SendOneWay (no confirmation, lossy)
//	PublishBatch     one SendSync batch when no message has a Key, an explicit queue or a delay; else one SendSync each
//	Message.Tag      tag (TAGS); a subscriber's TagFilter "a || b" is the broker-side selector expression;
//	                 TagPattern subscribes "*" and mq filters client-side
//	Message.Key      KEYS and __SHARDINGKEY (RocketMQ's own name); the queue is chosen as the Java client's
//	                 SelectMessageQueueByHash does (URL selector=java, the default; selector=fnv: FNV-1a as
//	                 rocketmq-client-go's NewHashQueueSelector), so one key stays in one queue and an
//	                 Ordered subscriber sees publish order. A Key with a space is refused (KEYS is
//	                 space-separated)
//	Message.ID       property "unimq-id" (absent: the msgId); BrokerID is the msgId (UNIQ_KEY, what
//	                 the console and "query by message id" use); Partition/Offset are queue id and queue offset
//	Headers          user properties. Names of RocketMQ system properties (KEYS, TAGS, DELAY, UNIQ_KEY,
//	                 TIMER_*, ...) are refused with ErrInvalidArgument. RocketMQ cannot carry an empty
//	                 body nor an empty property value: an empty body travels as one zero byte marked
//	                 UNIMQ_EMPTY_BODY=1, empty header values are listed in UNIMQ_EMPTY_HEADERS
//	Input rules      Tag, Key, ID and header names and values become properties (encoded
//	                 name\x01value\x02 without escaping, decoded as UTF-8): any of them with \x01
//	                 or \x02 or invalid UTF-8, a header name with a control character, a Key
//	                 with a space or a Tag with '|' is refused with ErrInvalidArgument before
//	                 anything is sent. The body is bytes, carried byte-exact
//	Group            consumer group "<group>|<topic>" (see Groups), clustering model; Broadcast:
//	                 broadcasting model with the same per-topic group (offsets in the client's local
//	                 offset store)
//	Ordered          the client's orderly push consumer (queue locks at the broker)
//	Start            ConsumeFromFirstOffset / LastOffset / Timestamp; a new group's start offsets are
//	                 committed before it starts (RocketMQ 5 would otherwise start a new group at 0
//	                 while the queue's head is in memory)
//	Nack(delay)      a copy of the message goes to the broker's %RETRY%<group> topic, due after delay
//	                 (timer property, or delay level with delay=levels), with RETRY_TOPIC naming the
//	                 original topic and the next attempt in the unimq-attempt property, then the
//	                 original is acknowledged: the client's own send-back (ConsumeRetryLater) would
//	                 resend every message of the callback's batch. Attempt = the larger of
//	                 ReconsumeTimes+1 and unimq-attempt. Orderly and broadcasting subscriptions (and
//	                 a copy that cannot be written) redeliver in place instead (the client would
//	                 otherwise move an orderly message out of order, and drops failed broadcast
//	                 messages)
//	DeadLetter       published by the adapter to %DLQ%<group> (or DeadLetterTopic), created readable,
//	                 with the reason headers (unimq-dead-*), then acknowledged
//	PublishTx        TransactionProducer: half message(s), the local function, commit / rollback /
//	                 unknown; check-back calls mq.WithTxChecker. Several messages: the client's one
//	                 half message per call is nested, so all are stored before the local function runs
//	                 and all end with its outcome
//
// # Groups
//
// A unimq group is scoped to its topic; a RocketMQ consumer group is
// broker-wide (one subscription table, one %RETRY% topic), and two
// consumers of one RocketMQ group on different topics split and drop each
// other's messages. So group G (default "default") of topic T is consumed
// as the RocketMQ group "G|T" ('.', ':' and '/' in G become '_'; when
// "%RETRY%G|T" would pass the broker's 127-byte topic limit, the name is cut
// and ends with "|" and 16 hex digits of FNV-1a 64 of "G|T"). A Java or
// other consumer joins the group under that name. WithExactGroup() or
// group_names=exact uses G unchanged, for interop with existing groups;
// such a group subscribed to a second topic in the same process is refused
// with ErrInvalidArgument.
//
// # Handover
//
// Close commits the offsets the client holds with answered requests before
// the client unregisters, and every clustering subscription has the client
// persist its offsets about a millisecond after a callback succeeds (the
// client alone does every 5 s, one-way), so the member that takes the queues
// over starts after what was acknowledged. An orderly subscription commits
// and unlocks (UNLOCK_BATCH_MQ) each queue a rebalance takes away once its
// message finished, and asks its client to rebalance while it holds fewer
// queues than its share, so the next owner does not wait for the broker's
// 60 s lock expiry. A member beyond the number of queues joins at once and
// idles.
//
// # Receiving
//
// The client's push consumer calls the adapter from its own goroutines with
// up to min(Concurrency, 32) messages of one pull at a time (one in orderly
// mode); each message waits, unsettled, until mq's subscriber or pull
// Consumer acks, nacks or dead-letters it, and only once all of a call's
// messages are settled is the result returned to the client (a handler error
// is never reported as ConsumeSuccess: the failed message was copied to the
// retry topic first). The client runs at most 2*Concurrency callbacks per
// subscription (concurrent mode) or one per queue (orderly), which bounds
// the messages held. Subscribe returns once the topic (and the group's retry
// topic) exist with a route and the consumer holds its queues (at once when
// the group's allocation gives it none: more members than queues), so the first
// messages do not wait for the client's 20-30 s route refresh and rebalance;
// topics that do not exist are created on every broker serving the template
// topic TBW102 (a signed UPDATE_AND_CREATE_TOPIC request whose answer is
// checked). mq.Client.Declare does the same ahead of any
// subscriber and fixes each named group's start at Declare's time.
//
// # Security
//
// With ACL credentials (access_key/secret_key, or WithCredentials) every
// request is signed. Open sends one signed heartbeat without groups to a
// broker of the cluster, so credentials a secured broker refuses (wrong
// keys, unknown user, none) fail Open with ErrRejected at once. Secrets never
// appear in errors, String or logs: the log bridge redacts the AccessKey,
// Signature and SecurityToken fields the client puts in its log lines.
//
// # Concurrency and blocking
//
// Everything is safe for concurrent use. Open blocks until a name server
// answered; Publish blocks until SEND_OK (bounded by send_timeout and ctx);
// the first Publish to or Subscribe on a topic may block while the topic is
// created and its route published (route_wait). Closing a subscription
// refuses further settlements; a concurrent clustering subscription then
// hands every message still unsettled in a callback (handler running or not
// started) to the retry topic, due at once with its attempt unchanged, so
// that every callback completes and the offset moves past everything
// delivered (a finished message is not redelivered because a batch-mate was
// still running). It waits up to 0.5 s after the last settlement so that the
// client applies it, then shuts the consumer down (its queues are dropped and
// offsets persisted below every message still unsettled, which is then
// redelivered, never acknowledged).
// Client.Close does that for every subscription still open, waits for async
// callbacks and shuts the producers down.
//
// # Goroutines of the client
//
// Every goroutine of this package has ended when Close returns. The client
// library keeps some of its own running after Shutdown: its schedulers and
// statistics goroutines sleep (10 s to an hour) before they notice Shutdown,
// the transaction producer's check-back loop ranges over a channel the
// client never closes (one per client that used transactions), and connection
// readers end a little later; a package-level cache starts a janitor at
// init. Tests that check for leaks ignore them (see conformance_test.go).
// The client also has data races of its own (listed with their traces in
// docs/rocketmq.md) that the race detector reports; this package's broker
// tests therefore run without -race (main_test.go).
//
// # Logging
//
// The client's logging (logrus to stdout by default) is routed to the
// logger of the most recently opened client (mq.WithLogger, default
// slog.Default()): its Info lines at Debug, Warning at Warn, Error at Error,
// and the warnings that unimq's own handling provokes on purpose at Debug.
// The values of ACL fields (AccessKey, Signature, SecurityToken) and of
// secret-named fields are replaced by "xxxxx". The client has one logger per
// process, so the last Open wins.
//
// # Escape hatches and admin
//
// Client.As gives rocketmq.Producer and, once used,
// rocketmq.TransactionProducer (package github.com/apache/rocketmq-client-go/v2);
// Subscriber.As gives rocketmq.PushConsumer.
//
// Admin functions take the *mq.Client: CreateTopic, QueryByKey, QueryByID.
// The Go client v2.1.2 has no query API, so the queries ask the brokers'
// message index directly (QUERY_MESSAGE; unsigned, so not with ACL
// enforced):
//
//	msgs, err := rocketmq.QueryByKey(ctx, client, "orders", "order-4711", 10, from, to)
package rocketmq
