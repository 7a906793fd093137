#!/usr/bin/env bash
# bench/stats.sh - what `make bench-stats` runs: GET /api/v1/stats/overview,
# /stats/rates and /warnings?kind=spike over millions of cases (issue 9: ten million, p50 under
# 50 ms), on SQLite and on PostgreSQL.
#
# For each case count in BENCH_STATS_CASES, a database is made once and kept
# under BENCH_STATS_DIR (var/bench/stats-<N>/), so that later runs only
# measure:
#   SQLite      `wangge migrate`, `wangge demo --staff-accounts` (the
#               county, its accounts), bench/bench_stats_gen (N cases of the
#               year ending BENCH_STATS_END, written straight into the
#               table), then `wangge stats rebuild` (the rollups, by the real
#               code);
#   PostgreSQL  a cluster of its own in the same folder (tuned as said
#               below), migrate and demo as above (the same accounts, ids
#               checked), then the cases and the rollups copied from the
#               SQLite database with COPY (foreign-key triggers off and the
#               secondary indexes built after the load, as a bulk load
#               does), then VACUUM ANALYZE. Rebuilding the rollups there
#               takes a few statements per case over the wire (about 3,700
#               cases a second here: 45 minutes at ten million), so they are
#               copied; BENCH_STATS_VERIFY=1 rebuilds them on PostgreSQL
#               with `wangge stats rebuild` after the copy and checks that
#               both give the same rows (done at 100,000 cases for
#               docs/performance.md).
# Then, per store, `wangge serve` on the database, and each query (below:
# the overview and the rates by town of the county for the last 30 days of
# the generated year, the dashboard's default period; a town's overview;
# the warnings' category spikes of the county and of a town, with the
# server's clock on the evening of the year's last day; the county's
# overview and rates for the whole year) run
# BENCH_STATS_REQUESTS times one after the other (after one unmeasured),
# or for BENCH_STATS_SECONDS, whichever ends first: p50, p99 (with fewer
# than 100 requests, the slowest) and the mean, from curl's total time.
#
# Environment (defaults in brackets):
#   BENCH_STATS_CASES [10000000]    case counts, e.g. "1000000 3000000 10000000"
#   BENCH_STATS_STORES [sqlite postgres]
#   BENCH_STATS_REQUESTS [20]       measured requests per query
#   BENCH_STATS_SECONDS [45]        at most this long per query (at least 3 requests)
#   BENCH_STATS_YEAR_MAX [1000000]  the whole-year queries only up to this many cases
#                                   (they scan twelve times the rows of the 30-day ones)
#   BENCH_STATS_END [yesterday]     last day of the generated year (new databases only)
#   BENCH_STATS_DIR [var/bench]     where the databases are kept
#   BENCH_STATS_VERIFY [unset]      rebuild the rollups on PostgreSQL too and compare
#   BENCH_STATS_PREPARE_ONLY [unset] make the databases, measure nothing
#   BENCH_BUILD [build]             the release build folder (wangge, bench/bench_stats_gen)
#   BENCH_BIN [BENCH_BUILD/wangge]  the binary under test
#
# Delete var/bench/stats-<N> to make a database again (after a schema change
# of cases or the rollups). Servers and the PostgreSQL cluster are stopped
# on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

COUNTS=${BENCH_STATS_CASES:-10000000}
STORES=${BENCH_STATS_STORES:-sqlite postgres}
REQUESTS=${BENCH_STATS_REQUESTS:-20}
MAX_SECONDS=${BENCH_STATS_SECONDS:-45}
YEAR_MAX=${BENCH_STATS_YEAR_MAX:-1000000}
PREPARE_ONLY=${BENCH_STATS_PREPARE_ONLY:-}
CACHE=${BENCH_STATS_DIR:-var/bench}
BUILD=${BENCH_BUILD:-build}
BIN=${BENCH_BIN:-$BUILD/wangge}
GEN=$BUILD/bench/bench_stats_gen
PASSWORD='Bench#2026-pass'

die()
{
	echo "bench-stats: $*" >&2
	exit 1
}

for n in $COUNTS; do
	[[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "BENCH_STATS_CASES: '$n' is not a positive whole number"
done
for s in $STORES; do
	[[ $s == sqlite || $s == postgres ]] || die "BENCH_STATS_STORES: unknown store '$s' (sqlite, postgres)"
done
[[ $REQUESTS =~ ^[0-9]+$ && $REQUESTS -gt 0 ]] || die "BENCH_STATS_REQUESTS must be a positive whole number"
[[ $MAX_SECONDS =~ ^[0-9]+$ && $MAX_SECONDS -gt 0 ]] || die "BENCH_STATS_SECONDS must be a positive whole number"
[[ $YEAR_MAX =~ ^[0-9]+$ ]] || die "BENCH_STATS_YEAR_MAX must be a whole number"
[ -x "$BIN" ] || die "no $BIN: build the release binary first (make)"
[ -x "$GEN" ] || die "no $GEN: build first (make)"
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
case $GEN in /*) ;; *) GEN=$ROOT/$GEN ;; esac
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
END_DEFAULT=${BENCH_STATS_END:-$(TZ=Asia/Shanghai date -d yesterday +%F)}
[[ $END_DEFAULT =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "BENCH_STATS_END must be YYYY-MM-DD"

# PostgreSQL binaries and the unprivileged user, as tests/api/pg-cluster.sh
# finds them (that script makes and stops clusters; starting one that
# exists is done here).
PG_BINDIR=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
as_pg()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

WG_PID=
PG_RUNNING=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wangge-bench-stats.XXXXXX")

stop_server()
{
	[ -n "$WG_PID" ] || return 0
	kill -TERM "$WG_PID" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$WG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$WG_PID" 2>/dev/null || true
	wait "$WG_PID" 2>/dev/null || true
	WG_PID=
}

stop_pg()
{
	[ -n "$PG_RUNNING" ] || return 0
	tests/api/pg-cluster.sh stop "$PG_RUNNING" >/dev/null 2>&1 || true
	PG_RUNNING=
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	stop_server
	stop_pg
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# meta FILE KEY: the value of "KEY=value" in FILE, or nothing.
meta()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1
}

now_s()
{
	date +%s.%N
}

since()
{
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.0f", b - a }'
}

# --- making the databases ------------------------------------------------------
# sqlite_db N: var/bench/stats-N/sqlite.db, made unless it is complete.
sqlite_db()
{
	local n=$1 dir=$CACHE/stats-$1 t
	if [ "$(meta "$dir/sqlite.meta" complete)" = yes ]; then
		return 0
	fi
	echo "bench-stats: making the SQLite database of $n cases in $dir (once)"
	rm -rf "$dir"
	mkdir -p "$dir"
	local url=sqlite:$dir/sqlite.db
	"$BIN" migrate --db.url="$url" >"$dir/migrate.log" 2>&1 || die "migrate failed: $(tail -n 5 "$dir/migrate.log")"
	"$BIN" demo --db.url="$url" --password="$PASSWORD" --security.key_file="$dir/wangge.key" --staff-accounts \
		--quiet >"$dir/demo.log" 2>&1 || die "demo failed: $(tail -n 5 "$dir/demo.log")"
	{
		echo "end=$END_DEFAULT"
		echo "cases=$n"
	} >"$dir/sqlite.meta"
	t=$(now_s)
	"$GEN" --db.url="$url" --cases="$n" --end="$END_DEFAULT" || die "generating the cases failed"
	echo "generate_s=$(since "$t")" >>"$dir/sqlite.meta"
	t=$(now_s)
	"$BIN" stats rebuild --db.url="$url" || die "wangge stats rebuild failed"
	echo "rebuild_s=$(since "$t")" >>"$dir/sqlite.meta"
	{
		echo "bytes=$(du -cb "$dir"/sqlite.db* | tail -n 1 | cut -f1)"
		echo "complete=yes"
	} >>"$dir/sqlite.meta"
}

# pg_start DIR: start the cluster in DIR (made by tests/api/pg-cluster.sh);
# prints the admin URL.
pg_start()
{
	local dir=$1
	if ! as_pg "$PG_BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_pg "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 120 start >/dev/null ||
			die "PostgreSQL did not start: $(tail -n 5 "$dir/postgres.log")"
	fi
	PG_RUNNING=$dir
	echo "host=$dir port=$(cat "$dir/port") user=wg dbname=postgres"
}

# Settings of the kept clusters: a database of gigabytes wants more than
# pg-cluster.sh's 64 MB of shared buffers. About a quarter of this
# machine's memory would be the usual advice; 2 GB is what a modest
# server would give.
PG_TUNING="shared_buffers = '2GB'
effective_cache_size = '8GB'
work_mem = '64MB'
maintenance_work_mem = '1GB'
max_wal_size = '2GB'
checkpoint_timeout = '30min'"

# pg_db N: the PostgreSQL cluster of stats-N with its database wangge,
# made unless complete; leaves it running and sets PG_URL.
pg_db()
{
	local n=$1 dir=$CACHE/stats-$1 pgdir=$CACHE/stats-$1/pg admin t
	if [ "$(meta "$dir/pg.meta" complete)" = yes ]; then
		admin=$(pg_start "$pgdir")
		PG_URL=${admin/dbname=postgres/dbname=wangge}
		return 0
	fi
	echo "bench-stats: making the PostgreSQL database of $n cases in $pgdir (once)"
	[ -z "$(ls -A "$pgdir" 2>/dev/null)" ] || {
		tests/api/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true
		rm -rf "$pgdir"
	}
	# The cluster runs as postgres and must reach its folder: var/ may be
	# closed to others (`make run` writes the demo passwords there, each
	# file closed itself), so grant passing through (o+x), not listing.
	chmod 755 "$CACHE" "$dir"
	local up=$CACHE
	while [ "$up" != / ] && [ "$up" != "$(dirname "$ROOT")" ]; do
		if [ "$(id -u)" -eq 0 ] && ! as_pg test -x "$up"; then
			echo "bench-stats: chmod o+x $up, for the postgres user"
			chmod o+x "$up"
		fi
		up=$(dirname "$up")
	done
	admin=$(tests/api/pg-cluster.sh start "$pgdir") || die "the PostgreSQL cluster did not start"
	PG_RUNNING=$pgdir
	echo "$PG_TUNING" | as_pg tee -a "$pgdir/data/postgresql.conf" >/dev/null
	as_pg "$PG_BINDIR/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 120 restart >/dev/null ||
		die "PostgreSQL did not restart: $(tail -n 5 "$pgdir/postgres.log")"
	psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE wangge" >/dev/null
	PG_URL=${admin/dbname=postgres/dbname=wangge}
	"$BIN" migrate --db.url="$PG_URL" >"$pgdir/migrate.log" 2>&1 || die "migrate failed: $(tail -n 5 "$pgdir/migrate.log")"
	"$BIN" demo --db.url="$PG_URL" --password="$PASSWORD" --security.key_file="$dir/wangge.key" --staff-accounts \
		--quiet >"$pgdir/demo.log" 2>&1 || die "demo failed: $(tail -n 5 "$pgdir/demo.log")"
	# The copied cases name accounts by id (reporter_user) and so do the
	# rollups (reporter): both demos must have given the same ids.
	local a b
	a=$(psql -X -q -t -A "$PG_URL" -c "SELECT md5(string_agg(id || ' ' || username, ',' ORDER BY id)) FROM users")
	b=$(python3 -c 'import hashlib, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT id, username FROM users ORDER BY id").fetchall()
print(hashlib.md5(",".join(f"{i} {u}" for i, u in rows).encode()).hexdigest())' "$dir/sqlite.db")
	[ "$a" = "$b" ] || die "the demo accounts of the two stores differ; cannot copy cases between them"
	t=$(now_s)
	local cols_cases cols_day cols_state cols_cube
	cols_cases=$("$GEN" --columns=cases)
	cols_day=$("$GEN" --columns=stats_day)
	cols_state=$("$GEN" --columns=stats_state)
	cols_cube=$("$GEN" --columns=stats_cube)
	local src="$GEN --db.url=sqlite:$dir/sqlite.db --export"
	psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" <<SQL
-- A bulk load: the rows come from a database that checked them; no
-- foreign-key triggers (session_replication_role), secondary indexes built
-- once at the end instead of row by row.
SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '1GB';
CREATE TEMPORARY TABLE bench_indexes AS
	SELECT i.indexname, i.indexdef FROM pg_indexes i
	WHERE i.schemaname = 'public' AND i.tablename IN ('cases', 'stats_day', 'stats_state', 'stats_cube')
	  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO \$\$ DECLARE r record; BEGIN
	FOR r IN SELECT indexname FROM bench_indexes LOOP EXECUTE 'DROP INDEX ' || quote_ident(r.indexname); END LOOP;
END \$\$;
\copy cases ($cols_cases) FROM PROGRAM '$src=cases' WITH (FORMAT csv)
\copy stats_day ($cols_day) FROM PROGRAM '$src=stats_day' WITH (FORMAT csv)
\copy stats_state ($cols_state) FROM PROGRAM '$src=stats_state' WITH (FORMAT csv)
\copy stats_cube ($cols_cube) FROM PROGRAM '$src=stats_cube' WITH (FORMAT csv)
DO \$\$ DECLARE r record; BEGIN
	FOR r IN SELECT indexdef FROM bench_indexes LOOP EXECUTE r.indexdef; END LOOP;
END \$\$;
DO \$\$ BEGIN PERFORM setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases)); END \$\$;
SQL
	psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -c "VACUUM ANALYZE cases" -c "VACUUM ANALYZE stats_day" \
		-c "VACUUM ANALYZE stats_state" -c "VACUUM ANALYZE stats_cube" -c "CHECKPOINT" >/dev/null
	{
		echo "load_s=$(since "$t")"
		echo "bytes=$(psql -X -q -t -A "$PG_URL" -c "SELECT pg_database_size('wangge')")"
	} >"$dir/pg.meta"
	if [ -n "${BENCH_STATS_VERIFY:-}" ]; then
		local before after
		before=$(rollup_digest "$PG_URL")
		t=$(now_s)
		"$BIN" stats rebuild --db.url="$PG_URL" || die "wangge stats rebuild failed on PostgreSQL"
		echo "rebuild_s=$(since "$t")" >>"$dir/pg.meta"
		after=$(rollup_digest "$PG_URL")
		[ "$before" = "$after" ] || die "the rollups rebuilt on PostgreSQL differ from those copied from SQLite"
		echo "bench-stats: the rollups rebuilt on PostgreSQL equal those copied from SQLite ($after)"
		echo "verified=yes" >>"$dir/pg.meta"
	fi
	echo "complete=yes" >>"$dir/pg.meta"
}

# rollup_digest URL: a digest of the rollup tables and the cube on PostgreSQL.
rollup_digest()
{
	psql -X -q -t -A "$1" -c "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM stats_day t" \
		-c "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM stats_state t" \
		-c "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM stats_cube t" | tr '\n' ' '
}

# --- measuring ------------------------------------------------------------------
declare -A TOKEN=()

sign_in()
{
	local t
	t=$(curl -s --max-time 30 -H 'Content-Type: application/json' \
		-d "{\"username\":\"$2\",\"password\":\"$PASSWORD\"}" \
		"http://127.0.0.1:$1/api/v1/session" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[ -n "$t" ] || die "cannot sign in as $2"
	TOKEN[$2]=$t
}

free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# time_query PORT ACCOUNT PATH: prints "N P50_MS P99_MS MEAN_MS BYTES".
time_query()
{
	local port=$1 who=$2 path=$3 url times=() code size started i
	url=http://127.0.0.1:$port$path
	rm -f "$WORK/answer.json"
	code=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' --max-time 600 \
		-H "Authorization: Bearer ${TOKEN[$who]}" "$url" || true)
	if [ "$code" != 200 ]; then
		echo "bench-stats: the server's log:" >&2
		tail -n 20 "$WORK"/wangge-*.log >&2 || true
		die "$path answered $code: $(head -c 300 "$WORK/answer.json")"
	fi
	size=$(wc -c <"$WORK/answer.json")
	started=$SECONDS
	for ((i = 0; i < REQUESTS; i++)); do
		times+=("$(curl -s -o /dev/null -w '%{time_total}' --max-time 600 \
			-H "Authorization: Bearer ${TOKEN[$who]}" "$url")")
		((i < 2 || SECONDS - started < MAX_SECONDS)) || break
	done
	printf '%s\n' "${times[@]}" | sort -g | awk -v b="$size" '{ v[NR] = $1 * 1000; s += v[NR] }
		END { p50 = v[int((NR + 1) / 2)]; i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR
		      printf "%d %.1f %.1f %.1f %d\n", NR, p50, v[i99], s / NR, b }'
}

ROWS=()

# measure STORE N URL: serve URL and time the queries.
measure()
{
	local store=$1 n=$2 url=$3 dir=$CACHE/stats-$2 port end from30 from365 log
	end=$(meta "$dir/sqlite.meta" end)
	from30=$(date -u -d "$end -29 days" +%F)
	from365=$(date -u -d "$end -364 days" +%F)
	port=$(free_port)
	log=$WORK/wangge-$store-$n.log
	# migrate: a no-op unless the schema moved on since the database was made.
	"$BIN" migrate --db.url="$url" >"$log" 2>&1 || die "migrate failed: $(tail -n 5 "$log")"
	# The clock is set to the evening of the generated year's last day, so
	# that the warnings' spike rule (a window of days up to now) reads the
	# year's last weeks whatever day the database was made.
	"$BIN" serve --db.url="$url" --http.port="$port" --http.host=127.0.0.1 --http.access_log=false \
		--security.key_file="$dir/wangge.key" --attachments.dir="$WORK/attachments" \
		--security.login_per_minute=100000 --testing.clock=true >>"$log" 2>&1 &
	WG_PID=$!
	for _ in $(seq 600); do
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" && break
		kill -0 "$WG_PID" 2>/dev/null || die "the server exited: $(tail -n 5 "$log")"
		sleep 0.1
	done
	TOKEN=()
	sign_in "$port" county
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X PUT -H 'Content-Type: application/json' \
		-H "Authorization: Bearer ${TOKEN[county]}" -d "{\"now\":\"${end}T18:00:00+08:00\"}" \
		"http://127.0.0.1:$port/api/v1/testing/clock" || true)
	[ "$code" = 200 ] || die "setting the clock to $end answered $code"
	sign_in "$port" county
	sign_in "$port" town1
	local q who label path res
	local queries=(
		"county overview, county, 30 days|/api/v1/stats/overview?from=$from30&to=$end"
		"county rates by town, county, 30 days|/api/v1/stats/rates?from=$from30&to=$end"
		"town1 overview, one town, 30 days|/api/v1/stats/overview?from=$from30&to=$end"
		"county spike warnings, county|/api/v1/warnings?kind=spike"
		"town1 spike warnings, one town|/api/v1/warnings?kind=spike"
	)
	if [ "$n" -le "$YEAR_MAX" ]; then
		queries+=(
			"county overview, county, 365 days|/api/v1/stats/overview?from=$from365&to=$end"
			"county rates by town, county, 365 days|/api/v1/stats/rates?from=$from365&to=$end"
		)
	fi
	for q in "${queries[@]}"; do
		label=${q%%|*} path=${q#*|}
		who=${label%% *} label=${label#* }
		res=$(time_query "$port" "$who" "$path")
		echo "stats $store $n: $label: $res (requests p50_ms p99_ms mean_ms bytes)"
		ROWS+=("$store|$n|$label|$path|$res")
	done
	stop_server
}

echo "wangge bench-stats $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores," \
	"$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1 /proc/loadavg)"
for n in $COUNTS; do
	sqlite_db "$n"
	for s in $STORES; do
		if [ "$s" = sqlite ]; then
			[ -n "$PREPARE_ONLY" ] || measure sqlite "$n" "sqlite:$CACHE/stats-$n/sqlite.db"
		else
			pg_db "$n"
			[ -n "$PREPARE_ONLY" ] || measure postgres "$n" "$PG_URL"
			stop_pg
		fi
	done
done

echo
echo "| cases | store | query | requests | p50 | p99 | mean | answer |"
echo "|--:|---|---|--:|--:|--:|--:|--:|"
for r in "${ROWS[@]}"; do
	IFS='|' read -r store n label path res <<<"$r"
	read -r cnt p50 p99 mean bytes <<<"$res"
	awk -v n="$n" -v s="$store" -v l="$label" -v p="$path" -v c="$cnt" -v a="$p50" -v b="$p99" -v m="$mean" -v y="$bytes" \
		'BEGIN { printf "| %d | %s | %s | %d | %s ms | %s ms | %s ms | %d B |\n", n, s, l, c, a, b, m, y }'
done
echo
for n in $COUNTS; do
	d=$CACHE/stats-$n
	awk -v n="$n" -v g="$(meta "$d/sqlite.meta" generate_s)" -v r="$(meta "$d/sqlite.meta" rebuild_s)" \
		-v b="$(meta "$d/sqlite.meta" bytes)" -v l="$(meta "$d/pg.meta" load_s)" -v pb="$(meta "$d/pg.meta" bytes)" \
		-v e="$(meta "$d/sqlite.meta" end)" \
		'BEGIN { printf "- %d cases (year ending %s): SQLite %.1f GB, generated in %s s, rollups rebuilt in %s s", n, e, b / 1e9, g, r
		         if (l != "") printf "; PostgreSQL %.1f GB, loaded (COPY, indexes, VACUUM ANALYZE) in %s s", pb / 1e9, l
		         printf "\n" }'
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
