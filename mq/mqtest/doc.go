// Package mqtest is the conformance suite every unimq backend passes.
//
// # Using it from an adapter
//
// A backend's conformance test is a few lines: a Harness that opens clients
// of the backend, and a call to Run.
//
//	func TestConformance(t *testing.T) {
//		url := brokertest.KafkaURL(t) // or "memory://conformance"
//		mqtest.Run(t, mqtest.Harness{
//			Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
//				return mq.Open(ctx, url, opts...) // opts: what a test needs, e.g. MaxMessageSize
//			},
//			NewTopic: createTopic,      // where topics must exist before use
//			Restart:  restartBroker,    // optional: enables Reconnect
//			Wait:     30 * time.Second, // slow route/rebalance brokers
//			IgnoreGoroutines: []goleak.Option{goleak.IgnoreTopFunction("lib.globalWorker")},
//			Skip: map[string]string{"Delay": "why this backend cannot run it"},
//		})
//	}
//
// Run runs one subtest per behaviour (names in TestNames, stable, usable in
// Harness.Skip and with go test -run 'TestConformance/Pull'). Every subtest
// uses fresh topics (Harness.NewTopic, else a unique name of letters,
// digits and '-') and fresh group names, subscribes before it publishes
// (except StartPosition), waits for conditions with deadlines bounded by
// Harness.Wait, and watches Harness.Quiet for deliveries that must not
// happen (a second copy, a filtered message). Reconnect runs first and
// alone, because it restarts the broker; the others run in parallel (as
// far as go test -parallel allows) unless Harness.Serial. At the end Run
// checks with goleak that every goroutine started during the suite has
// ended (Harness.IgnoreGoroutines lists a client library's process-wide
// goroutines; "NoGoroutineLeaks" in Skip turns the check off, with a
// reason). Do not run other tests of the package in parallel with Run.
//
// Duplicates: at-least-once allows them after failures, but the suite
// provokes none in the tests that count deliveries, so there a second copy
// within the Quiet window is a failure.
//
// # What the capabilities switch
//
// The suite reads Client.Capabilities. A declared capability is tested for
// behaviour; an undeclared one must be refused with mq.ErrUnsupported
// before anything is sent (the core does that for most; see below). Tests
// are never skipped silently: only Harness.Skip skips, printing the reason,
// and Reconnect without Harness.Restart ("no Restart in harness").
//
//   - CapSyncPublish: required (every test publishes with Publish).
//   - CapAsyncPublish (AsyncAndOneWay): PublishAsync calls back exactly once
//     per message, PublishFuture resolves, Client.Close waits for the
//     callbacks; else both are ErrUnsupported.
//   - CapOneWay (AsyncAndOneWay): PublishOneWay delivers on a healthy
//     broker; else ErrUnsupported.
//   - CapBatch, MaxBatch (Batch): PublishBatch delivers every message once
//     (batches are at most MaxBatch long).
//   - MaxMessageSize (LargeAndOversize): a message of min(1 MiB, limit)
//     round-trips; limit+1 bytes is ErrTooLarge; MaxMessageSize(1024) at
//     Open (Harness.Open passes it on) lowers the limit.
//   - CapDelay, MaxDelay (Delay): Delay and DeliverAt arrive not before the
//     time and at most DelayTolerance after; over MaxDelay and without
//     CapDelay, ErrUnsupported and nothing delivered.
//   - CapTransactions (Transactions): commit delivers (invisible while the
//     local transaction runs), rollback returns ErrTxRolledBack wrapping the
//     local error and delivers nothing; else ErrUnsupported, local not run.
//   - CapTxCheckBack (Transactions): a local outcome of ErrTxUnknown is
//     returned as ErrTxUnknown and resolved by the TxChecker given with
//     WithTxChecker (Harness.Open passes it on) within CheckBackWait.
//   - CapOrdered (OrderedPerKey): per-key order with in-place retry; while
//     one key's message fails, the messages of other keys in other
//     partitions (all, where Partition is -1) are handled; else Ordered is
//     ErrUnsupported.
//   - CapGroups (CompetingConsumers, GroupsEachGetAll, GroupAcrossTopics,
//     DefaultGroupAcrossTopics, OrderedMembershipChange): must be declared;
//     the core cannot refuse groups, so a backend without them lists these
//     tests in Skip. A group is scoped to its topic: one group name (or the
//     default group) on two topics gets each topic's messages on that
//     topic's subscribers, exactly once. OrderedMembershipChange (with
//     CapOrdered): after ordered members joined and closed, the next member
//     joins at once and gets what follows within Wait, in key order.
//   - CapBroadcast (Broadcast, BroadcastAcrossTopics): every Broadcast
//     subscriber gets everything of its own topic, also when subscribers of
//     two topics share a group (or the default); else ErrUnsupported.
//   - CapTagFilter, CapPatternFilter: informative only (the broker filters
//     server-side); TagFilter and TagPattern run on every backend, because
//     mq filters client-side what the broker does not: "a || b" and "*"/"#"
//     patterns ("#" zero words, "*" exactly one) select exactly the right
//     tags.
//   - CapStartOldest (StartPosition): a new group from Oldest sees earlier
//     messages, from Newest (the default) it does not; else StartFrom(Oldest)
//     is ErrUnsupported.
//   - CapStartTime (StartTime): a new group with StartAt(t) gets what was
//     published from t on, nothing from the whole clock second before; else
//     StartAt is ErrUnsupported.
//   - CapDeadLetter (DeadLetter): must be declared; after MaxAttempts (or
//     NoRetry) the message reaches the DeadLetterTopic with headers
//     unimq-dead-reason, -topic, -group, -attempts and its own.
//   - CapPull (Pull, and pull parts of TagFilter and DeadLetter): Receive
//     batches of at most max, empty after wait, explicit Ack, Nack and
//     AckTimeout redeliver with the next Attempt, Close hands unacked
//     messages to the group, filtered messages are skipped, a Nack past
//     MaxAttempts dead-letters with its reason; else NewConsumer is
//     ErrUnsupported.
//   - CapPartitions (RoundTrip): received messages carry Partition and
//     Offset >= 0.
//   - CapRedeliveryDelay (NackRedelivery): the backoff between attempts is
//     honoured.
//   - CapReconnect (Reconnect, with Harness.Restart): publishing and
//     consuming resume after the broker restarts and every confirmed message
//     arrives.
//   - Capabilities().Topics (InputRules, ErrorCodes): names the rule refuses
//     are ErrInvalidArgument; the longest name it allows works end to end.
//   - driver.Backlogger, no capability bit (Backlog): a declared group's
//     Client.Backlog is 0, then exactly the 10 messages published while
//     none of its subscribers runs, then 0 within Wait once a subscriber
//     handled them (Subscriber.Backlog too); a group that never subscribed
//     has 0, an unknown topic is ErrNotFound, a closed subscriber's is
//     ErrClosed, a Broadcast subscriber's ErrUnsupported. A backend without
//     it must answer ErrUnsupported, from the Client and the Subscriber.
//
// Always tested: RoundTrip, ConcurrentPublishers, NackRedelivery,
// SettlementHooks (a hook sees retried 1, retried 2, acked 3 for a message
// that fails twice, with the ctx the handler got inside its middleware),
// HandlerPanic, HandlerTimeout, TagFilter, TagPattern, CloseWhileHandling,
// UseAfterClose, ContextCancel, BadInput, InputRules (every field either
// refused with the right code or carried byte-exact, sizes at each limit),
// ErrorCodes (the code of each portable failure class), ErrorFormat (every
// error reads "unimq <backend> <op>: <code>: <detail>", wrapped once, with
// nothing said twice; see CheckError) and Capabilities.
//
// # Helpers
//
// Collector records deliveries (with attempts, times and the handler's
// result) from any number of subscribers and waits for conditions on them;
// adapters can use it in their own tests. UniqueName makes broker-safe
// unique names.
//
// # Blocking and concurrency
//
// Run blocks until every subtest has finished and the leak check ran; call
// it from the test goroutine. A Collector is safe for concurrent use: its
// handlers run on any goroutine, Until / WaitFor / WaitDone / Never block up
// to the duration given, the other methods return at once. Harness
// functions may be called from several subtests at once.
package mqtest
