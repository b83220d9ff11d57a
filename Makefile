# Ferry: the two set-up commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# yaml-language-server, the editor engine behind VS Code's YAML extension: the editor tests drive
# it over LSP (tests/editor). Installed from the npm registry into .venv/node; without node the
# tests say they were skipped and why.
YAML_LS_VERSION := 2.0.0
YAML_LS := $(VENV)/node/node_modules/yaml-language-server/package.json

.PHONY: test demo lint bench bench-sync docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The distribution was called `ferry` before `ferry-engine`: drop an old install of it, or
	@# both would register the pytest plugin.
	@$(BIN)/python -m pip uninstall --quiet --yes ferry 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test,emulators]'
	touch $(STAMP)

$(YAML_LS): | $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix $(VENV)/node --no-audit --no-fund --silent \
	    yaml-language-server@$(YAML_LS_VERSION); \
	else echo "npm not found: the editor tests (tests/editor) will be skipped"; fi

# `make test` is what CI runs: the lint checks first (fail fast), then the suite.
test: lint $(YAML_LS)
	$(BIN)/python -m pytest -q -p no:cacheprovider

demo: $(STAMP)
	$(BIN)/python -m engine.demo

# ruff (lint and format), mypy (strict, pyproject.toml) and the import contracts (import-linter,
# [tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks
	$(BIN)/ruff format --check engine tests benchmarks
	$(BIN)/mypy engine
	$(BIN)/lint-imports --no-cache

# Every figure of the performance targets, each against its target (docs/performance.md):
# render ratios and memory, then start-up, `ferry render` end to end and validate + compile,
# then the incremental sync ratio on 2,000 accounts (`make bench-sync` runs 10,000).
bench: $(STAMP)
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/cli.py
	$(BIN)/python benchmarks/sync.py --accounts 2000

bench-sync: $(STAMP)
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/sync_limit.py

docs: $(STAMP)
	$(BIN)/ferry schema --markdown > docs/spec-reference.md
	$(BIN)/ferry schema transforms --builtins > schemas/transforms.v1.json
	$(BIN)/python -m engine.transforms.docs > docs/transforms.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
