# Coffre: the two set-up commands are `make run` and `make test`.

GO      ?= go
BIN     := bin/coffre
ARGS    ?=

.PHONY: all build run test fmt-check vet bench clean

all: build

## build: compile the coffre binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/coffre

## run: build and start `coffre serve` with the embedded defaults (data in ./data,
## HTTP on 127.0.0.1:8080); extra flags through ARGS, e.g. make run ARGS='--http :8081'
run: build
	./$(BIN) serve $(ARGS)

## test: formatting, go vet, then every test with the race detector
test: fmt-check vet
	$(GO) test -race ./...

fmt-check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt needed on:"; echo "$$unformatted"; exit 1; \
	fi

vet:
	$(GO) vet ./...

## bench: disk baseline, engine throughput, and the S3 and WebDAV endpoints beside both (see cmd/coffrebench)
bench:
	$(GO) run ./cmd/coffrebench

clean:
	rm -rf bin
