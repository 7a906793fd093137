#!/usr/bin/env bash
# bench/run.sh - what `make bench` runs first: wangge's request rate per
# workload as a ratio to nginx serving a static file of the same size on the
# same machine, its latency, and the server's peak memory.
#
# For each store (SQLite, then a throwaway PostgreSQL cluster) the release
# binary (build/wangge) serves a freshly migrated database with the demo
# county, its accounts and BENCH_CASES cases reported through the API;
# Debian's nginx serves, for each workload, a file holding that workload's
# response body (fetched once, so the byte size is identical); wrk loads
# both alternately with identical settings and the same requests. Load
# generator and servers share the machine's cores, and nginx is measured
# under the same conditions, so the ratio is the figure that carries from
# one machine to another; raw req/s do not. The live stream is measured
# apart: 1,000 idle subscribers and the memory each costs
# (bench/sse-idle.mjs). See docs/performance.md.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [2]       length of each measured wrk run
#   BENCH_CONNECTIONS [64]  open connections (wrk -c; below 200)
#   BENCH_THREADS [2]       wrk threads (wrk -t)
#   BENCH_WARMUP [1]        seconds of unmeasured load on each server first
#   BENCH_ROUNDS [3]        measured runs per server and workload, alternating
#                           nginx, wangge, nginx, ...; the median is reported
#   BENCH_CASES [30000]     cases reported before the case workloads are
#                           measured (about a year of Mei county)
#   BENCH_SEED_SECONDS [60] stop reporting them after this long (PostgreSQL
#                           takes about a minute on a quiet machine, four on
#                           a busy one); the line "seeded N cases" says how
#                           many there were
#   BENCH_SSE_STREAMS [1000] idle live-notification subscribers
#   BENCH_STORES [sqlite postgres]  the stores to measure, in that order
#   BENCH_ONLY [unset]      measure only workloads whose line (below) contains it
#   BENCH_BIN [build/wangge]  the binary under test
#   BENCH_KEEP [unset]      keep the temp dir (logs, configs) when set
#
# The defaults keep `make bench` (this script and bench/locate.sh) under ten
# minutes on a 2-core machine; docs/performance.md says what longer runs
# change.
#
# Nothing outside the temp dir is written: nginx runs with its own prefix,
# config, pid file and logs there, never /etc/nginx or /var/log/nginx; the
# PostgreSQL cluster lives there too (tests/api/pg-cluster.sh: its own socket
# folder, no TCP); all servers are stopped on any exit.
set -euo pipefail

# The measured workloads: "STORE ACCOUNT WORKLOAD METHOD PATH [c=N]",
# signed in as the demo account ACCOUNT (src/cli/demo.c), with
# BENCH_CONNECTIONS open connections or N: the sign-in and the statistics
# answer in tens to hundreds of milliseconds of CPU each, so that 64
# connections would only queue (seconds of latency, hardly an answer in a
# short run); a few connections per core load them fully. In PATH, {case} is the
# newest case ACCOUNT sees, {walked} the one before it after it went the
# whole way (accepted ... called back: a timeline of nine events), {pool}
# the first of the cases the action row works on. WORKLOAD says how
# requests are made; nginx gets the same requests:
#   sign-in   POST the account's name and password (bench/post-body.lua)
#   report    POST a new report each time (bench/case-report.lua)
#   action    POST supervise with If-Match over a pool of cases
#             (bench/case-action.lua)
#   locate    GET at a random point of the county (bench/locate.lua)
#   sse       BENCH_SSE_STREAMS idle streams (bench/sse-idle.mjs), no nginx
#   others    GET PATH
# Add lines here.
ENDPOINTS=(
	"sqlite county healthz GET /healthz"
	"sqlite county sign-in POST /api/v1/session c=8"
	"sqlite county regions GET /api/v1/regions?parent=610326000000"
	"sqlite town1 case GET /api/v1/cases/{case}"
	"sqlite town1 timeline GET /api/v1/cases/{walked}/timeline"
	"sqlite town1 list GET /api/v1/cases"
	"sqlite county report POST /api/v1/cases"
	"sqlite county action POST /api/v1/cases/{pool}/actions/supervise"
	"sqlite county overview GET /api/v1/stats/overview c=4"
	"sqlite county rates GET /api/v1/stats/rates c=4"
	"sqlite county locate GET /api/v1/grids/locate"
	"sqlite county sse GET /api/v1/events/stream"
	"postgres town1 case GET /api/v1/cases/{case}"
	"postgres town1 timeline GET /api/v1/cases/{walked}/timeline"
	"postgres town1 list GET /api/v1/cases"
	"postgres county report POST /api/v1/cases"
	"postgres county action POST /api/v1/cases/{pool}/actions/supervise"
	"postgres county overview GET /api/v1/stats/overview c=4"
	"postgres county rates GET /api/v1/stats/rates c=4"
	"postgres county sse GET /api/v1/events/stream"
)

cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECONDS_RUN=${BENCH_SECONDS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
CASES=${BENCH_CASES:-30000}
SEED_MAX=${BENCH_SEED_SECONDS:-60}
SSE_STREAMS=${BENCH_SSE_STREAMS:-1000}
STORES=${BENCH_STORES:-sqlite postgres}
ONLY=${BENCH_ONLY:-}
BIN=${BENCH_BIN:-build/wangge}
NGINX=${NGINX:-/usr/sbin/nginx}
REPORT_LUA=$ROOT/bench/case-report.lua
BODY_LUA=$ROOT/bench/post-body.lua
ACTION_LUA=$ROOT/bench/case-action.lua
LOCATE_LUA=$ROOT/bench/locate.lua

die()
{
	echo "bench: $*" >&2
	exit 1
}

for v in SECONDS_RUN CONNS THREADS WARMUP ROUNDS SSE_STREAMS SEED_MAX; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, not '${!v}'"
done
[[ $CASES =~ ^[0-9]+$ ]] || die "BENCH_CASES must be a whole number, not '$CASES'"
[ "$CONNS" -lt 200 ] || die "BENCH_CONNECTIONS must be below 200 (the action row's pool is one page of cases)"
for s in $STORES; do
	[[ $s == sqlite || $s == postgres ]] || die "BENCH_STORES: unknown store '$s' (sqlite, postgres)"
done
[ -x "$BIN" ] || die "no $BIN: build the release binary first (make)"
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$NGINX" ] || die "no $NGINX: apt-get install nginx-light"
command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
command -v curl >/dev/null || die "curl is not installed: apt-get install curl"
command -v python3 >/dev/null || die "python3 is not installed: apt-get install python3"
command -v node >/dev/null || die "node is not installed (the live-stream row runs bench/sse-idle.mjs)"
if ldd "$BIN" 2>/dev/null | grep -q -e libasan -e libubsan -e libtsan; then
	echo "bench: warning: $BIN is built with sanitizers; figures will be far below a release build" >&2
fi

# Session tokens by demo account, for the store being measured.
declare -A TOKEN=()

# auth ACCOUNT: the curl/wrk arguments of ACCOUNT's session header.
auth()
{
	[ -n "${TOKEN[$1]:-}" ] || die "no session for $1"
	printf '%s\n' -H "Authorization: Bearer ${TOKEN[$1]}"
}

# fetch URL FILE [ACCOUNT]: body into FILE, prints the HTTP status.
fetch()
{
	local h=()
	[ -z "${3:-}" ] || mapfile -t h < <(auth "$3")
	curl -s -o "$2" -w '%{http_code}' --max-time 10 "${h[@]}" "$1" || true
}

# A free TCP port on 127.0.0.1 (the kernel picks it; the small race with
# another program taking it before the server does is accepted).
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/wangge-bench.XXXXXX")
# nginx's workers drop to an unprivileged user when started as root; they
# must be able to read the document root.
chmod 755 "$DIR"
WG_PID=
NGINX_PID=
PG_DIR=

stop()
{
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

stop_pg()
{
	[ -n "$PG_DIR" ] || return 0
	tests/api/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
	PG_DIR=
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	stop "$WG_PID"
	stop "$NGINX_PID"
	stop_pg
	wait 2>/dev/null || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: kept $DIR" >&2
	else
		rm -rf "$DIR"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_http URL PID LOG: until URL answers 200, or the process dies, or 15 s.
wait_http()
{
	for _ in $(seq 150); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "bench: the server exited; its log:" >&2
			tail -n 30 "$3" >&2 || true
			exit 1
		fi
		[ "$(fetch "$1" /dev/null)" = 200 ] && return 0
		sleep 0.1
	done
	echo "bench: no answer from $1 after 15 s; log:" >&2
	tail -n 30 "$3" >&2 || true
	exit 1
}

# --- nginx ----------------------------------------------------------------
# Started first and left running: each workload's twin file is written into
# its document root when the workload's body is known.
mkdir -p "$DIR/html/post" "$DIR/tmp"
echo '{}' >"$DIR/html/probe.json"
NGINX_PORT=$(free_port)
cat >"$DIR/nginx.conf" <<EOF
# Written by bench/run.sh; nothing here refers to /etc/nginx or /var/log/nginx.
worker_processes auto;
daemon off;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	default_type application/json;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	# wrk keeps its connections for the whole run, as wangge lets it; nginx's
	# default of closing a connection after 1000 requests would add reconnects
	# to nginx's side only.
	keepalive_requests 100000000;
	keepalive_timeout 75s;
	client_body_temp_path $DIR/tmp/body;
	proxy_temp_path $DIR/tmp/proxy;
	fastcgi_temp_path $DIR/tmp/fastcgi;
	uwsgi_temp_path $DIR/tmp/uwsgi;
	scgi_temp_path $DIR/tmp/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $DIR/html;
		# The twin of a POST: nginx's static module answers POST with 405;
		# the error page turns that into the file, with 201 like wangge's
		# creates. nginx still reads (and discards) each request's body, and
		# keeps the connection open.
		location /post/ {
			error_page 405 =201 \$uri;
		}
	}
}
EOF
"$NGINX" -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx.log" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT/probe.json" "$NGINX_PID" "$DIR/nginx-error.log"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "http://127.0.0.1:$NGINX_PORT/post/probe.json" || true)
[ "$code" = 404 ] || die "nginx answers a POST to a missing twin with $code, not 404: see $DIR/nginx.conf"

# --- measuring --------------------------------------------------------------
# run_wrk URL SECONDS ACCOUNT [SCRIPT [ARG...]]: prints "REQ_PER_S P50_MS
# P99_MS" (wrk's latencies, "812.00us", "1.23ms", "2.01s", in ms). Fails on
# wrk errors; says when answers were not 2xx. --timeout 30s: at 64
# connections a sign-in or a statistics answer waits longer than wrk's
# default of 2 s in the queue, which wrk would count as an error and leave
# out of the latencies.
run_wrk()
{
	local url=$1 secs=$2 who=$3 out h=() s=() rest=()
	shift 3
	mapfile -t h < <(auth "$who")
	if (($#)); then
		s=(-s "$1")
		shift
	fi
	(($# == 0)) || rest=(-- "$@")
	out=$(wrk -t"$THREADS" -c"$CUR_CONNS" -d"$secs"s --timeout 30s --latency "${h[@]}" "${s[@]}" "$url" "${rest[@]}" 2>&1) || {
		echo "bench: wrk failed on $url:" >&2
		echo "$out" >&2
		return 1
	}
	if grep -q -e 'Non-2xx' -e 'Socket errors' -e '\.lua: answer' <<<"$out"; then
		echo "bench: errors while loading $url:" >&2
		grep -e 'Non-2xx' -e 'Socket errors' -e '\.lua: answer' <<<"$out" >&2
	fi
	awk 'function ms(t, v, u) { v = t; u = t; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
	                           return u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v }
	     /^Requests\/sec:/ { rps = $2 }
	     /^ +50%/ { p50 = ms($2) }
	     /^ +99%/ { p99 = ms($2) }
	     END { if (rps == "") exit 1; printf "%.0f %.2f %.2f\n", rps, p50, p99 }' <<<"$out"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# peak_rss: the server's peak resident memory so far (VmHWM), in kB.
peak_rss()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$WG_PID/status"
}

# Results, one entry per measured workload, for the table at the end.
R_STORE=() R_WHO=() R_WORK=() R_REQ=() R_SIZE=() R_WG=() R_NG=() R_P50=() R_P99=() R_SPREAD=() R_RSS=() R_CONNS=()
SSE_NOTES=()

# How the workload being measured is loaded: wrk script and arguments for
# wangge and for nginx, the URLs, the twin's size, and a function to call
# before every wangge run (or none).
WG_URL='' NG_URL='' SIZE='' BEFORE_WG='' CUR_CONNS=$CONNS
WG_ARGS=() NG_ARGS=()

# measure STORE ACCOUNT WORKLOAD REQUEST
measure()
{
	local store=$1 who=$2 work=$3 req=$4
	local ng_all=() wg_all=() p50s=() p99s=() ratios=() res rps p50 p99 r
	run_wrk "$NG_URL" "$WARMUP" "$who" "${NG_ARGS[@]}" >/dev/null
	[ -z "$BEFORE_WG" ] || "$BEFORE_WG"
	run_wrk "$WG_URL" "$WARMUP" "$who" "${WG_ARGS[@]}" >/dev/null
	for ((r = 0; r < ROUNDS; r++)); do
		res=$(run_wrk "$NG_URL" "$SECONDS_RUN" "$who" "${NG_ARGS[@]}")
		read -r rps _ _ <<<"$res"
		ng_all+=("$rps")
		[ -z "$BEFORE_WG" ] || "$BEFORE_WG"
		res=$(run_wrk "$WG_URL" "$SECONDS_RUN" "$who" "${WG_ARGS[@]}")
		read -r rps p50 p99 <<<"$res"
		wg_all+=("$rps") p50s+=("$p50") p99s+=("$p99")
		ratios+=("$(awk -v w="${wg_all[r]}" -v n="${ng_all[r]}" 'BEGIN { printf (w / n < 0.01 ? "%.4f" : w / n < 0.1 ? "%.3f" : "%.2f"), w / n }')")
	done
	kill -0 "$WG_PID" 2>/dev/null || die "wangge exited during the run; see $DIR/wangge-$store.log (BENCH_KEEP=1)"
	local i=${#R_REQ[@]}
	R_STORE[i]=$store R_WHO[i]=$who R_WORK[i]=$work R_REQ[i]=$req R_SIZE[i]=$SIZE R_CONNS[i]=$CUR_CONNS
	R_SPREAD[i]=$(printf '%s\n' "${ratios[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo == hi ? lo : lo "–" hi }')
	R_NG[i]=$(printf '%s\n' "${ng_all[@]}" | median)
	R_WG[i]=$(printf '%s\n' "${wg_all[@]}" | median)
	R_P50[i]=$(printf '%s\n' "${p50s[@]}" | median)
	R_P99[i]=$(printf '%s\n' "${p99s[@]}" | median)
	R_RSS[i]=$(peak_rss)
	awk -v s="$store" -v a="$who" -v q="$req" -v w="${R_WG[i]}" -v n="${R_NG[i]}" -v b="$SIZE" \
		-v p50="${R_P50[i]}" -v p99="${R_P99[i]}" -v k="$work" \
		-v c="$CUR_CONNS" \
		'BEGIN { printf "%s: %s (%s, as %s, %d connections): %.0f req/s = %.4f x nginx static (nginx %.0f req/s, %d B), p50 %.2f ms, p99 %.2f ms\n", k, q, s, a, c, w, w / n, n, b, p50, p99 }'
}

# --- one store ----------------------------------------------------------------
BENCH_PASSWORD='Bench#2026-pass'

# sign_in WG_PORT ACCOUNT: a session for the demo account.
sign_in()
{
	local t
	t=$(curl -s --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"username\":\"$2\",\"password\":\"$BENCH_PASSWORD\"}" \
		"http://127.0.0.1:$1/api/v1/session" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[ -n "$t" ] || die "cannot sign in as $2"
	TOKEN[$2]=$t
}

# case_total WG_PORT: how many cases the county sees.
case_total()
{
	fetch "http://127.0.0.1:$1/api/v1/cases?limit=1&total=true" "$DIR/total.json" county >/dev/null
	sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$DIR/total.json"
}

# seed WG_PORT PLACES N: report cases through the API until the county has
# N, or for SEED_MAX seconds. Each wrk run stops its threads after their share of what is missing
# (wrk itself still waits out -d, hence short runs).
seed()
{
	local port=$1 places=$2 want=$3 have h=()
	mapfile -t h < <(auth county)
	have=$(case_total "$port")
	local started=$SECONDS
	SEED_REFUSED=''
	while [ "${have:-0}" -lt "$want" ]; do
		if [ $((SECONDS - started)) -ge "$SEED_MAX" ]; then
			echo "bench: stopped seeding after $SEED_MAX s (BENCH_SEED_SECONDS), at $have cases"
			break
		fi
		wrk -t"$THREADS" -c"$CONNS" -d3s "${h[@]}" -s "$REPORT_LUA" "http://127.0.0.1:$port/api/v1/cases" \
			-- "$places" $(((want - have + THREADS - 1) / THREADS)) >"$DIR/seed.log" 2>&1 ||
			{
				cat "$DIR/seed.log" >&2
				die "seeding failed"
			}
		local failed before=$have
		failed=$(grep -c 'case-report.lua: answer' "$DIR/seed.log" || true)
		if [ "$failed" -gt 0 ]; then
			# Reported, not fatal: the rows measure what the server does
			# under load, refusals included; a run that stops making cases
			# is fatal below.
			echo "bench: $failed reports refused while seeding; the first:" >&2
			grep -m 1 'case-report.lua: answer' "$DIR/seed.log" >&2
			SEED_REFUSED=$((SEED_REFUSED + failed))
		fi
		have=$(case_total "$port")
		[ -n "$have" ] || die "cannot count the cases: $(head -c 300 "$DIR/total.json")"
		[ "$have" -gt "$before" ] || {
			cat "$DIR/seed.log" >&2
			die "seeding made no case"
		}
	done
	echo "seeded $have cases in $((SECONDS - started)) s${SEED_REFUSED:+, $SEED_REFUSED refused}"
}

# version_of URL ACCOUNT: the ETag version of the case at URL.
version_of()
{
	local h=()
	mapfile -t h < <(auth "$2")
	curl -s -D - -o /dev/null --max-time 10 "${h[@]}" "$1" | sed -n 's/^ETag: "\([0-9]*\)".*/\1/Ip'
}

# walk WG_PORT ID: take case ID the whole way through flows/event.json as
# the county centre and the police department's handler would, so that its
# timeline is that of a closed case (report and eight actions).
walk()
{
	local port=$1 id=$2 v step who action body code
	local url=http://127.0.0.1:$port/api/v1/cases/$id
	local steps=(
		'county accept {"note":"已受理"}'
		'county assess {"priority":"normal","level":"village","note":"属治安类，派公安局处理"}'
		'county dispatch {"department":"610326-police","reason":"涉及治安管理，由公安局处理","note":"请尽快到场"}'
		'police1 acknowledge {}'
		'police1 feedback {"result":"已到现场处置完毕，并告知相关住户注意事项"}'
		'county verify {"note":"网格员现场核实已处置"}'
		'county close {"note":"办结"}'
		'county callback {"satisfaction":5,"comment":"处理及时，满意"}'
	)
	[ -n "${TOKEN[police1]:-}" ] || sign_in "$port" police1
	v=$(version_of "$url" county)
	[ -n "$v" ] || die "case $id: no ETag"
	for step in "${steps[@]}"; do
		read -r who action body <<<"$step"
		local h=()
		mapfile -t h < <(auth "$who")
		code=$(curl -s -D "$DIR/walk.h" -o "$DIR/walk.json" -w '%{http_code}' --max-time 10 "${h[@]}" \
			-H 'Content-Type: application/json' -H "If-Match: \"$v\"" -d "$body" "$url/actions/$action" || true)
		[ "$code" = 200 ] || die "walking case $id: $action as $who answered $code: $(head -c 300 "$DIR/walk.json")"
		v=$(sed -n 's/^ETag: "\([0-9]*\)".*/\1/Ip' "$DIR/walk.h")
	done
}

# The action row's pool: POOL_N open cases the county sees, their ids in
# $DIR/pool-ids.txt and, refreshed before every wangge run, "ID VERSION" in
# $DIR/pool.txt (a run's last requests may have changed cases whose answers
# wrk no longer read).
POOL_N=$((3 * CONNS > 200 ? 200 : 3 * CONNS))
make_pool()
{
	[ "$(fetch "http://127.0.0.1:$1/api/v1/cases?limit=200" "$DIR/pool-page.json" county)" = 200 ] ||
		die "GET /api/v1/cases failed: $(head -c 300 "$DIR/pool-page.json")"
	python3 -c 'import json, sys
ids = [c["id"] for c in json.load(open(sys.argv[1]))["items"] if not c["terminal"]][: int(sys.argv[2])]
print("\n".join(map(str, ids)))' "$DIR/pool-page.json" "$POOL_N" >"$DIR/pool-ids.txt"
	[ "$(wc -l <"$DIR/pool-ids.txt")" -ge "$POOL_N" ] ||
		die "the action row needs $POOL_N open cases; the county sees $(wc -l <"$DIR/pool-ids.txt") (BENCH_CASES)"
	sed "s|.*|url = \"http://127.0.0.1:$1/api/v1/cases/&\"|" "$DIR/pool-ids.txt" >"$DIR/pool.curl"
	refresh_pool
}

refresh_pool()
{
	local h=()
	mapfile -t h < <(auth county)
	curl -s --max-time 30 "${h[@]}" -w '\n' -K "$DIR/pool.curl" >"$DIR/pool-cases.json" ||
		die "reading the pool's cases failed"
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        c = json.loads(line)
        print(c["id"], c["version"])' "$DIR/pool-cases.json" >"$DIR/pool.txt" ||
		die "reading the pool's cases failed: $(head -c 300 "$DIR/pool-cases.json")"
	[ "$(wc -l <"$DIR/pool.txt")" -eq "$POOL_N" ] || die "the pool's cases could not all be read"
}

# sse STORE WG_PORT: BENCH_SSE_STREAMS idle subscribers, as grid workers of
# the demo (gw + grid code: 5 streams per account at most).
sse()
{
	local store=$1 port=$2 out
	python3 -c 'import json, sys
for f in json.load(open(sys.argv[1]))["features"]:
    print("gw" + f["properties"]["code"])' "$DIR/grids.json" >"$DIR/stream-accounts.txt"
	out=$(node bench/sse-idle.mjs --url="http://127.0.0.1:$port" --accounts="$DIR/stream-accounts.txt" \
		--password="$BENCH_PASSWORD" --pid="$WG_PID" --streams="$SSE_STREAMS" --concurrency="$CONNS") ||
		die "the live-stream row failed ($store)"
	echo "$out"
	kv()
	{
		sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$out"
	}
	local i=${#R_REQ[@]}
	R_STORE[i]=$store R_WHO[i]="${SSE_STREAMS} grid workers' streams" R_WORK[i]=sse
	R_REQ[i]="GET /api/v1/events/stream"
	R_SIZE[i]='' R_NG[i]='' R_SPREAD[i]='' R_CONNS[i]=$CONNS
	R_WG[i]=$(kv open_per_s) R_P50[i]=$(kv open_p50_ms) R_P99[i]=$(kv open_p99_ms)
	R_RSS[i]=$(peak_rss)
	SSE_NOTES+=("$(awk -v s="$store" -v n="$SSE_STREAMS" -v a="$(kv rss_before_kb)" -v b="$(kv rss_after_kb)" \
		-v c="$(kv rss_closed_kb)" -v per="$(kv per_stream_bytes)" -v cpu="$(kv idle_cpu_pct)" \
		'BEGIN { printf "%s: %d idle streams: server RSS %.1f MiB before, %.1f MiB with them open: %.1f KiB per subscriber; %.1f MiB after closing them; server CPU while they idled %s %%", s, n, a / 1024, b / 1024, per / 1024, c / 1024, cpu }')")
}

# run_store STORE: start wangge on a fresh database of STORE, seed it and
# measure STORE's workloads.
run_store()
{
	local store=$1 db_url e
	local -a mine=()
	for e in "${ENDPOINTS[@]}"; do
		[ "${e%% *}" = "$store" ] || continue
		[ -z "$ONLY" ] || [[ $e == *"$ONLY"* ]] || continue
		mine+=("$e")
	done
	((${#mine[@]})) || return 0

	if [ "$store" = sqlite ]; then
		db_url="sqlite:$DIR/wangge.db"
	else
		PG_DIR=$DIR/pg
		local admin
		admin=$(tests/api/pg-cluster.sh start "$PG_DIR") || die "the PostgreSQL cluster did not start"
		psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE wangge" >/dev/null
		db_url=${admin/dbname=postgres/dbname=wangge}
	fi
	local log=$DIR/wangge-$store.log
	"$BIN" migrate --db.url="$db_url" >"$DIR/migrate-$store.log" 2>&1 ||
		{
			cat "$DIR/migrate-$store.log" >&2
			die "migrate failed ($store)"
		}
	# --staff-accounts: an account for every grid worker, the live-stream
	# row's subscribers.
	"$BIN" demo --db.url="$db_url" --password="$BENCH_PASSWORD" --security.key_file="$DIR/wangge.key" \
		--staff-accounts --quiet >"$DIR/demo-$store.log" 2>&1 ||
		{
			cat "$DIR/demo-$store.log" >&2
			die "demo accounts failed ($store)"
		}
	local port
	port=$(free_port)
	"$BIN" serve --db.url="$db_url" --http.port="$port" --http.host=127.0.0.1 --http.access_log=false \
		--security.key_file="$DIR/wangge.key" --attachments.dir="$DIR/attachments" \
		--security.login_per_minute=100000 >"$log" 2>&1 &
	WG_PID=$!
	wait_http "http://127.0.0.1:$port/healthz" "$WG_PID" "$log"
	TOKEN=()
	sign_in "$port" county
	for e in "${mine[@]}"; do
		read -r _ who _ <<<"$e"
		[ -n "${TOKEN[$who]:-}" ] || sign_in "$port" "$who"
	done

	# Where the reports are made (bench/case-places.py), and the grids.
	local places=$DIR/places.txt
	[ "$(fetch "http://127.0.0.1:$port/api/v1/grids.geojson" "$DIR/grids.json" county)" = 200 ] ||
		die "GET /api/v1/grids.geojson failed"
	if [ ! -s "$places" ]; then
		[ "$(fetch "http://127.0.0.1:$port/api/v1/categories?kind=event" "$DIR/categories.json" county)" = 200 ] ||
			die "GET /api/v1/categories failed"
		python3 bench/case-places.py "$DIR/grids.json" "$DIR/categories.json" 16384 >"$places"
	fi
	local needs_cases=false
	for e in "${mine[@]}"; do [[ $e == *" /api/v1/cases"* || $e == *" /api/v1/stats"* ]] && needs_cases=true; done
	if $needs_cases && [ "$CASES" -gt 0 ]; then
		seed "$port" "$places" "$CASES"
	fi

	local i=0 m p who work file code id body opt h=()
	for e in "${mine[@]}"; do
		read -r _ who work m p opt <<<"$e"
		CUR_CONNS=$CONNS
		[[ $opt =~ ^c=([0-9]+)$ ]] && CUR_CONNS=$((BASH_REMATCH[1] < CONNS ? BASH_REMATCH[1] : CONNS))
		i=$((i + 1))
		file=$store-$i.json
		if [ "$work" = sse ]; then
			sse "$store" "$port"
			continue
		fi
		if [[ $p == *"{case}"* || $p == *"{walked}"* ]]; then
			fetch "http://127.0.0.1:$port/api/v1/cases?limit=2" "$DIR/newest.json" "$who" >/dev/null
			if [[ $p == *"{case}"* ]]; then
				id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["items"][0]["id"])' "$DIR/newest.json" 2>/dev/null) ||
					die "$who sees no case to read: $(head -c 300 "$DIR/newest.json")"
				p=${p/\{case\}/$id}
			else
				id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["items"][1]["id"])' "$DIR/newest.json" 2>/dev/null) ||
					die "$who sees no second case to walk: $(head -c 300 "$DIR/newest.json")"
				walk "$port" "$id"
				p=${p/\{walked\}/$id}
			fi
		fi
		WG_URL=http://127.0.0.1:$port$p
		BEFORE_WG=
		WG_ARGS=() NG_ARGS=()
		mapfile -t h < <(auth "$who")
		case $work in
		sign-in)
			printf '{"username":"%s","password":"%s"}' "$who" "$BENCH_PASSWORD" >"$DIR/sign-in-$who.json"
			code=$(curl -s -o "$DIR/html/post/$file" -w '%{http_code}' --max-time 10 \
				-H 'Content-Type: application/json' --data-binary "@$DIR/sign-in-$who.json" "$WG_URL" || true)
			[ "$code" = 200 ] || [ "$code" = 201 ] || die "$m $p answered $code: $(head -c 300 "$DIR/html/post/$file")"
			NG_URL=http://127.0.0.1:$NGINX_PORT/post/$file
			WG_ARGS=("$BODY_LUA" "$DIR/sign-in-$who.json") NG_ARGS=("${WG_ARGS[@]}")
			;;
		report)
			# One report like those the script sends, for nginx's twin.
			body=$(awk 'NR == 1 { printf "{\"category\":\"%s\",\"description\":\"路边垃圾堆积多日无人清运，气味很大，门牌1号附近\",\"location\":{\"lat\":%s,\"lng\":%s}}", $1, $2, $3 }' "$places")
			code=$(curl -s -o "$DIR/html/post/$file" -w '%{http_code}' --max-time 10 "${h[@]}" \
				-H 'Content-Type: application/json' -d "$body" "$WG_URL" || true)
			[ "$code" = 201 ] || die "$m $p answered $code, not 201: $(head -c 300 "$DIR/html/post/$file")"
			NG_URL=http://127.0.0.1:$NGINX_PORT/post/$file
			WG_ARGS=("$REPORT_LUA" "$places") NG_ARGS=("${WG_ARGS[@]}")
			;;
		action)
			make_pool "$port"
			id=$(head -n 1 "$DIR/pool-ids.txt")
			p=${p/\{pool\}/$id}
			WG_URL=http://127.0.0.1:$port$p
			code=$(curl -s -o "$DIR/html/post/$file" -w '%{http_code}' --max-time 10 "${h[@]}" \
				-H 'Content-Type: application/json' -H "If-Match: \"$(sed -n 1p "$DIR/pool.txt" | cut -d' ' -f2)\"" \
				-d '{"colour":"yellow","note":"超过受理时限，请尽快受理并反馈"}' "$WG_URL" || true)
			[ "$code" = 200 ] || die "$m $p answered $code, not 200: $(head -c 300 "$DIR/html/post/$file")"
			NG_URL=http://127.0.0.1:$NGINX_PORT/post/$file
			WG_ARGS=("$ACTION_LUA" "$DIR/pool.txt" "$THREADS") NG_ARGS=("$ACTION_LUA" "$DIR/pool.txt" "$THREADS" twin)
			BEFORE_WG=refresh_pool
			;;
		locate)
			local point
			point=$(awk 'NR == 1 { printf "?lat=%s&lng=%s", $2, $3 }' "$places")
			code=$(fetch "$WG_URL$point" "$DIR/html/$file" "$who")
			[ "$code" = 200 ] || die "$m $p$point answered $code, not 200: $(head -c 300 "$DIR/html/$file")"
			NG_URL=http://127.0.0.1:$NGINX_PORT/$file
			WG_ARGS=("$LOCATE_LUA" "$places") NG_ARGS=("${WG_ARGS[@]}")
			p="$p?lat=…&lng=…"
			;;
		*)
			code=$(fetch "$WG_URL" "$DIR/html/$file" "$who")
			[ "$code" = 200 ] || die "$m $p answered $code, not 200: $(head -c 300 "$DIR/html/$file")"
			NG_URL=http://127.0.0.1:$NGINX_PORT/$file
			;;
		esac
		chmod 644 "$DIR/html/$file" "$DIR/html/post/$file" 2>/dev/null || true
		if [[ $NG_URL == */post/* ]]; then
			SIZE=$(wc -c <"$DIR/html/post/$file")
		else
			SIZE=$(wc -c <"$DIR/html/$file")
		fi
		measure "$store" "$who" "$work" "$m $p"
	done
	# What the peak is made of: SQLite reads the database through a mapping
	# (mmap_size), whose pages count as the process's file-backed RSS.
	echo "$store: server peak RSS $(awk -v k="$(peak_rss)" 'BEGIN { printf "%.1f MiB", k / 1024 }') (VmHWM);" \
		"now $(awk '/^(RssAnon|RssFile):/ { printf "%s %.1f MiB ", $1, $2 / 1024 }' "/proc/$WG_PID/status")"
	stop "$WG_PID"
	WG_PID=
	stop_pg
}

started=$SECONDS
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
# Anything else busy on the machine moves both figures; the load average
# before the run says whether that was the case.
echo "wangge bench $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores${cpu:+ ($cpu)}, $mem, load $(cut -d' ' -f1 /proc/loadavg)," \
	"wrk -t$THREADS -c$CONNS -d${SECONDS_RUN}s, $ROUNDS alternating rounds (median), ${WARMUP}s warm-up," \
	"$CASES cases; $("$NGINX" -v 2>&1 | sed 's/.*version: //')"

for s in $STORES; do
	run_store "$s"
done

echo
echo "| workload | store | as | conns | body | wangge req/s | p50 | p99 | nginx static req/s | × nginx | rounds' ratios | server peak RSS |"
echo "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for ((i = 0; i < ${#R_REQ[@]}; i++)); do
	if [ "${R_WORK[i]}" = sse ]; then
		awk -v s="${R_STORE[i]}" -v a="${R_WHO[i]}" -v q="${R_REQ[i]}" -v w="${R_WG[i]}" -v p50="${R_P50[i]}" \
			-v p99="${R_P99[i]}" -v rss="${R_RSS[i]}" \
			-v c="${R_CONNS[i]}" \
			'BEGIN { printf "| sse: `%s`, opened, then idle | %s | %s | %d opening | | %.0f opened/s | %.2f ms | %.2f ms | | | | %.1f MiB |\n", q, s, a, c, w, p50, p99, rss / 1024 }'
		continue
	fi
	awk -v s="${R_STORE[i]}" -v a="${R_WHO[i]}" -v k="${R_WORK[i]}" -v q="${R_REQ[i]}" -v w="${R_WG[i]}" \
		-v n="${R_NG[i]}" -v b="${R_SIZE[i]}" -v p50="${R_P50[i]}" -v p99="${R_P99[i]}" -v sp="${R_SPREAD[i]}" \
		-v rss="${R_RSS[i]}" -v c="${R_CONNS[i]}" \
		'BEGIN { printf "| %s: `%s` | %s | %s | %d | %d B | %.0f | %.2f ms | %.2f ms | %.0f | " (w / n < 0.01 ? "%.4f" : w / n < 0.1 ? "%.3f" : "%.2f") " | %s | %.1f MiB |\n", k, q, s, a, c, b, w, p50, p99, n, w / n, sp, rss / 1024 }'
done
echo
for note in "${SSE_NOTES[@]}"; do
	echo "- $note"
done
echo "bench/run.sh took $((SECONDS - started)) s; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
