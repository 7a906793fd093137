#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the API tests.
#
#   pg-cluster.sh start DIR   initdb into DIR (a fresh folder, e.g. from mktemp -d)
#                             and start it: unix socket in DIR, no TCP, superuser
#                             "wg" with trust auth. Prints the admin URL:
#                             host=DIR port=P user=wg dbname=postgres
#   pg-cluster.sh stop DIR    stop it (does nothing if it is not running)
#
# Run as root, initdb and the server run as the unprivileged "postgres" user
# (DIR is chowned to it). Binaries come from the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

usage() {
	echo "usage: $0 start|stop DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
	bindir=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")
fi
[ -x "$bindir/pg_ctl" ] || { echo "pg-cluster: no PostgreSQL binaries (install postgresql)" >&2; exit 1; }

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		if command -v runuser >/dev/null; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

running() {
	[ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

url() {
	echo "host=$dir port=$(cat "$dir/port") user=wg dbname=postgres"
}

case $cmd in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if running; then
		url
		exit 0
	fi
	if [ -e "$dir/data" ]; then
		echo "pg-cluster: $dir/data exists but no server runs there; use a fresh folder" >&2
		exit 1
	fi
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "pg-cluster: running as root needs a 'postgres' user" >&2; exit 1; }
		chown postgres: "$dir"
	fi
	chmod 700 "$dir"
	# The socket lives in DIR, so a port only has to be free there; still
	# avoid ports that something listens on, in case TCP gets enabled.
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			break
		fi
	done
	echo "$port" >"$dir/port"
	as_pg "$bindir/initdb" -D "$dir/data" -U wg --auth=trust -E UTF8 --no-locale -N >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 64MB
fsync = on
log_min_messages = warning
EOF
	as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/postgres.log" >&2; exit 1; }
	url
	;;
stop)
	[ -d "$dir" ] || exit 0
	dir=$(cd "$dir" && pwd)
	if running; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	;;
*)
	usage
	;;
esac
