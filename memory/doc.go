// Package memory is the in-memory backend of unimq: a broker inside the
// process that behaves like a partitioned log broker (Kafka, RocketMQ) with
// consumer groups, so a unit test written against memory:// means what it
// would mean against a real broker. It is the reference backend: it passes
// the whole conformance suite (mq/mqtest) and declares every capability,
// unless opened with like=kafka|rabbitmq|rocketmq to be as strict as that
// broker.
//
//	import _ "github.com/unimq/unimq/memory"
//
//	c, err := mq.Open(ctx, "memory://")                       // the process-wide default broker
//	c, err := mq.Open(ctx, "memory://orders-test")            // a named broker
//	c, err := mq.Open(ctx, "memory://orders-test?like=kafka") // as strict as Kafka
//
// # URL
//
// memory:// reaches the default broker, memory://NAME the broker called
// NAME, shared by every client of the process opened with that name and
// isolated from every other. NAME is everything between "//" and "?" (one
// trailing slash ignored), so "memory://"+t.Name() gives each test, subtests
// included, its own broker. Query parameters (unknown ones are an error
// matching mq.ErrInvalidOption, as are a malformed query, a value out of
// range, and a user, password or fragment):
//
//	parameter   default  range       meaning
//	like        none     kafka, rabbitmq, rocketmq
//	                                 be as strict as that broker (see below)
//	partitions  4        1-1024      partitions per topic
//	maxbacklog  100000   1-10^8      messages retained per partition
//	full        block    block|fail  when a partition is full and a group still needs its
//	                                 oldest message: block (publish waits for room or ctx)
//	                                 or fail (publish returns an error matching mq.ErrFull)
//	maxsize     4194304  1-2^30      largest message in bytes (body+key+tag+id+headers);
//	                                 reported as Capabilities().MaxMessageSize; the
//	                                 default with like= is that broker's default
//	copybodies  false                true: copy each body when stored and on each delivery,
//	                                 as a broker's wire does (see Publish below)
//	txcheck     1s       (0, 1h]     interval of transaction check-backs (this client)
//	txchecks    15       1-10^6      check-backs before an unknown transaction is rolled back
//
// like, partitions, maxbacklog, full, maxsize and copybodies shape the broker and are fixed by
// whoever creates it (the first Open of the name, or NewBroker); a later
// Open that sets one of them to a different value fails. txcheck and
// txchecks belong to the client. NewBroker applies the same ranges to
// Config (MaxPartitions, MaxMaxBacklog, MaxMaxMessageSize).
//
// # As strict as your broker: like=
//
// Without like, memory declares every capability and takes any topic name
// the base rule allows (driver.BaseTopics), bodies up to 4 MiB and delays
// of any length: a unit test passes where a real broker would refuse. With
// like=kafka, like=rabbitmq or like=rocketmq the broker declares that
// adapter's Capabilities (those of its default URL: RabbitMQ in topic mode,
// Kafka with transactions, RocketMQ with timer delays; a test in package
// all keeps them equal) and applies them itself:
//
//   - Topic names: the backend's rule (driver.KafkaTopics, AMQPTopics,
//     RocketMQTopics) in Capabilities.Topics; a publish, subscribe or
//     Declare that would create a topic with another name fails with
//     mq.ErrInvalidArgument and creates nothing.
//   - Message size: the broker's default limit (Kafka 1,000,000 bytes,
//     RabbitMQ 16 MiB, RocketMQ 4 MiB) unless maxsize says otherwise;
//     beyond it, mq.ErrTooLarge.
//   - Features: what the adapter lacks is mq.ErrUnsupported before anything
//     is stored: delays on Kafka (and beyond 24 days on RabbitMQ, 72 h on
//     RocketMQ), transactions on RabbitMQ, a start at the oldest message or
//     at a time on RabbitMQ. On Kafka, which has no check-back, a
//     transaction whose outcome is unknown rolls back at once.
//   - Routing (RabbitMQ): a group is a queue bound by its subscribers'
//     filters (no filter: every tag), bound as long as the group exists; a
//     broadcast subscriber's queue goes with it. A publish (delayed or not)
//     that no group would get fails with mq.ErrUnroutable, as the adapter's
//     mandatory publish does in its exchange modes: subscribe, or Declare
//     the topic's groups, before publishing.
//   - Dead letters (RocketMQ): the default dead-letter topic is
//     "%DLQ%<group>", as on RocketMQ.
//
// Partitioning, ordering, retention and everything else stay memory's.
//
// # Declare
//
// Client.Declare(ctx, topic, groups...) creates the topic and each group at
// the end of every partition, as if a subscriber had joined and left: what
// is published afterwards is kept for the group, and its first subscriber
// gets it whatever start position it asks for (the group exists, so it
// resumes). Existing groups are left where they are.
//
// # Lifetime of a broker
//
// A broker lives while something holds it: every open client holds its
// broker, and NewBroker holds the broker it creates until Broker.Close.
// When the last holder lets go, the broker and all its topics, groups and
// messages are discarded, its timers are stopped, and the next Open of the
// name starts empty. Tests that close and reopen clients and expect the
// data to stay (a group resuming where it left off, a new group reading
// from Oldest) create the broker with NewBroker first, or keep one client
// open. Lookup finds a live broker by name, and Client.As(&b) with
// b *memory.Broker gives the broker of a client.
//
// # How the contract maps
//
//   - Topic: created by the first publish, subscribe or Declare. It has a fixed
//     number of partitions, each an append-only log with offsets from 0.
//   - Key → partition: FNV-1a (32-bit) hash of the key modulo the
//     partition count; an explicit partition (driver.Message.Partition >= 0)
//     wins; messages without key go round-robin. Received messages carry
//     Topic, Partition, Offset, PublishTime (when the message became
//     visible), Attempt (1 first) and BrokerID "topic/partition@offset".
//   - Group: per (topic, group) a read position and the set of unsettled
//     messages. Members of a group compete (each message to one of them,
//     again only when redelivered); every group gets every message. A new
//     group starts at Newest (only messages published after Subscribe
//     returned), Oldest (the oldest retained) or a time (the first message
//     published at or after it); a group that existed resumes where it left
//     off, also after all its subscribers closed. Broadcast subscribers get
//     a private group, deleted on Close.
//   - Ack settles. Nack redelivers, not before the delay, with Attempt+1, to
//     any member. DeadLetter publishes a copy with kit.DeadLetterHeaders
//     to the subscription's dead-letter topic (mq.DeadLetterTopic, default
//     "<topic>.<group>.dlq", see DeadLetterTopic; "broadcast" stands for the
//     group of broadcast subscribers), then settles. Closing a subscription
//     (or its client) returns its unsettled deliveries for redelivery with
//     Attempt+1; it never acknowledges them.
//   - Ordered: per key (per partition for messages without key), while a
//     message is unsettled (in flight or waiting for its nack delay) no later
//     message of that key is delivered to any member of the group; other
//     keys flow. A nacked message is redelivered before the later messages
//     of its key. The mode of a group is set by its first member; a member
//     asking for the other mode while the group has members is refused.
//   - Filter: applied when a subscription receives, outside the topic's
//     lock (a slow match holds up no publisher or other subscriber):
//     messages its filter rejects are settled for the group without being
//     delivered, so they never hold retention. (Members of one group are
//     expected to use the same filter, as in RocketMQ.)
//   - Delay: a message with DeliverAt in the future is held aside and
//     appended to its partition when due (its PublishTime and Offset are
//     those of that moment; the publisher gets Offset -1 and a provisional
//     BrokerID "topic/delayed-N"). One timer re-armed to the earliest due
//     message serves the broker, so a long delay never holds up a short one.
//   - Publish: Sync and OneWay store the message before returning; a batch
//     is appended atomically and in order. The stored message is the
//     driver.Message mq hands over and its Body is not copied: do not
//     modify the bytes of a Body after publishing it (reusing a buffer that
//     a real broker would already have serialized), and treat a received
//     Body as read-only, since every group shares it; or open the broker
//     with copybodies=true (Config.CopyBodies) for code that does either,
//     at the cost of a copy per publish and per delivery. Headers are copied
//     when stored and on each delivery, so publishers may reuse their maps
//     and handlers may modify theirs. PublishAsync stores like Publish,
//     then calls the callback from a goroutine of the client (started on
//     demand, ended when idle, waited for by Close).
//   - Transactions (CapTransactions, CapTxCheckBack): half messages are held
//     invisibly while the local transaction runs; commit appends them
//     atomically, rollback discards them, unknown leaves them to check-backs:
//     every txcheck the client's TxChecker (mq.WithTxChecker) is asked about
//     the first message, until it answers commit or rollback or txchecks
//     check-backs passed (then rollback). A panic in the local transaction
//     is recovered, logged and treated as unknown, as if the process had
//     crashed before deciding. Undecided transactions of a client that
//     closes are discarded.
//   - Retention: a partition keeps up to maxbacklog messages so a new group
//     can start from Oldest. When it is full, the oldest message is evicted
//     if every group has settled it; otherwise publishing blocks or fails
//     (full=block|fail). Memory never grows without bound: delayed messages
//     are bounded by partitions*maxbacklog per topic (beyond that publishing
//     them fails with mq.ErrFull). A group that no longer consumes still
//     holds retention; remove it with Broker.DeleteGroup.
//
// # What blocks
//
// Publish, PublishBatch, PublishAsync and PublishTx (when it commits) block
// only on a full partition with full=block (until room, ctx done or the
// client closes). Receive blocks until a message is ready
// for the group, ctx is done, the subscription closes or its connection is
// dropped. Everything else returns at once. Close waits for running
// check-backs and async callbacks.
//
// # Concurrency
//
// Every method of the driver and of Broker is safe for concurrent use. Each
// topic has one mutex guarding its partitions and groups; publishes to
// different topics do not contend. Waiting receivers are woken per group,
// without polling. No goroutine runs while nothing is due: timers are
// time.AfterFunc, stopped when the broker is discarded; the async callback
// goroutine ends when idle.
//
// # Fault injection
//
// A Broker simulates what a real broker does to a client:
//
//	var b *memory.Broker
//	client.As(&b)
//	b.FailNextPublishes(2, nil) // the next 2 publishes fail with mq.ErrUnavailable
//	b.DuplicateNext(1)          // the next delivery arrives twice
//	b.DropConnections()         // in-flight deliveries return; Receive fails once; consumers resume
//	b.SetUnavailable(true)      // broker down: Ping, publishes and Receive fail with mq.ErrUnavailable
//	b.SetUnavailable(false)     // back up: Ping answers, subscribers resume
//
// and lets a test look inside: Topics, Groups, Backlog, Len, Messages (for
// example of a dead-letter topic), PendingTransactions.
//
// # Differences from real brokers
//
// Nothing is persisted and nothing crosses the process. There are no
// rebalances: a group's members share every partition, and ordering is
// kept per key by the broker instead of by partition ownership. Filters are
// evaluated per receiving member. Publish time is the time a message became
// visible. Limits that real brokers have (topic name rules, message size,
// maximum delay, routing) are imposed only with like= (see above); RocketMQ's
// delay levels are not. Test against the real broker for the rest.
package memory
