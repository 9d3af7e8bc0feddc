# picket: build, test, lab.
#
#   make test    install what the tests need (Debian packages, Go modules), then
#                vet, build statically and run every test, lab tests included
#                (they need root: sudo make test)
#   make build   a static binary at ./picket
#   make demo    build picket and scan a lab network made on this machine (root)
#   make lab-up / lab-down / lab-status   the test lab, by hand

GO          ?= go
GOTESTFLAGS ?=
PKG         := ./...

.PHONY: all build deps vet test demo lab-up lab-down lab-status

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o picket ./cmd/picket

deps:
	bash scripts/install-deps.sh
	$(GO) mod download

vet:
	$(GO) vet $(PKG)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi

# The race detector needs cgo; the shipped binary does not (checked by the
# CGO_ENABLED=0 build). -count=1: lab tests must really run, never come from
# cache. The race detector allocates on its own account, so the tests that
# count allocations on hot paths run again without it.
test: deps vet
	CGO_ENABLED=0 $(GO) build $(PKG)
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 40m -v $(GOTESTFLAGS) $(PKG)
	$(GO) test -count=1 -v -run 'Allocs|AllocsPer' $(PKG)

# A scan on a lab network made on this machine, then torn down.
demo: build
	$(GO) run ./cmd/picket-lab demo ./picket -sS -p- -T4 --reason

lab-up:
	$(GO) run ./cmd/picket-lab up
lab-down:
	$(GO) run ./cmd/picket-lab down
lab-status:
	$(GO) run ./cmd/picket-lab status
