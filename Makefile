# rtcterm — `make run` starts the demo call, `make test` runs everything.
GO      ?= go
BIN     := bin/rtcterm
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/rtcterm/rtcterm/internal/cli.version=$(VERSION)

.PHONY: all deps deps-test build run test bench fmt vet clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

## run: the demo call (a local server, bot participants and you)
run: build
	./$(BIN) demo

## test: vet, then the whole suite under the race detector
test: deps-test
	$(GO) vet ./...
	scripts/test.sh

## bench: run the benchmarks and write docs/benchmarks.md
bench: deps-test
	scripts/bench.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
