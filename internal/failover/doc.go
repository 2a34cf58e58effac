// Package failover holds the failover tests that run against the three-node
// broker clusters of scripts/brokers.sh (up clusters): they kill and restart
// nodes during a stream of publishes and deliveries, inject network faults
// through internal/netproxy (RabbitMQ: every node behind a proxy; Kafka: one
// node, reached through the clients' kafka.WithDialer), run the shared
// conformance suite on each cluster (Reconnect is a node kill), and check
// with internal/ledger that no confirmed message is lost. The tests skip
// unless UNIMQ_CLUSTERS=1 (make test-clusters sets it: every scenario in
// full) or UNIMQ_CLUSTERS=quick (make test's cluster phase: one kill cycle,
// no rolling restart); with UNIMQ_REQUIRE_BROKERS=1 too, a cluster that does
// not answer fails them.
// The tests of one cluster run one at a time (exclusive); those of different
// clusters in parallel. docs/clusters.md has the scenarios and their
// figures.
package failover
