#!/bin/sh
# run.sh BUILD_DIR SECONDS - run every libFuzzer driver built in BUILD_DIR.
#
# Each fuzz_<name> runs for SECONDS over its checked-in corpus
# tests/fuzz/corpus/<name>/; inputs it discovers go to a temporary folder,
# never into the checked-in corpus. SECONDS=0 only replays the corpus (the
# regression run of `make test`). Prints "fuzz <name>: ok|FAILED" per driver
# and a final "N passed, N failed" line; exits 1 if any driver failed. A
# crashing input is kept and its path printed: fix the bug, then add the
# input to the corpus as a regression case.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$1
seconds=$2
case $seconds in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number" >&2
	exit 2
	;;
esac

corpus_root=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d "${TMPDIR:-/tmp}/wangge-fuzz.XXXXXX") || exit 2
keep=0
# Crash files are kept for the developer; everything else goes.
cleanup() {
	if [ "$keep" -eq 0 ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# Sanitizer reports must end the run with a failure, not scroll past.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

passed=0
failed=0
drivers=$(find "$build" -type f -name 'fuzz_*' ! -name '*.*' -perm -u+x | sort)
if [ -z "$drivers" ]; then
	echo "$0: no fuzz_* drivers in $build (configure with -Dfuzz=true and CC=clang)" >&2
	exit 2
fi

for exe in $drivers; do
	name=${exe##*/fuzz_}
	seeds=$corpus_root/$name
	new=$work/$name/new
	artifacts=$work/$name/artifacts
	log=$work/$name/log
	mkdir -p "$new" "$artifacts"
	if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
		echo "fuzz $name: FAILED"
		echo "    no corpus in $seeds" >&2
		failed=$((failed + 1))
		continue
	fi
	if [ "$seconds" -eq 0 ]; then
		# Replay each checked-in input once.
		"$exe" -artifact_prefix="$artifacts/" "$seeds"/* >"$log" 2>&1
	else
		"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
			-print_final_stats=1 -artifact_prefix="$artifacts/" "$new" "$seeds" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$(ls -A "$artifacts")" ]; then
		echo "fuzz $name: ok"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED"
		keep=1
		# Details go to stderr; stdout keeps one line per driver.
		tail -n 40 "$log" | sed 's/^/    /' >&2
		for crash in "$artifacts"/*; do
			[ -e "$crash" ] && echo "    input: $crash" >&2
		done
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
