#!/usr/bin/env bash
# bench/locate.sh - point-to-grid lookups per second: wangge's in-memory
# locate index (bench/locate.c) beside PostGIS's ST_Contains with a GiST
# index (Debian's postgresql-15-postgis-3), on the same grids and the same
# points, in the same run; then how long `wangge demo` takes to build the
# demo county. Part of `make bench`; see docs/performance.md.
#
# Environment: BENCH_BUILD [build] the release build folder;
# BENCH_LOCATE_POINTS [1000000] points per map; BENCH_DEMO_RESIDENTS [30000]
# the demo sizes timed ("30000 310000" adds the county's real size, about
# 20 s more: left out by default to keep `make bench` under ten minutes);
# BENCH_KEEP keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BENCH_BUILD:-build}
POINTS=${BENCH_LOCATE_POINTS:-1000000}
RESIDENTS=${BENCH_DEMO_RESIDENTS:-30000}
for r in $RESIDENTS; do
	[[ $r =~ ^[0-9]+$ ]] || { echo "locate.sh: BENCH_DEMO_RESIDENTS: '$r' is not a whole number" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/wg-bench-locate-XXXXXX)
chmod 755 "$DIR"
cleanup() {
	tests/api/pg-cluster.sh stop "$DIR/pg" >/dev/null 2>&1 || true
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

echo "== locate: in-memory index (1 thread) =="
"$BUILD/bench/bench_locate" --points="$POINTS" --dump="$DIR" | tee "$DIR/ours.txt"

mkdir "$DIR/pg"
conn=$(tests/api/pg-cluster.sh start "$DIR/pg")
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$conn" "$@"; }
psql -c "CREATE EXTENSION postgis" >/dev/null

echo "== locate: PostGIS ST_Contains with a GiST index (1 backend) =="
for map in county province; do
	psql <<SQL
CREATE TABLE grids_raw (code text, wkt text);
\copy grids_raw FROM '$DIR/$map-grids.csv' WITH (FORMAT csv)
CREATE TABLE grids_$map AS SELECT code, ST_GeomFromText(wkt, 4326) AS geom FROM grids_raw;
DROP TABLE grids_raw;
CREATE INDEX ON grids_$map USING gist (geom);
CREATE TABLE points_raw (id bigint, lng float8, lat float8);
\copy points_raw FROM '$DIR/$map-points.csv' WITH (FORMAT csv)
CREATE TABLE points_$map AS SELECT id, ST_SetSRID(ST_MakePoint(lng, lat), 4326) AS geom FROM points_raw;
DROP TABLE points_raw;
ANALYZE grids_$map;
ANALYZE points_$map;
SQL
	# One query places every point: PostGIS at its best, with no per-query
	# round trip. The plan is a nested loop over the GiST index.
	out=$(psql -t -A -c '\timing on' -c "SELECT count(*) FROM points_$map p JOIN grids_$map g ON ST_Contains(g.geom, p.geom)")
	found=$(echo "$out" | sed -n 1p)
	ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
	ours=$(sed -n "s/^locate $map .*index_per_s=\([0-9]*\).*/\1/p" "$DIR/ours.txt")
	ours_found=$(cat "$DIR/$map-found.txt")
	awk -v m="$map" -v n="$POINTS" -v ms="$ms" -v ours="$ours" -v f="$found" -v of="$ours_found" 'BEGIN {
		pg = n / (ms / 1000);
		printf "locate %-8s postgis_per_s=%.0f found=%d (index found %d) index_vs_postgis=%.1fx\n", m, pg, f, of, ours / pg
	}'
done

echo "== demo: wangge demo on a fresh SQLite database =="
for residents in $RESIDENTS; do
	rm -rf "$DIR/demo" && mkdir "$DIR/demo"
	"$BUILD/wangge" migrate --db.url="sqlite:$DIR/demo/w.db" --data.dir=data \
		--security.key_file="$DIR/demo/k" >/dev/null
	start=$(date +%s.%N)
	"$BUILD/wangge" demo --db.url="sqlite:$DIR/demo/w.db" --data.dir=data --security.key_file="$DIR/demo/k" \
		--password='Bench#2026pass' --residents="$residents" --quiet >/dev/null
	end=$(date +%s.%N)
	awk -v r="$residents" -v s="$start" -v e="$end" 'BEGIN { printf "demo residents=%d seconds=%.1f\n", r, e - s }'
done
