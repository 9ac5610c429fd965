# yearn — two commands: `make demo` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean bench-envs bench web-runtime

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	# torch first, from the CPU wheel, and pinned by constraints.txt for everything after it
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,text]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/yearn demo --dir demo-project --force

# onnxruntime-web for `yearn export --target web`, fetched once from the npm registry into
# ~/.cache/yearn/npm (never by the page); without npm the web tests skip with the reason
web-runtime: $(STAMP)
	-$(BIN)/python -c "from yearn.ship.targets import fetch_runtime; print(fetch_runtime())"

test: $(STAMP) web-runtime
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	# the layers contract: imports point down the layer order (function-level ones too), no
	# private crossings or module cycles, a thin CLI, the .yearn layout named only in yearn.paths
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_layers.py

# benchmark-only environments for the peers (cleanlab, ydata-profiling, Evidently), each in
# bench/.envs/<peer>; they pin older numpy/pandas and never enter yearn's own environment
bench-envs:
	bash bench/setup_cleanlab_env.sh
	bash bench/setup_ydata_env.sh
	bash bench/setup_evidently_env.sh

bench: $(STAMP)
	$(BIN)/python bench/train_overhead.py
	$(BIN)/python bench/label_issues.py
	$(BIN)/python bench/profile_scale.py

clean:
	rm -rf $(VENV) demo-project .pytest_cache
