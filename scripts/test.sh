#!/bin/sh
# test.sh — the whole test suite, as `make test` and CI run it.
set -eu
cd "$(dirname "$0")/.."
exec go test -race -count=1 ./...
