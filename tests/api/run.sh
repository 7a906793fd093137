#!/usr/bin/env bash
# Runs the API tests against the real binary.
#
#   tests/api/run.sh sqlite|postgres [test files...]
#
# postgres starts a throwaway cluster (tests/api/pg-cluster.sh) and stops it on
# any exit. Prints the TAP stream, then exactly one line "N passed, N failed"
# (cancelled tests count as failed); exits non-zero if any failed or none ran.
# Environment: WG_BIN (default build/wangge), WG_TEST_CONCURRENCY (files run
# at once, default 1), WG_TEST_KEEP=1 keeps each file's temp folder and log.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
store=${1:-sqlite}
shift || true

case $store in
sqlite | postgres) ;;
*)
	echo "usage: $0 sqlite|postgres [test files...]" >&2
	exit 2
	;;
esac

export WG_TEST_STORE=$store
bin=${WG_BIN:-build/wangge}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
export WG_BIN=$bin

pgdir=
tap=$(mktemp /tmp/wg-api-tap.XXXXXX)
cleanup() {
	if [ -n "$pgdir" ]; then
		"$here/pg-cluster.sh" stop "$pgdir" >/dev/null 2>&1 || true
		rm -rf "$pgdir"
	fi
	rm -f "$tap"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$store" = postgres ]; then
	pgdir=$(mktemp -d /tmp/wg-pg.XXXXXX)
	if ! WG_TEST_PG_ADMIN_URL=$("$here/pg-cluster.sh" start "$pgdir"); then
		echo "could not start the PostgreSQL test cluster" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	export WG_TEST_PG_ADMIN_URL
fi

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$here"/*.test.mjs)
fi

cd "$root" || exit 1
node --test --test-concurrency="${WG_TEST_CONCURRENCY:-1}" --test-reporter=tap "${files[@]}" | tee "$tap"

count() {
	sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$tap" | tail -n 1
}
pass=$(count pass)
fail=$(count fail)
cancelled=$(count cancelled)
pass=${pass:-0}
failed=$((${fail:-0} + ${cancelled:-0}))
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$pass" -gt 0 ]
