# Two commands do everything on a fresh Debian/Ubuntu machine with Python 3.11:
#   make demo   installs system packages, a virtualenv and the package, then renders the demo video
#   make test   installs the same and runs the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
APT_PACKAGES := ffmpeg libcairo2-dev libpango1.0-dev pkg-config texlive-latex-base dvisvgm sox \
                fonts-dejavu-core
# The QC page's browser test (issue 8) drives a real headless Chromium; the Ray executor's tests
# run a 2-node Ray cluster inside a network namespace (`ip netns`, from iproute2).
TEST_APT_PACKAGES := chromium chromium-driver iproute2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test system venv bench clean-demo

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "System packages: all present"; fi

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# setuptools < 81: manim-voiceover-plus imports pkg_resources, which setuptools 81 removed.
$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install -q --upgrade "pip>=23" "setuptools<81" wheel
	$(BIN)/python -m pip install -q -e ".[test]" --config-settings editable_mode=compat
	touch $@

venv: system $(VENV)/.installed

demo: venv
	$(BIN)/flaming-horse create demo --topic examples/pythagoras.md --quality low --force

test: APT_PACKAGES += $(TEST_APT_PACKAGES)
test: venv
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python scripts/bench_pipeline.py
