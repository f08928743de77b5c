# The course's commands. Each one creates (or reuses) the virtual environment in .venv.
#   make run       execute every notebook in tiny mode into build/, then print their results
#   make test      unit tests, every notebook in tiny mode (nbval) and its bars, and every
#                  notebook in full mode against a local stand-in for the Hub (tests/hub_standin)
#   make test-gpu  every notebook in full mode against the stand-in on this machine's GPUs
#   make lab    open JupyterLab on notebooks/
#   make clean  remove build outputs and the tiny cache (never the notebooks)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# On a CPU-only machine this takes the CPU build; set TORCH_SPEC to choose another.
TORCH_SPEC ?= torch==2.13.0
# make test runs the unit tests, the notebooks (nbval) and the full-mode tests on this many
# pytest-xdist workers, each file whole on one of them; then, in a second run, the checks that
# read the results the notebooks wrote (COURSE_RESULTS_SINCE: results from before are stale) and
# the resume tests, which compare against them. None of them writes to the notebooks' outputs (the
# resume tests work on copies), so they go to either worker, test by test. (pytest-xdist 3.8's
# --dist loadgroup does not keep a group together under pytest 9.2: it renames tests through an
# attribute that pytest's test ids no longer read.)
# OMP_NUM_THREADS=1 gives every test process one PyTorch thread, as tiny mode does: full mode
# keeps PyTorch's default (all cores), and two such runs side by side made their threads wait.
TEST_WORKERS ?= 2

export HF_HUB_DISABLE_PROGRESS_BARS ?= 1

.PHONY: install run test test-gpu lab clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[lab,test,tiny]"
	touch $(STAMP)

# Both first build the tiny data and checkpoints, two at a time (one thread each); a warm cache is only checked.
run: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers.tiny.prebuild
	COURSE_MODE=tiny HF_HUB_OFFLINE=1 $(PY) -m helpers.runner notebooks build

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(PY) -m helpers.tiny.prebuild
	since=$$(date +%s) && \
	OMP_NUM_THREADS=1 COURSE_MODE=tiny HF_HUB_OFFLINE=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		tests/unit --nbval-lax notebooks tests/notebooks --ignore=tests/notebooks/test_notebooks.py \
		--ignore=tests/notebooks/test_launched_scripts.py --ignore=tests/notebooks/test_killed_runs.py --durations=12 && \
	COURSE_MODE=tiny HF_HUB_OFFLINE=1 COURSE_RESULTS_SINCE=$$since $(PY) -m pytest -n $(TEST_WORKERS) --dist load \
		tests/notebooks/test_notebooks.py tests/notebooks/test_launched_scripts.py tests/notebooks/test_killed_runs.py --durations=6

# Every notebook in full mode against the Hub stand-in on this machine's GPUs (fp16/bf16, pinned
# memory, the loop on every GPU); without a GPU it says so and checks nothing.
test-gpu: $(STAMP)
	@if $(PY) -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then \
		$(PY) -c "import torch; print('make test-gpu:', torch.cuda.device_count(), 'x', torch.cuda.get_device_name(0))"; \
		COURSE_MODE=tiny $(PY) -m pytest -s -rA tests/notebooks/test_full_mode.py tests/notebooks/test_gpu.py; \
	else \
		echo "make test-gpu: no CUDA GPU is visible on this machine, so there is nothing to check."; \
	fi

# As root (containers, many cloud GPU machines) JupyterLab refuses to start without --allow-root.
# LAB_ARGS passes more options, such as LAB_ARGS="--port 8890 --no-browser".
LAB_ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab $$(test "$$(id -u)" = 0 && echo --allow-root) $(LAB_ARGS) notebooks/

clean:
	rm -rf build outputs notebooks/outputs .pytest_cache
	if [ -x $(PY) ]; then $(PY) -c "import helpers.tiny.cache as c; print('removed', c.clear())"; fi
