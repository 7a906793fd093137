#!/usr/bin/env bash
# Every test suite, one summary line: C unit tests (ASan+UBSan, on SQLite
# and on a throw-away PostgreSQL cluster), fuzz drivers over their corpus,
# API tests against the sanitized binary on SQLite and on PostgreSQL,
# browser tests of the built web app in Chromium.
# Ends with exactly one line "N passed, N failed"; exits non-zero if anything
# failed or a suite did not run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
TEST_BUILD=${TEST_BUILD:-build-test}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/wangge-test.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

passed=0
failed=0
missing=()

# Adds the counts of a suite's "N passed, N failed" line from its log.
count() {
	local suite=$1 log=$2 line
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "== $suite: no result line (did not run)"
		missing+=("$suite")
		return
	fi
	local p f
	p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.*\b([0-9]+) failed.*/\1/' <<<"$line")
	echo "== $suite: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
}

step() { printf '\n==== %s\n' "$*"; }

step "build (ASan + UBSan)"
if [ ! -f "$TEST_BUILD/build.ninja" ]; then
	meson setup "$TEST_BUILD" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >"$logdir/setup.log" 2>&1 ||
		{ cat "$logdir/setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$TEST_BUILD" >"$logdir/build.log" 2>&1; then
	cat "$logdir/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

step "generated docs are current"
if "$TEST_BUILD/wangge" config --markdown | diff -u docs/configuration.md - >"$logdir/docs.log"; then
	echo "1 passed, 0 failed" >>"$logdir/docs.log"
else
	cat "$logdir/docs.log"
	echo "docs/configuration.md is stale: run make docs"
	echo "0 passed, 1 failed" >>"$logdir/docs.log"
fi
count "docs" "$logdir/docs.log"

step "every field-error code has words in the web app"
if node tools/field-codes.mjs >"$logdir/field-codes.log" 2>&1; then
	echo "1 passed, 0 failed" >>"$logdir/field-codes.log"
else
	cat "$logdir/field-codes.log"
	echo "0 passed, 1 failed" >>"$logdir/field-codes.log"
fi
count "field-codes" "$logdir/field-codes.log"

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/wangge-pg.XXXXXX")
cleanup() { tests/api/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1; }
trap cleanup EXIT

step "unit tests (SQLite and PostgreSQL)"
if pg_url=$(tests/api/pg-cluster.sh start "$pgdir" 2>"$logdir/pg.log"); then
	export WG_TEST_PG_URL=$pg_url
else
	cat "$logdir/pg.log"
	echo "PostgreSQL cluster did not start: the PostgreSQL unit tests count as failed"
	failed=$((failed + 1))
fi
meson test -C "$TEST_BUILD" --suite unit --print-errorlogs >"$logdir/unit.log" 2>&1
tail -n 15 "$logdir/unit.log"
# cmocka reports each case; meson reports each executable (a crash has no cmocka line).
unit_pass=$(grep -ohE '\[  PASSED  \] [0-9]+ test' "$TEST_BUILD/meson-logs/testlog.txt" | awk '{s+=$4} END {print s+0}')
unit_fail=$(grep -ohE '\[  FAILED  \] [0-9]+ test' "$TEST_BUILD/meson-logs/testlog.txt" | awk '{s+=$4} END {print s+0}')
exe_fail=$(grep -oE '^(Fail|Timeout|Unexpected Pass): +[0-9]+' "$logdir/unit.log" | awk '{s+=$NF} END {print s+0}')
[ "$unit_fail" -ge "$exe_fail" ] || unit_fail=$exe_fail
echo "$unit_pass passed, $unit_fail failed" >>"$logdir/unit.log"
count "unit" "$logdir/unit.log"

step "fuzz drivers over their corpus (${FUZZ_SECONDS}s each)"
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
	CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Dtests=false -Db_lundef=false >"$logdir/fuzz-setup.log" 2>&1 ||
		cat "$logdir/fuzz-setup.log"
fi
if ninja -C "$FUZZ_BUILD" >"$logdir/fuzz-build.log" 2>&1; then
	tests/fuzz/run.sh "$FUZZ_BUILD" "$FUZZ_SECONDS" 2>&1 | tee "$logdir/fuzz.log" | grep -E '^fuzz |passed'
else
	tail -n 30 "$logdir/fuzz-build.log"
fi
count "fuzz" "$logdir/fuzz.log"

for store in sqlite postgres; do
	step "API tests on $store"
	WG_BIN="$root/$TEST_BUILD/wangge" tests/api/run.sh "$store" >"$logdir/api-$store.log" 2>&1
	grep -E '^not ok|^# (pass|fail)' "$logdir/api-$store.log" | head -n 40
	count "api-$store" "$logdir/api-$store.log"
done

step "browser tests (Playwright in Chromium)"
export WG_E2E_ARTIFACTS="$logdir/e2e"
if (cd web && npm run build) >"$logdir/web-build.log" 2>&1; then
	(cd web && WG_BIN="$root/$TEST_BUILD/wangge" npx playwright test -c e2e/playwright.config.mjs) >"$logdir/e2e.log" 2>&1
	tests/e2e-count.mjs "$WG_E2E_ARTIFACTS/results.json" >>"$logdir/e2e.log"
	grep -E '✘|^\s+[0-9]+\) ' "$logdir/e2e.log" | head -n 40
	echo "screenshots: $WG_E2E_ARTIFACTS/screenshots"
else
	tail -n 30 "$logdir/web-build.log"
	echo "0 passed, 1 failed" >>"$logdir/e2e.log"
fi
count "e2e" "$logdir/e2e.log"

step "lint (format, banned functions, clang-tidy, cppcheck)"
if BUILD_DIR="$TEST_BUILD" tools/lint.sh >"$logdir/lint.log" 2>&1; then
	echo "1 passed, 0 failed" >>"$logdir/lint.log"
else
	grep -vE '^ok' "$logdir/lint.log" | tail -n 30
	echo "0 passed, 1 failed" >>"$logdir/lint.log"
fi
count "lint" "$logdir/lint.log"

step "summary (logs in $logdir)"
if ((${#missing[@]})); then
	echo "suites that did not run: ${missing[*]}"
	failed=$((failed + ${#missing[@]}))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
