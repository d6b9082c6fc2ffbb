# Thin wrapper over meson: `make run`, `make test`, `make bench`.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build run test sanitize bench soak lint fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The engine's main job on the embedded default configuration.
run: build
	bash scripts/demo.sh $(BUILD)

# Every test suite.
test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 1

# Every test suite again, built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer: any report fails the test that made it.
SAN_BUILD ?= build-san
$(SAN_BUILD)/build.ninja:
	CC=clang meson setup $(SAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dbuildtype=debugoptimized
sanitize: deps $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(SAN_BUILD) --print-errorlogs --num-processes 1

bench: build
	bash bench/run.sh $(BUILD)

# SOAK_SECONDS (default 600) of traffic, 10k changes/s and API calls on the
# demo topology; RSS, mbufs in use and counters checked at the end. Not in CI.
SOAK_SECONDS ?= 600
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) bash scripts/soak.sh $(BUILD)

# Each libFuzzer harness for FUZZ_SECONDS (default 60) with ASan and UBSan.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# clang-format check and cppcheck on the tree.
lint: deps
	bash scripts/lint.sh

clean:
	rm -rf $(BUILD)
