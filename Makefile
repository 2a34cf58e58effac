# unimq — developer entry points.
#   make test        start the real brokers (scripts/brokers.sh up all), then run every test with
#                    the brokers required (an unreachable broker fails instead of skipping), then
#                    the tests that restart a broker, alone
#   make test-unit   run the tests without requiring brokers (integration tests skip)
#   make brokers-up / brokers-down / brokers-status   manage the local brokers (docs/brokers.md)

GO ?= go
TEST_TIMEOUT ?= 25m
PKGS ?= ./...

.PHONY: test test-unit vet bench brokers-up brokers-down brokers-status

# Phase 1: every package in parallel; tests that restart a shared broker skip (they would break
# the other packages' tests). Phase 2: only those tests (names with "Restart", and the conformance
# suites' Reconnect), one package at a time, with UNIMQ_BROKER_RESTARTS=1 (internal/brokertest).
RESTART_TESTS ?= Restart
RESTART_SUBTESTS ?= TestConformance/Reconnect

test: brokers-up
	UNIMQ_REQUIRE_BROKERS=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_BROKER_RESTARTS=1 $(GO) test -race -count=1 -p 1 -timeout $(TEST_TIMEOUT) -run '$(RESTART_TESTS)' $(PKGS)
	UNIMQ_REQUIRE_BROKERS=1 UNIMQ_BROKER_RESTARTS=1 $(GO) test -race -count=1 -p 1 -timeout $(TEST_TIMEOUT) -run '$(RESTART_SUBTESTS)' $(PKGS)

test-unit:
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

brokers-up:
	scripts/brokers.sh up all

brokers-down:
	scripts/brokers.sh down all

brokers-status:
	scripts/brokers.sh status all
