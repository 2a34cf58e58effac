# unimq — developer entry points.
#   make test        start the real brokers (scripts/brokers.sh up all), then run every test with
#                    the brokers required (an unreachable broker fails instead of skipping), then
#                    the tests that restart a broker, alone, then the three-node clusters with one
#                    kill cycle of each failover scenario (test-clusters-quick) beside a short pass
#                    of every fuzz target (FUZZ_BUDGET seconds in all) and lint
#   make test-unit   run the tests without requiring brokers (integration tests skip)
#   make fuzz        run every fuzz target of the repository for FUZZTIME each (scripts/fuzz.sh:
#                    targets are found by their "func Fuzz", adapters' included); FUZZ=regexp picks some
#   make lint        go vet and staticcheck (STATICCHECK_VERSION, installed into GOBIN when missing)
#   make brokers-up / brokers-down / brokers-status   manage the local brokers (docs/brokers.md)
#   make test-clusters  start the three-node clusters (scripts/brokers.sh up clusters), run the
#                    failover tests (internal/failover, UNIMQ_CLUSTERS=1), stop the clusters
#                    (docs/clusters.md): every scenario in full (5 kill cycles, rolling restarts),
#                    the network faults and the conformance suites on the clusters

GO ?= go
TEST_TIMEOUT ?= 25m
PKGS ?= ./...
# make fuzz: time per target. make test: its short pass gives each target
# min(FUZZTIME_SHORT, FUZZ_BUDGET / number of targets), at least 3s.
FUZZTIME ?= 60s
FUZZTIME_SHORT ?= 10s
FUZZ_BUDGET ?= 150
FUZZ ?= .
# staticcheck release that make lint runs (the module proxy serves named versions, not @latest).
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: test-clusters test-clusters-quick fuzz-then-lint test test-unit fuzz fuzz-short vet lint bench bench-peers brokers-up brokers-down brokers-status

# Phase 1: every package in parallel; tests that restart a shared broker skip (they would break
# the other packages' tests). Phase 2: only those tests (names with "Restart", and the conformance
# suites' Reconnect), one package at a time, with UNIMQ_BROKER_RESTARTS=1 (internal/brokertest).
RESTART_TESTS ?= Restart
RESTART_SUBTESTS ?= TestConformance/Reconnect

test: brokers-up
	UNIMQ_REQUIRE_BROKERS=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_BROKER_RESTARTS=1 $(GO) test -race -count=1 -p 1 -timeout $(TEST_TIMEOUT) -run '$(RESTART_TESTS)' $(PKGS)
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_BROKER_RESTARTS=1 $(GO) test -race -count=1 -p 1 -timeout $(TEST_TIMEOUT) -run '$(RESTART_SUBTESTS)' $(PKGS)
	$(MAKE) -j2 --output-sync=target test-clusters-quick fuzz-then-lint

# Phase 4 runs beside the fuzz pass and lint (the cluster tests mostly wait on nodes; fuzzing
# is bounded by time, not work): each one's output is printed whole when it ends.
fuzz-then-lint:
	$(MAKE) fuzz-short
	$(MAKE) lint

# The clusters are stopped whether the tests pass or not; the tests' status is make's.
# -parallel 6: every failover test starts at once; the tests of one cluster wait on its lock
# (internal/failover exclusive) without holding a slot another cluster's test needs.
CLUSTER_TEST_TIMEOUT ?= 45m
# make test's phase 4: the same clusters, one kill cycle of the Kafka, RabbitMQ quorum and
# RocketMQ failover scenarios (UNIMQ_CLUSTERS=quick: no rolling restart), 0 confirmed lost.
CLUSTER_QUICK_TESTS ?= Test(KafkaCluster|RabbitMQQuorumCluster|RocketMQCluster)Failover$$
test-clusters-quick:
	scripts/brokers.sh up clusters
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_CLUSTERS=quick $(GO) test -race -count=1 -parallel 6 -timeout 20m -v -run '$(CLUSTER_QUICK_TESTS)' ./internal/failover/ ; \
		status=$$?; scripts/brokers.sh down clusters; exit $$status

test-clusters:
	scripts/brokers.sh up clusters
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_CLUSTERS=1 $(GO) test -race -count=1 -parallel 6 -timeout $(CLUSTER_TEST_TIMEOUT) -v ./internal/failover/ ; \
		status=$$?; scripts/brokers.sh down clusters; exit $$status

fuzz:
	scripts/fuzz.sh -t $(FUZZTIME) '$(FUZZ)'

fuzz-short:
	scripts/fuzz.sh -t $(FUZZTIME_SHORT) -b $(FUZZ_BUDGET) '$(FUZZ)'

test-unit:
	$(GO) test -race -count=1 $(PKGS)

# bench/ is its own module (the peers stay out of the library's go.mod): vetting it keeps it compiling.
vet:
	$(GO) vet $(PKGS)
	cd bench && $(GO) vet ./...

# Installs staticcheck at STATICCHECK_VERSION when the one at STATICCHECK is missing or another version.
lint: vet
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || \
		GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# unimq (default options) against the raw clients and watermill on the real brokers, rounds
# alternating; the bench/ module keeps the peers out of the library's go.mod.
# Figures: docs/benchmarks-peers.md.
bench-peers: brokers-up
	cd bench && $(GO) test -c -o $(CURDIR)/.brokers/bench-peers.test .
	cd bench && $(CURDIR)/.brokers/bench-peers.test -test.run '^$$' -test.bench 'BenchmarkKafkaGroupConsume$$' -test.benchtime 700000x
	cd bench && $(CURDIR)/.brokers/bench-peers.test -test.run '^$$' -test.bench 'Benchmark(KafkaSyncPublish|RabbitMQPublish)$$' -test.benchtime 28000x
	cd bench && $(CURDIR)/.brokers/bench-peers.test -test.run '^$$' -test.bench 'BenchmarkRabbitMQConsume$$' -test.benchtime 140000x

brokers-up:
	scripts/brokers.sh up all

brokers-down:
	scripts/brokers.sh down all

brokers-status:
	scripts/brokers.sh status all
