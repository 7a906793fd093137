#!/usr/bin/env bash
# Install what building, running and testing wangge needs, from Debian's
# packages and the npm registry only. Idempotent: installs only what is
# missing, with sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	# build
	gcc make meson ninja-build pkg-config python3
	libevent-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev libssl-dev libgeos-dev
	# tests: unit, fuzz, PostgreSQL server, API tests
	libcmocka-dev clang libclang-rt-14-dev postgresql curl
	# browser tests (Chromium) and a CJK font for screens and reports
	chromium fonts-noto-cjk
	# reports: .xlsx and .pdf writers, a TrueType CJK font for libharu, pdftotext and unzip for tests
	libxlsxwriter-dev libhpdf-dev fonts-wqy-zenhei poppler-utils unzip
	# benchmark and lint
	nginx-light wrk clang-format clang-tidy cppcheck postgresql-15-postgis-3
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
	# The nginx package starts a system service on port 80; the benchmark
	# runs its own instance, so keep the system one out of the way.
	if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v service >/dev/null 2>&1; then
		"${sudo[@]}" service nginx stop >/dev/null 2>&1 || true
	fi
fi

if [ -f web/package.json ]; then
	if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
		echo "deps: npm ci in web/"
		(cd web && npm ci --no-audit --no-fund)
	fi
fi
