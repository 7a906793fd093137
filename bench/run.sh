#!/usr/bin/env bash
# bench/run.sh - what `make bench` runs: wangge's request rate per endpoint as a
# ratio to nginx serving a static file of the same size on the same machine.
#
# The release binary (build/wangge) serves a freshly migrated SQLite database;
# Debian's nginx serves, for each endpoint, a file holding that endpoint's
# response body (fetched once, so the byte size is identical); wrk loads both
# alternately with identical settings. Load generator and server share the
# machine's cores, and nginx is measured under the same conditions, so the
# ratio is the figure that carries from one machine to another; raw req/s do not.
# See docs/performance.md.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [8]       length of each measured wrk run
#   BENCH_CONNECTIONS [64]  open connections (wrk -c)
#   BENCH_THREADS [2]       wrk threads (wrk -t)
#   BENCH_WARMUP [2]        seconds of unmeasured load on each server first
#   BENCH_ROUNDS [3]        measured runs per server and endpoint, alternating
#                           nginx, wangge, nginx, ...; the median is reported
#   BENCH_BIN [build/wangge]  the binary under test
#   BENCH_KEEP [unset]      keep the temp dir (logs, configs) when set
#
# Nothing outside the temp dir is written: nginx runs with its own prefix,
# config, pid file and logs there, never /etc/nginx or /var/log/nginx, and both
# servers are stopped on any exit.
set -euo pipefail

# The measured endpoints, "METHOD PATH" (GET only for now). Add lines here.
ENDPOINTS=(
	"GET /healthz"
	"GET /api/v1/regions?parent=610326000000"
)

cd "$(dirname "$0")/.."

SECONDS_RUN=${BENCH_SECONDS:-8}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-3}
BIN=${BENCH_BIN:-build/wangge}
NGINX=${NGINX:-/usr/sbin/nginx}

die()
{
	echo "bench: $*" >&2
	exit 1
}

for v in SECONDS_RUN CONNS THREADS WARMUP ROUNDS; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive whole number, not '${!v}'"
done
[ -x "$BIN" ] || die "no $BIN: build the release binary first (make)"
[ -x "$NGINX" ] || die "no $NGINX: apt-get install nginx-light"
command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
if ldd "$BIN" 2>/dev/null | grep -q -e libasan -e libubsan -e libtsan; then
	echo "bench: warning: $BIN is built with sanitizers; figures will be far below a release build" >&2
fi

# fetch URL FILE: body into FILE, prints the HTTP status.
command -v curl >/dev/null || die "curl is not installed: apt-get install curl"
AUTH=() # curl -H arguments; the session header once signed in
fetch() { curl -s -o "$2" -w '%{http_code}' --max-time 5 "${AUTH[@]}" "$1" || true; }

# A free TCP port on 127.0.0.1 (the kernel picks it; the small race with
# another program taking it before the server does is accepted).
free_port()
{
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
		return
	fi
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(: </dev/tcp/127.0.0.1/$p) 2>/dev/null || {
			echo $p
			return
		}
	done
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/wangge-bench.XXXXXX")
# nginx's workers drop to an unprivileged user when started as root; they
# must be able to read the document root.
chmod 755 "$DIR"
WG_PID=
NGINX_PID=

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

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	stop "$WG_PID"
	stop "$NGINX_PID"
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

# --- wangge ---------------------------------------------------------------
DB_URL="sqlite:$DIR/wangge.db"
WG_PORT=$(free_port)
"$BIN" migrate --db.url="$DB_URL" >"$DIR/migrate.log" 2>&1 ||
	{
		cat "$DIR/migrate.log" >&2
		die "migrate failed"
	}
# The API needs a session: the demo accounts, and a token for the county
# centre operator, who sees the whole county. nginx gets the same header, so
# both servers parse requests of the same size.
BENCH_PASSWORD='Bench#2026-pass'
"$BIN" demo --db.url="$DB_URL" --password="$BENCH_PASSWORD" >"$DIR/demo.log" 2>&1 ||
	{
		cat "$DIR/demo.log" >&2
		die "demo accounts failed"
	}
"$BIN" serve --db.url="$DB_URL" --http.port="$WG_PORT" --http.host=127.0.0.1 --http.access_log=false \
	--security.key_file="$DIR/wangge.key" --security.login_per_minute=100000 >"$DIR/wangge.log" 2>&1 &
WG_PID=$!
wait_http "http://127.0.0.1:$WG_PORT/healthz" "$WG_PID" "$DIR/wangge.log"
TOKEN=$(curl -s --max-time 5 -H 'Content-Type: application/json' \
	-d "{\"username\":\"county\",\"password\":\"$BENCH_PASSWORD\"}" \
	"http://127.0.0.1:$WG_PORT/api/v1/session" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || die "cannot sign in as county"
AUTH=(-H "Authorization: Bearer $TOKEN")

# --- the bodies nginx will serve ------------------------------------------
mkdir -p "$DIR/html" "$DIR/tmp"
declare -a METHOD PATHS SIZES
i=0
for e in "${ENDPOINTS[@]}"; do
	m=${e%% *}
	p=${e#* }
	[ "$m" = GET ] || die "$e: only GET endpoints can be measured so far"
	code=$(fetch "http://127.0.0.1:$WG_PORT$p" "$DIR/html/e$i.json")
	[ "$code" = 200 ] || die "$e answered $code, not 200: $(head -c 300 "$DIR/html/e$i.json")"
	METHOD[i]=$m
	PATHS[i]=$p
	SIZES[i]=$(wc -c <"$DIR/html/e$i.json")
	i=$((i + 1))
done
chmod 644 "$DIR"/html/*

# --- nginx ----------------------------------------------------------------
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
	}
}
EOF
"$NGINX" -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" >"$DIR/nginx.log" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT/e0.json" "$NGINX_PID" "$DIR/nginx-error.log"

# --- measure --------------------------------------------------------------
# run_wrk URL SECONDS: prints "REQ_PER_S P99_MS"; fails on errors or non-2xx.
run_wrk()
{
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$2"s --latency "${AUTH[@]}" "$1" 2>&1) || {
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

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
# Anything else busy on the machine moves both figures; the load average
# before the run says whether that was the case.
echo "wangge bench $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores${cpu:+ ($cpu)}, load $(cut -d' ' -f1 /proc/loadavg)," \
	"wrk -t$THREADS -c$CONNS -d${SECONDS_RUN}s, $ROUNDS alternating rounds (median), ${WARMUP}s warm-up;" \
	"$("$NGINX" -v 2>&1 | sed 's/.*version: //')"

declare -a WG_RPS NG_RPS WG_P99 NG_P99 SPREAD
for ((i = 0; i < ${#PATHS[@]}; i++)); do
	wg_url="http://127.0.0.1:$WG_PORT${PATHS[i]}"
	ng_url="http://127.0.0.1:$NGINX_PORT/e$i.json"
	run_wrk "$ng_url" "$WARMUP" >/dev/null
	run_wrk "$wg_url" "$WARMUP" >/dev/null
	ng_all=() wg_all=() ng_lat=() wg_lat=() ratios=()
	for ((r = 0; r < ROUNDS; r++)); do
		res=$(run_wrk "$ng_url" "$SECONDS_RUN")
		read -r rps p99 <<<"$res"
		ng_all+=("$rps") ng_lat+=("$p99")
		res=$(run_wrk "$wg_url" "$SECONDS_RUN")
		read -r rps p99 <<<"$res"
		wg_all+=("$rps") wg_lat+=("$p99")
		ratios+=("$(awk -v w="${wg_all[r]}" -v n="${ng_all[r]}" 'BEGIN { printf "%.2f", w / n }')")
	done
	SPREAD[i]=$(printf '%s\n' "${ratios[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo == hi ? lo : lo "–" hi }')
	NG_RPS[i]=$(printf '%s\n' "${ng_all[@]}" | median)
	WG_RPS[i]=$(printf '%s\n' "${wg_all[@]}" | median)
	NG_P99[i]=$(printf '%s\n' "${ng_lat[@]}" | median)
	WG_P99[i]=$(printf '%s\n' "${wg_lat[@]}" | median)
	kill -0 "$WG_PID" 2>/dev/null || die "wangge exited during the run; see $DIR/wangge.log (BENCH_KEEP=1)"
	awk -v m="${METHOD[i]}" -v p="${PATHS[i]}" -v w="${WG_RPS[i]}" -v n="${NG_RPS[i]}" -v b="${SIZES[i]}" \
		'BEGIN { printf "%s %s: %.0f req/s = %.2f x nginx static (nginx %.0f req/s, %d B)\n", m, p, w, w / n, n, b }'
done

echo
echo "| endpoint | body | wangge req/s | nginx static req/s | ratio | rounds' ratios | p99 wangge | p99 nginx |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|"
for ((i = 0; i < ${#PATHS[@]}; i++)); do
	awk -v m="${METHOD[i]}" -v p="${PATHS[i]}" -v w="${WG_RPS[i]}" -v n="${NG_RPS[i]}" -v b="${SIZES[i]}" \
		-v wl="${WG_P99[i]}" -v nl="${NG_P99[i]}" -v sp="${SPREAD[i]}" \
		'BEGIN { printf "| `%s %s` | %d B | %.0f | %.0f | %.2f | %s | %.2f ms | %.2f ms |\n", m, p, b, w, n, w / n, sp, wl, nl }'
done
