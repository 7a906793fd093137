# wangge: a thin wrapper over Meson. `make run` and `make test` are the two
# commands the README promises; both install what is missing first.
.PHONY: all deps build run test bench fuzz lint docs clean

BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300

all: build

deps:
	@tools/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized -Dtests=false

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: deps build
	@mkdir -p var
	$(BUILD)/wangge serve

test: deps
	@tools/test.sh

bench: deps build
	@bench/run.sh

fuzz: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=false -Db_lundef=false
	ninja -C $(FUZZ_BUILD)
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

lint: deps build
	@tools/lint.sh

docs: build
	$(BUILD)/wangge config --markdown > docs/configuration.md

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
