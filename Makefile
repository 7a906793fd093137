# wangge: a thin wrapper over Meson. `make run` and `make test` are the two
# commands the README promises; both install what is missing first.
.PHONY: all deps build run test bench bench-stats fuzz lint docs clean crashtest

BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300

all: build

deps:
	@tools/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized -Dtests=false

build: $(BUILD)/build.ninja web/dist/index.html
	ninja -C $(BUILD)

# The web app (console, phone app, portal, dashboard), rebuilt when any of
# its sources or the lock file changed.
WEB_SOURCES := $(shell find web/src web/index.html web/m web/portal web/dashboard \
	web/vite.config.js web/package-lock.json -type f 2>/dev/null)
web/dist/index.html: $(WEB_SOURCES)
	cd web && npm run build

DEMO_CONF = data/demo/wangge.conf

run: deps build
	@mkdir -p var
	@if [ ! -s var/demo-accounts.txt ]; then \
		$(BUILD)/wangge migrate --config=$(DEMO_CONF) && \
		(umask 077; $(BUILD)/wangge demo --config=$(DEMO_CONF) --staff-accounts --cases > var/demo-accounts.txt) || exit 1; \
	fi
	@echo "Demo accounts of Mei county (眉县), from var/demo-accounts.txt:"
	@cat var/demo-accounts.txt
	@echo "Serving on http://127.0.0.1:8080 (Ctrl-C stops)"
	$(BUILD)/wangge serve --config=$(DEMO_CONF)

test: deps
	@tools/test.sh

bench: deps build
	@bench/run.sh
	@bench/locate.sh

# The statistics at scale (issue 9): GET /stats/overview and /stats/rates over
# ten million generated cases on SQLite and PostgreSQL (bench/stats.sh). The
# databases are made once and kept in var/bench/ (tens of GB; docs/performance.md).
bench-stats: deps build
	@BENCH_BUILD=$(BUILD) bench/stats.sh

fuzz: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=false -Db_lundef=false
	ninja -C $(FUZZ_BUILD)
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The crash harness (tools/crashtest.mjs): ITER SIGKILLs under load, then
# every acknowledged write must be there exactly once and `wangge check` pass.
ITER  ?= 1000
STORE ?= sqlite
crashtest: deps build
	WG_BIN=$(abspath $(BUILD))/wangge node tools/crashtest.mjs --iter=$(ITER) --store=$(STORE)

lint: deps build
	@tools/lint.sh

docs: build
	$(BUILD)/wangge config --markdown > docs/configuration.md

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
