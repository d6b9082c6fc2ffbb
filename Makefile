# Thin wrapper over meson: `make run`, `make test`, `make bench`.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build run test bench lint fuzz clean

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

bench: build
	bash bench/run.sh $(BUILD)

# Each libFuzzer harness for FUZZ_SECONDS (default 60) with ASan and UBSan.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# clang-format check and cppcheck on the tree.
lint: deps
	bash scripts/lint.sh

clean:
	rm -rf $(BUILD)
