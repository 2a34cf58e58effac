# unimq — developer entry points.
#   make test        start the real brokers (scripts/brokers.sh up all), then run every test with
#                    the brokers required (an unreachable broker fails instead of skipping)
#   make test-unit   run the tests without requiring brokers (integration tests skip)
#   make brokers-up / brokers-down / brokers-status   manage the local brokers (docs/brokers.md)

GO ?= go
TEST_TIMEOUT ?= 25m
PKGS ?= ./...

.PHONY: test test-unit vet bench brokers-up brokers-down brokers-status

test: brokers-up
	UNIMQ_REQUIRE_BROKERS=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

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
