// Package kafka is the unimq backend for Apache Kafka, on
// github.com/IBM/sarama. Importing it registers the kafka:// scheme:
//
//	import _ "github.com/unimq/unimq/kafka"
//
//	client, err := mq.Open(ctx, "kafka://10.0.0.5:9092,10.0.0.6:9092?partitions=6")
//
// # Mapping
//
// A unimq topic is a Kafka topic; Key is the record key, Body the value,
// Headers the record headers, Tag the header "unimq-tag", ID the header
// "unimq-id", the publish time the record timestamp. Nothing else is added:
// records are ordinary records to any Kafka client, and records from any
// client are received (Attempt 1, Tag and ID from those headers if present).
//
// Keys are hashed like the Java client's default partitioner
// ((murmur2(key) & 0x7fffffff) % partitions), so a key lands on the same
// partition whether unimq, a Java or a librdkafka (murmur2_random) producer
// sends it. Records without a key go to a random partition; WithPartition(n)
// places records explicitly. Received messages carry Partition, Offset and
// BrokerID "topic/partition@offset"; so do confirmed publishes.
//
// # Publishing
//
// One sarama AsyncProducer (acks=all, idempotent when version >= 0.11, one
// open request per broker as idempotence requires) carries Publish,
// PublishBatch and PublishAsync: every record gets its own callback, sync
// sends wait for theirs (a batch queues every record, then waits for all),
// async sends hand theirs to the user. PublishOneWay goes through a second
// producer with acks=0 (lossy by design; it returns once the record was
// written to the socket). Close flushes both and returns after every
// pending callback ran: nothing is dropped; before closing the producers it
// waits (bounded by ctx) until every accepted record was confirmed or failed
// for its own reason. Delay is not supported (no
// delay topics): a delayed message is ErrUnsupported before anything is
// sent.
//
// # Topics
//
// With create_topics=true (the default) the adapter creates a topic through
// the admin API the first time it publishes to or subscribes on it
// (partitions= and replication= URL parameters, default the broker's), and
// does not rely on broker auto-creation. CreateTopic and Partitions are
// exported for explicit management.
//
// # Consuming
//
// A group subscription is a sarama ConsumerGroup (sticky assignment by
// default) on its own client. Subscribe returns once the member has joined
// and received its assignment; for partitions the group has no committed
// offset for, the start position (Newest, Oldest or StartAt's timestamp via
// ListOffsets) is resolved and committed then, so a record produced after
// Subscribe returns is never skipped. Broadcast uses a plain sarama
// Consumer on every partition (no group, nothing committed), from the start
// position resolved before Subscribe returns; partitions added later are not
// picked up. Consumers read with isolation read_committed.
//
// At-least-once: records of a partition may be handled concurrently (unless
// Ordered), but the offset committed for a partition only moves past a
// record once it and every record before it finished (acked, dead-lettered
// or moved to the retry topic). Marked offsets are committed every 500ms
// and when a claim ends. Ordered subscribers: keys map to partitions and
// mq runs one record per key at a time.
//
// The group's retry topic is read by a second member of the same group (its
// own client), so the main topic's partitions are spread over the members by
// the assignment alone. A topic with one partition keeps a second member
// idle.
//
// Hand-over (Close and rebalances): when a claim ends, records being handled
// get up to drain_timeout (default 5s) to finish; records that did not
// finish but sit below a finished one (not started, nacked in place, running
// past drain_timeout) are copied to the retry topic and counted finished, so
// the commit, made synchronously before the member leaves or rejoins, moves
// past every acknowledged record; the next owner never replays one. Records
// after the last finished one are read by the next owner. Replays remain
// possible after a crash or a session lost by timeout (what was handled
// since the last periodic commit, every 500ms), and for Ordered subscribers
// and retry_topics=false (no retry topic to hand gaps over). See
// docs/kafka.md.
//
// Client.Declare creates a topic and makes groups that never committed on it
// start at Declare's time (their end offsets are committed). Topic names
// follow Kafka's rule (driver.KafkaTopics).
//
// # Retries and dead letters
//
// Kafka has no per-record nack. A failed record (Nack) of a group
// subscriber is copied to the group's retry topic "<topic>.<group>.retry"
// (RetryTopic) with headers unimq-attempt (the next attempt) and
// unimq-not-before, and the original is committed; the group consumes its
// retry topic too and holds each copy in memory until its time. This
// happens only when every earlier record of the partition has finished, so
// a failover never redelivers both a record and its copy; otherwise, and
// for Broadcast and retry_topics=false, the record is redelivered in place
// after the backoff (holding back its partition's commits meanwhile).
// Ordered subscribers retry in place (in mq), keeping the key's order.
// After MaxAttempts the record goes to the dead-letter topic (DeadLetterTopic:
// "<topic>.<group>.dlq", or mq.DeadLetterTopic) with the unimq-dead-*
// headers, confirmed before the original is committed. Attempt counts
// travel in the retry copy; a record redelivered after a crash or
// rebalance keeps the attempt it had.
//
// Tag filters are applied client-side by mq; skipped records are committed.
//
// # Transactions
//
// PublishTx uses sarama's transactional producer (a transactional id
// unique to the connection, "<client_id>-tx-<random>"): BeginTxn, every
// record produced and confirmed, the local function, then CommitTxn, or
// AbortTxn when it fails. Kafka has no check-back: an unknown outcome
// (mq.ErrTxUnknown from the local function) aborts, and PublishTx reports
// a rollback. Transactions run one at a time per client. Consume-transform-
// produce (offsets in the transaction) is not offered.
//
// # Security
//
// TLS with tls=true and tls_ca / tls_cert / tls_key / tls_server_name /
// tls_insecure, or the TLS option. SASL PLAIN and SCRAM-SHA-256/512
// (sasl_mechanism, sasl_user, sasl_password, or user:password in the URL;
// SCRAM implemented on the standard library). Passwords are redacted in
// every error and log line. Open fails with ErrInvalidOption (not
// ErrUnavailable: retrying cannot help) when SASL authentication fails or
// the mechanism is not enabled, when the broker's certificate is not
// trusted or not for that name, and when the broker ends the TLS handshake
// with an alert (e.g. no or an untrusted client certificate); the broker's
// or crypto/tls's reason is in the message and the chain
// (sarama.ErrSASLAuthenticationFailed, x509.UnknownAuthorityError, ...).
// Tested against Kafka 3.9 listeners SASL_PLAINTEXT, SSL with client
// certificates, and SASL_SSL (kafka/security_test.go).
//
// # Escape hatches
//
// Client.As gives *sarama.Client, *sarama.ClusterAdmin, *sarama.AsyncProducer
// (the confirmed pipeline: do not read its Successes/Errors channels) and
// *sarama.Config. Subscriber.As gives *sarama.ConsumerGroup (groups),
// *sarama.Consumer (broadcast) and *sarama.Client.
//
// # Blocking and concurrency
//
// Open blocks until the bootstrap brokers answered (bounded by ctx).
// Publish/PublishBatch block until confirmed or ctx ends; PublishAsync
// blocks only while the producer's input is full. Subscribe blocks until
// the group is joined. Every method is safe for concurrent use. Close waits
// for the producer flush and the subscriptions' group leave; every
// goroutine the adapter started has ended when it returns. sarama's global
// Logger is left as is (discarding by default); go-metrics starts one
// process-wide meter goroutine that never ends.
package kafka
