#!/usr/bin/env bash
# bench/run.sh - what `make bench` runs: wangge's request rate per endpoint as a
# ratio to nginx serving a static file of the same size on the same machine.
#
# For each store (SQLite, then a throwaway PostgreSQL cluster) the release
# binary (build/wangge) serves a freshly migrated database with the demo
# county and BENCH_CASES cases reported through the API; Debian's nginx
# serves, for each endpoint, a file holding that endpoint's response body
# (fetched once, so the byte size is identical); wrk loads both alternately
# with identical settings and the same request. Load generator and servers
# share the machine's cores, and nginx is measured under the same conditions,
# so the ratio is the figure that carries from one machine to another; raw
# req/s do not. See docs/performance.md.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [8]       length of each measured wrk run
#   BENCH_CONNECTIONS [64]  open connections (wrk -c)
#   BENCH_THREADS [2]       wrk threads (wrk -t)
#   BENCH_WARMUP [2]        seconds of unmeasured load on each server first
#   BENCH_ROUNDS [3]        measured runs per server and endpoint, alternating
#                           nginx, wangge, nginx, ...; the median is reported
#   BENCH_CASES [30000]     cases reported before the case endpoints are
#                           measured (about a year of Mei county)
#   BENCH_STORES [sqlite postgres]  the stores to measure, in that order
#   BENCH_ONLY [unset]      measure only endpoints whose line (below) contains it
#   BENCH_BIN [build/wangge]  the binary under test
#   BENCH_KEEP [unset]      keep the temp dir (logs, configs) when set
#
# Nothing outside the temp dir is written: nginx runs with its own prefix,
# config, pid file and logs there, never /etc/nginx or /var/log/nginx; the
# PostgreSQL cluster lives there too (tests/api/pg-cluster.sh: its own socket
# folder, no TCP); all servers are stopped on any exit.
set -euo pipefail

# The measured endpoints: "STORE ACCOUNT METHOD PATH", signed in as the demo
# account ACCOUNT (src/cli/demo.c). {case} is the newest case ACCOUNT sees.
# POST sends a new report each time (bench/case-report.lua); nginx gets the
# same requests. Add lines here.
ENDPOINTS=(
	"sqlite county GET /healthz"
	"sqlite county GET /api/v1/regions?parent=610326000000"
	"sqlite town1 GET /api/v1/cases/{case}"
	"sqlite town1 GET /api/v1/cases"
	"sqlite county POST /api/v1/cases"
	"postgres town1 GET /api/v1/cases/{case}"
	"postgres town1 GET /api/v1/cases"
	"postgres county POST /api/v1/cases"
)

cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECONDS_RUN=${BENCH_SECONDS:-8}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-3}
CASES=${BENCH_CASES:-30000}
STORES=${BENCH_STORES:-sqlite postgres}
ONLY=${BENCH_ONLY:-}
BIN=${BENCH_BIN:-build/wangge}
NGINX=${NGINX:-/usr/sbin/nginx}
REPORT_LUA=$ROOT/bench/case-report.lua

die()
{
	echo "bench: $*" >&2
	exit 1
}

for v in SECONDS_RUN CONNS THREADS WARMUP ROUNDS; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, not '${!v}'"
done
[[ $CASES =~ ^[0-9]+$ ]] || die "BENCH_CASES must be a whole number, not '$CASES'"
for s in $STORES; do
	[[ $s == sqlite || $s == postgres ]] || die "BENCH_STORES: unknown store '$s' (sqlite, postgres)"
done
[ -x "$BIN" ] || die "no $BIN: build the release binary first (make)"
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$NGINX" ] || die "no $NGINX: apt-get install nginx-light"
command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
command -v curl >/dev/null || die "curl is not installed: apt-get install curl"
command -v python3 >/dev/null || die "python3 is not installed: apt-get install python3"
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
# Started first and left running: each endpoint's twin file is written into
# its document root when the endpoint's body is known.
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
		# the error page turns that into the file, with 201 like wangge. nginx
		# still reads (and discards) each request's body, and keeps the
		# connection open.
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
# run_wrk URL SECONDS ACCOUNT [PLACES]: prints "REQ_PER_S P99_MS"; with
# PLACES, POSTs bench/case-report.lua's reports. Fails on wrk errors; says
# when answers were not 2xx.
run_wrk()
{
	local out h=() s=()
	mapfile -t h < <(auth "$3")
	[ -z "${4:-}" ] || s=(-s "$REPORT_LUA")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency "${h[@]}" "${s[@]}" "$1" ${4:+-- "$4"} 2>&1) || {
		echo "bench: wrk failed on $1:" >&2
		echo "$out" >&2
		return 1
	}
	if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
		echo "bench: errors while loading $1:" >&2
		grep -e 'Non-2xx' -e 'Socket errors' <<<"$out" >&2
	fi
	awk '/^Requests\/sec:/ { rps = $2 }
	     /^ +99%/ { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
	                p99 = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v }
	     END { if (rps == "") exit 1; printf "%.0f %.2f\n", rps, p99 }' <<<"$out"
}

median()
{
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Results, one entry per measured endpoint, for the table at the end.
R_STORE=() R_WHO=() R_METHOD=() R_PATH=() R_SIZE=() R_WG=() R_NG=() R_WGL=() R_NGL=() R_SPREAD=()

# measure STORE ACCOUNT METHOD PATH WG_URL NG_URL SIZE [PLACES]
measure()
{
	local store=$1 who=$2 m=$3 p=$4 wg_url=$5 ng_url=$6 size=$7 places=${8:-}
	local ng_all=() wg_all=() ng_lat=() wg_lat=() ratios=() res rps p99 r
	run_wrk "$ng_url" "$WARMUP" "$who" "$places" >/dev/null
	run_wrk "$wg_url" "$WARMUP" "$who" "$places" >/dev/null
	for ((r = 0; r < ROUNDS; r++)); do
		res=$(run_wrk "$ng_url" "$SECONDS_RUN" "$who" "$places")
		read -r rps p99 <<<"$res"
		ng_all+=("$rps") ng_lat+=("$p99")
		res=$(run_wrk "$wg_url" "$SECONDS_RUN" "$who" "$places")
		read -r rps p99 <<<"$res"
		wg_all+=("$rps") wg_lat+=("$p99")
		ratios+=("$(awk -v w="${wg_all[r]}" -v n="${ng_all[r]}" 'BEGIN { printf "%.2f", w / n }')")
	done
	kill -0 "$WG_PID" 2>/dev/null || die "wangge exited during the run; see $DIR/wangge-$store.log (BENCH_KEEP=1)"
	local i=${#R_PATH[@]}
	R_STORE[i]=$store R_WHO[i]=$who R_METHOD[i]=$m R_PATH[i]=$p R_SIZE[i]=$size
	R_SPREAD[i]=$(printf '%s\n' "${ratios[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo == hi ? lo : lo "–" hi }')
	R_NG[i]=$(printf '%s\n' "${ng_all[@]}" | median)
	R_WG[i]=$(printf '%s\n' "${wg_all[@]}" | median)
	R_NGL[i]=$(printf '%s\n' "${ng_lat[@]}" | median)
	R_WGL[i]=$(printf '%s\n' "${wg_lat[@]}" | median)
	awk -v s="$store" -v a="$who" -v m="$m" -v p="$p" -v w="${R_WG[i]}" -v n="${R_NG[i]}" -v b="$size" \
		'BEGIN { printf "%s %s (%s, as %s): %.0f req/s = %.2f x nginx static (nginx %.0f req/s, %d B)\n", m, p, s, a, w, w / n, n, b }'
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
# N. Each wrk run stops its threads after their share of what is missing
# (wrk itself still waits out -d, hence short runs).
seed()
{
	local port=$1 places=$2 want=$3 have h=()
	mapfile -t h < <(auth county)
	have=$(case_total "$port")
	local started=$SECONDS
	while [ "${have:-0}" -lt "$want" ]; do
		wrk -t"$THREADS" -c"$CONNS" -d3s "${h[@]}" -s "$REPORT_LUA" "http://127.0.0.1:$port/api/v1/cases" \
			-- "$places" $(((want - have + THREADS - 1) / THREADS)) >"$DIR/seed.log" 2>&1 ||
			{
				cat "$DIR/seed.log" >&2
				die "seeding failed"
			}
		grep -q 'case-report.lua: answer' "$DIR/seed.log" && {
			cat "$DIR/seed.log" >&2
			die "seeding failed"
		}
		have=$(case_total "$port")
		[ -n "$have" ] || die "cannot count the cases: $(head -c 300 "$DIR/total.json")"
	done
	echo "seeded $have cases in $((SECONDS - started)) s"
}

# run_store STORE: start wangge on a fresh database of STORE, seed it and
# measure STORE's endpoints.
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
	"$BIN" demo --db.url="$db_url" --password="$BENCH_PASSWORD" --security.key_file="$DIR/wangge.key" \
		--quiet >"$DIR/demo-$store.log" 2>&1 ||
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

	# Where the reports are made (bench/case-places.py).
	local places=$DIR/places.txt
	if [ ! -s "$places" ]; then
		[ "$(fetch "http://127.0.0.1:$port/api/v1/grids.geojson" "$DIR/grids.json" county)" = 200 ] ||
			die "GET /api/v1/grids.geojson failed"
		[ "$(fetch "http://127.0.0.1:$port/api/v1/categories?kind=event" "$DIR/categories.json" county)" = 200 ] ||
			die "GET /api/v1/categories failed"
		python3 bench/case-places.py "$DIR/grids.json" "$DIR/categories.json" 16384 >"$places"
	fi
	local needs_cases=false
	for e in "${mine[@]}"; do [[ $e == *" /api/v1/cases"* ]] && needs_cases=true; done
	if $needs_cases && [ "$CASES" -gt 0 ]; then
		seed "$port" "$places" "$CASES"
	fi

	local i=0 m p who body file code
	for e in "${mine[@]}"; do
		read -r _ who m p <<<"$e"
		i=$((i + 1))
		file=$store-$i.json
		if [[ $p == *"{case}"* ]]; then
			fetch "http://127.0.0.1:$port/api/v1/cases?limit=1" "$DIR/newest.json" "$who" >/dev/null
			local id
			id=$(sed -n 's/^{"items":\[{"id":\([0-9]*\),.*/\1/p' "$DIR/newest.json")
			[ -n "$id" ] || die "$who sees no case to read: $(head -c 300 "$DIR/newest.json")"
			p=${p/\{case\}/$id}
		fi
		if [ "$m" = POST ]; then
			# One report like those the script sends, for nginx's twin.
			body=$(awk 'NR == 1 { printf "{\"category\":\"%s\",\"description\":\"路边垃圾堆积多日无人清运，气味很大，门牌1号附近\",\"location\":{\"lat\":%s,\"lng\":%s}}", $1, $2, $3 }' "$places")
			local h=()
			mapfile -t h < <(auth "$who")
			code=$(curl -s -o "$DIR/html/post/$file" -w '%{http_code}' --max-time 10 "${h[@]}" \
				-H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port$p" || true)
			[ "$code" = 201 ] || die "$m $p answered $code, not 201: $(head -c 300 "$DIR/html/post/$file")"
			chmod 644 "$DIR/html/post/$file"
			measure "$store" "$who" "$m" "$p" "http://127.0.0.1:$port$p" \
				"http://127.0.0.1:$NGINX_PORT/post/$file" "$(wc -c <"$DIR/html/post/$file")" "$places"
		else
			code=$(fetch "http://127.0.0.1:$port$p" "$DIR/html/$file" "$who")
			[ "$code" = 200 ] || die "$m $p answered $code, not 200: $(head -c 300 "$DIR/html/$file")"
			chmod 644 "$DIR/html/$file"
			measure "$store" "$who" "$m" "$p" "http://127.0.0.1:$port$p" \
				"http://127.0.0.1:$NGINX_PORT/$file" "$(wc -c <"$DIR/html/$file")"
		fi
	done
	stop "$WG_PID"
	WG_PID=
	stop_pg
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
# Anything else busy on the machine moves both figures; the load average
# before the run says whether that was the case.
echo "wangge bench $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores${cpu:+ ($cpu)}, load $(cut -d' ' -f1 /proc/loadavg)," \
	"wrk -t$THREADS -c$CONNS -d${SECONDS_RUN}s, $ROUNDS alternating rounds (median), ${WARMUP}s warm-up," \
	"$CASES cases; $("$NGINX" -v 2>&1 | sed 's/.*version: //')"

for s in $STORES; do
	run_store "$s"
done

echo
echo "| endpoint | store | as | body | wangge req/s | nginx static req/s | ratio | rounds' ratios | p99 wangge | p99 nginx |"
echo "|---|---|---|--:|--:|--:|--:|--:|--:|--:|"
for ((i = 0; i < ${#R_PATH[@]}; i++)); do
	awk -v s="${R_STORE[i]}" -v a="${R_WHO[i]}" -v m="${R_METHOD[i]}" -v p="${R_PATH[i]}" -v w="${R_WG[i]}" \
		-v n="${R_NG[i]}" -v b="${R_SIZE[i]}" -v wl="${R_WGL[i]}" -v nl="${R_NGL[i]}" -v sp="${R_SPREAD[i]}" \
		'BEGIN { printf "| `%s %s` | %s | %s | %d B | %.0f | %.0f | %.2f | %s | %.2f ms | %.2f ms |\n", m, p, s, a, b, w, n, w / n, sp, wl, nl }'
done
