// Package typedtest is the conformance suite of the typed layer (mq/typed,
// mq/typed/protocodec, mq/dedup): one test body per behaviour, run by each
// backend's test with a Harness, as mq/mqtest is.
//
//	func TestTypedConformance(t *testing.T) {
//		typedtest.Run(t, typedtest.Harness{
//			Open:     func(ctx context.Context, t testing.TB) (*mq.Client, error) { return mq.Open(ctx, url) },
//			NewTopic: createTopic,   // where topics must exist before use
//			Raw:      readWithSarama, // the broker's own client, no unimq code
//		})
//	}
//
// Subtests (names in TestNames): RoundTripJSON and RoundTripProto (a value
// arrives equal, with the codec's content type on the received message and,
// through Harness.Raw, as the broker's own client sees it: the AMQP
// content-type property, a Kafka record header, a RocketMQ property; the
// body is the codec's encoding, no envelope); DecodeFailure (a body that
// does not decode and a foreign content type go to the dead letter after
// one attempt with the decode error as reason, the handler never runs, a
// good message beside them is handled); Router (one subscription, a typed
// handler per tag, an unknown tag dead-lettered with ErrUnknownTag);
// Dedup (a second message with the ID of one handled successfully is
// acknowledged without running the handler); DedupSharedStore (two members
// of one group sharing a store skip a copy whichever member it reaches).
//
// # Blocking and concurrency
//
// Run blocks until every subtest has finished (they run in parallel) and
// checks with goleak that no goroutine started during the suite is left.
// Harness functions may be called from several subtests at once.
package typedtest
