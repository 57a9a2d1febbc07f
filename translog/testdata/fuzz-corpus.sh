#!/bin/sh
# Grows testdata/fuzz/: runs each fuzz target of package translog for a
# while (FUZZTIME, default 30s) and copies the smallest inputs the fuzzer
# found interesting (at most KEEP per target, default 12) from Go's fuzz
# cache. Review what it adds: keep inputs that reach a refusal, or an
# acceptance, that the corpus did not reach before.
# Run from the repository root: sh translog/testdata/fuzz-corpus.sh
set -eu
FUZZTIME=${FUZZTIME:-30s}
KEEP=${KEEP:-12}
cache=$(go env GOCACHE)/fuzz/github.com/actasproject/actas/translog
for target in FuzzParseEntry FuzzParseCheckpoint FuzzOpen; do
	go test ./translog -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME"
	mkdir -p "translog/testdata/fuzz/$target"
	[ -d "$cache/$target" ] || continue
	ls -S -r "$cache/$target" | head -n "$KEEP" | while read -r f; do
		cp "$cache/$target/$f" "translog/testdata/fuzz/$target/$f"
	done
done
