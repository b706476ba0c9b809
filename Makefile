# SPDX-License-Identifier: BSD-3-Clause
# Copyright (C) 2026 Pinwheel authors.
#
# A thin shim over CMake + CTest so that the README's two commands stay short.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all run test ci clean

all: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DPW_WERROR=ON $(CMAKE_FLAGS)

# Two cores when the machine has them, else one.
RUN_MASK ?= $(shell [ "$$(nproc 2>/dev/null || echo 1)" -ge 2 ] && echo 0x3 || echo 0x1)

# The main job: the founding example, poller_test, for 3 seconds.
run: all
	$(BUILD)/examples/poller_test -m $(RUN_MASK) -t 3

# The whole test suite (unit, stress, example and benchmark smoke tests).
test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

ci:
	.ci/run

clean:
	rm -rf $(BUILD)
