// Package rabbitmq is the RabbitMQ backend of unimq, on
// github.com/rabbitmq/amqp091-go. Importing it registers the URL schemes
// amqp:// and amqps://:
//
//	import _ "github.com/unimq/unimq/rabbitmq"
//
//	c, err := mq.Open(ctx, "amqp://user:pass@host:5672/vhost?mode=topic")
//
// # URL
//
// amqp://user:pass@host:5672/vhost (amqps:// for TLS; the vhost is the
// path, "/" when empty). The host may be a list of nodes of one cluster,
// amqp://user:pass@h1:5672,h2:5673,h3:5674/vhost: the adapter dials them in
// turn (amqp091 takes one address), on Open from the first, and on every
// reconnect from the node after the one it lost, each with the whole
// connect_timeout, backing off between rounds. Parameters, all optional;
// any other one is mq.ErrInvalidOption:
//
//	mode=topic              default mode of every topic: topic, simple, worker, fanout, direct
//	heartbeat=10s           AMQP heartbeat
//	connect_timeout=10s     bound of TCP connect + TLS + AMQP handshake
//	connection_name=unimq   client-provided name ("-pub" / "-sub" appended), shown by the broker
//	channels=8              publishing channels in the pool (per kind: confirm / one-way)
//	queue_type=classic      type of the queues unimq declares: classic or quorum (stream: ErrUnsupported)
//	delivery_limit=16       quorum queues: x-delivery-limit, dead-lettering to <queue>.dlq (0: none)
//	tls_ca=PATH             amqps: CA bundle (PEM) to trust instead of the system roots
//	tls_cert=PATH&tls_key=PATH  amqps: client certificate and key (PEM)
//	tls_server_name=NAME    amqps: name to verify (default: each node's host)
//	tls_insecure=false      amqps: skip certificate verification (tests only)
//
// WithTLS replaces the tls_* parameters with a *tls.Config. Credentials are
// redacted ("xxxxx") in every error and log line. A URL that is not exactly
// amqp[s]://[user[:password]@]host[:port][,host[:port]...][/vhost][?params] (no "//", no
// host, a fragment, an empty or bad port, an '@' after the host...) is
// mq.ErrInvalidOption, naming the problem without quoting the URL. The
// tls_* files must be regular files (opened without blocking, read checking
// ctx). Failures retrying cannot fix (credentials, vhost, SASL, TLS
// verification or a refused client certificate) are mq.ErrInvalidOption,
// the others mq.ErrUnavailable.
//
// # Modes
//
// A topic maps onto RabbitMQ in one of the five patterns of the RabbitMQ
// tutorials. The mode of a topic is, first found: WithMode given
// to the call (Publish, Subscribe), WithTopicMode for that topic (call, then
// Open), WithMode given to Open, the URL's mode=, Topic. Publishers and
// subscribers of a topic must agree on its mode (an exchange of another type
// is mq.ErrInvalidOption).
//
//	mode    topic is                     group                         Broadcast                     Tag / filter
//	simple  a durable queue <topic>      ignored: all subscribers      unsupported                   header unimq-tag;
//	worker  (the same)                   compete for the one queue     (ErrUnsupported)              filtered by mq
//	fanout  a durable fanout exchange    durable queue <topic>.<group> exclusive auto-delete queue   routing key; binding "",
//	                                     bound to the exchange         <topic>.broadcast.<random>    filtered by mq
//	direct  a durable direct exchange    (the same)                    (the same)                    routing key; bindings = the
//	                                                                                                 TagFilter's tags (exact); no
//	                                                                                                 filter binds "" (untagged only);
//	                                                                                                 TagPattern is ErrUnsupported
//	topic   a durable topic exchange     (the same)                    (the same)                    routing key; bindings = the
//	(default)                                                                                        TagPattern's patterns ("*" one
//	                                                                                                 word, "#" zero or more) or the
//	                                                                                                 TagFilter's tags; none binds "#"
//
// Topic is the default because a topic exchange behaves as a direct exchange
// for plain tags and as a fanout exchange for "#", so it serves every unimq
// filter server-side. In the queue modes (simple, worker) the queue is
// declared by the first publish as well as by Subscribe, so messages sent
// before any consumer wait for it (CapStartOldest; a subscriber gets what
// the queue holds whatever its start position); groups make no difference
// and Broadcast is ErrUnsupported. In the exchange modes
// Subscribe declares the exchange, the group's queue and its bindings before
// it returns: a message published earlier reached no queue of that group
// (StartFrom(Oldest) is ErrUnsupported), and a message published to an
// exchange with no queue bound is reported as mq.ErrUnroutable (mandatory
// flag), never dropped silently. Client.Declare declares the
// exchange and a durable queue per group, exactly as Subscribe with that
// group (unfiltered) would, so publishing can start before the subscribers. Bindings added to a durable group queue
// stay when the group later subscribes with another filter; mq still
// filters client-side and acknowledges what it skips.
//
// # Messages
//
// Body is the AMQP body, untouched. Headers are the AMQP headers table,
// except six names that are AMQP properties (both ways, for interop with
// plain clients): content-type, content-encoding, correlation-id, reply-to,
// type, app-id. ID is the message-id property (a unique id is generated when
// empty and set on the published Message); Key travels as header unimq-key;
// Tag is the routing key (exchange modes) or header unimq-tag (queue modes,
// retries); PublishTime is the timestamp property (AMQP timestamps have
// one-second resolution). Received header values that are not strings
// (numbers, booleans, timestamps) are formatted as text. Messages are
// persistent (delivery mode 2) unless Publish is given WithTransient().
//
// # Publishing
//
// Publishes go through a pool of channels (URL channels=, never a channel per
// publish) on a publishing connection of their own, so that flow control on
// publishers never stalls consumers' acks. Publish, PublishBatch and
// PublishAsync use channels in confirm mode with the mandatory flag: a
// channel is held only while writing, and confirms are matched by delivery
// tag, so concurrent and batched publishes are pipelined. Messages with a
// Key always use the channel of their key (FNV-1a hash over the pool), so
// that async publishes of one key reach the queue in order (RabbitMQ orders
// one channel's messages, not messages across channels); a batch uses the
// channel of its first message's key. A basic.ack
// confirms; a basic.nack is mq.ErrRejected; a basic.return before the ack is
// mq.ErrUnroutable; a channel or connection lost before the confirm is
// mq.ErrUnavailable ("may or may not be stored"), never a success.
// PublishOneWay uses channels without confirms or mandatory flag: lossy.
// A publish that meets a deleted exchange is mq.ErrNotFound; the next one
// declares it again. While the broker blocks publishers (a memory or disk
// alarm, connection.blocked), a publish stalls in the socket write until the
// alarm clears: ctx bounds waiting for a connection and for confirms, not
// that write.
// Messages are matched to basic.return by exchange, routing key and
// message-id; two in-flight messages with the same three values that route
// differently could be confused (only if the bindings change in between).
//
// Names, routing keys, properties and the header frame are checked against
// the protocol limits before anything is written (255-byte short strings,
// UTF-8 names, frame_max), since a frame amqp091 cannot encode or the broker
// refuses closes the whole publishing connection. When the broker closes a
// pooled channel for one message (channel error), the other messages pending
// on it are published again one at a time on a channel of their own: only
// the culprit fails; the others may arrive twice (isolate.go).
//
// # Delay
//
// RabbitMQ has no delayed delivery without a plugin, so Delay / DeliverAt
// use dead-letter delay queues: the message goes through the headers
// exchange unimq.delay.<topic> to the durable queue
// unimq.delay.<topic>.<ms>, whose x-message-ttl is <ms> and whose
// dead-letter exchange is the topic's exchange (queue modes: the default
// exchange and the topic's queue), keeping the routing key (the tag). Every
// message of one delay queue has the same TTL, so a long delay never holds
// up a short one. Delays are rounded up to buckets (10 ms steps under one
// second, three significant digits above: at most 1% late). Unused delay
// queues expire (x-expires). MaxDelay is 24 days. Dead-lettering has no
// mandatory flag, so in the exchange modes a delayed publish first probes
// that the exchange routes its tag to a queue now and fails with
// mq.ErrUnroutable otherwise (probe.go); a queue removed during the delay
// still loses the message.
//
// # Consuming
//
// Every subscription has a channel of its own on the consuming connection,
// with basic.qos prefetch = mq.Concurrency and manual acks (never auto-ack).
// Receive reads the channel's deliveries directly (at most Prefetch unacked
// messages are buffered). Ack is basic.ack on the channel that delivered the message.
// Nack republishes a copy with header unimq-attempt = attempt+1 (and
// unimq-tag) and acks the original once the copy is confirmed: with no delay
// straight to the queue, else to the retry queue unimq.retry.<queue>.<ms>,
// whose TTL dead-letters it back to that queue only (not to other groups).
// The attempt of a received message is unimq-attempt (1 when absent); the
// broker's x-death headers of our delay/retry hops are removed. DeadLetter
// publishes a copy with the unimq-dead-* headers to the topic given by
// mq.DeadLetterTopic (in its mode), or to the durable queue "<queue>.dlq"
// (the default, and the fallback when that topic routes it nowhere), then
// acks. When a copy cannot be published, the original is requeued
// (basic.nack with requeue): never lost. Ordered subscriptions declare their
// queue with x-single-active-consumer, so one consumer at a time gets the
// queue, in order; mq keeps per-key order within it. An Ordered and an
// unordered subscriber cannot share a queue (its arguments differ:
// mq.ErrInvalidOption); in the queue modes the first publish creates the
// queue without that argument, so an Ordered subscriber must come first.
//
// # Queue types
//
// queue_type= or WithQueueType (Open; Subscribe and NewConsumer for their
// queue) chooses classic (the default: changing the type of an existing
// queue fails its declaration, so a new default would break redeploys) or
// quorum queues. A quorum group or topic queue has x-delivery-limit
// (delivery_limit=) and dead-letters what exceeds it to <queue>.dlq, at
// least once on RabbitMQ 3.10+ (x-dead-letter-strategy at-least-once,
// x-overflow reject-publish): that catches a message whose consumer dies
// holding it, which unimq's own retries (republished copies counted in
// unimq-attempt, MaxAttempts) never see. Its delay and retry queues are
// quorum queues too (names ending in ".quorum"). Broadcast queues stay
// classic. WithExistingQueue (Subscribe, NewConsumer) consumes a queue
// declared elsewhere as it is (passive declare: mq.ErrNotFound when
// missing); a declaration that conflicts with an existing queue's
// arguments is mq.ErrInvalidOption naming the argument and both values.
//
// # Connection recovery
//
// Both connections are supervised: when one is lost (broker restart,
// network), it is redialed with backoff (100 ms doubling to 5 s) until Close.
// Publishes wait for the new connection (bounded by their ctx); those in
// flight at the loss fail with mq.ErrUnavailable. Subscriptions re-declare
// their exchange, queue, bindings and (for Broadcast) exclusive queue,
// restore the prefetch and consume again by themselves; Receive just waits
// meanwhile. Deliveries of the lost channel cannot be acked any more (Ack
// returns mq.ErrUnavailable); the broker redelivers them. Broadcast
// subscribers miss what was published while they were disconnected.
//
// Client.Ping opens and closes a channel on each connection; while one is
// down it fails at once with mq.ErrUnavailable.
//
// # Blocking and concurrency
//
// The client, its subscriptions and every method are safe for concurrent use.
// Open blocks until both connections are up (bounded by ctx and
// connect_timeout). Publish / PublishBatch block until confirmed or ctx is
// done; PublishAsync returns after writing, its callback runs on the
// channel's confirm goroutine (keep it short: it holds up that channel's
// confirms). Subscribe blocks until consuming. Close waits for outstanding
// async publishes (bounded by ctx), closes subscriptions (their unacked
// deliveries go back to the queue) and both connections; no goroutine
// remains.
//
// # Escape hatches
//
// Client.As(**amqp091.Connection) gives the publishing connection;
// Subscriber.As(**amqp091.Channel) the subscription's current channel and
// Subscriber.As(**amqp091.Connection) the consuming connection. They change
// after a reconnect; As reports false while down.
//
// # Capabilities
//
// sync, async and one-way publish, batch (pipelined confirms), delay
// (MaxDelay 24 days), ordered, dead-letter, pull, reconnect,
// redelivery-delay; groups and broadcast in the exchange modes; start-oldest
// in the queue modes; tag-filter (broker-side) in direct and topic modes,
// pattern-filter in topic mode. No transactions (AMQP tx.select is not a
// half-message/check-back protocol), no start-time, no partitions.
// MaxMessageSize is 16 MiB (the default limit of RabbitMQ 4; 3.10 allows
// 128 MiB: raise it with mq.MaxMessageSize).
package rabbitmq
