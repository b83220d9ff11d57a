# Ferry: the two set-up commands are `make demo` and `make test`; both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench bench-sync docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

demo: $(STAMP)
	$(BIN)/python -m engine.demo

lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks
	$(BIN)/mypy engine

# Every figure of the performance targets, each against its target (docs/performance.md):
# render ratios and memory, then start-up, `ferry render` end to end and validate + compile,
# then the incremental sync ratio on 2,000 accounts (`make bench-sync` runs 10,000).
bench: $(STAMP)
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/cli.py
	$(BIN)/python benchmarks/sync.py --accounts 2000

bench-sync: $(STAMP)
	$(BIN)/python benchmarks/sync.py

docs: $(STAMP)
	$(BIN)/ferry schema --markdown > docs/spec-reference.md
	$(BIN)/python -m engine.transforms.docs > docs/transforms.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
