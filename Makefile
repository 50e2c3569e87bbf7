# Two commands for a newcomer:  make demo  (set up + run the default case)  and  make test.
.PHONY: setup demo test lint clean container container-test container-export container-clean

DEMO_CASE ?= cases/badding2025/ex1_agmg_ccd.toml
DEMO_OUT  ?= results/demo

setup:
	@bash scripts/bootstrap.sh

demo: setup
	.venv/bin/ssbstack run $(DEMO_CASE) -o $(DEMO_OUT) --overwrite
	@echo "demo results: $(DEMO_OUT)/ (timeseries.csv, run.json, report.md, voltage_current.png)"

test: setup
	@bash scripts/test.sh

lint: setup
	.venv/bin/ruff check solver tests scripts

clean:
	rm -rf results .pytest_cache .ruff_cache

# Container (issue 6): Debian base made with debootstrap + PyPI, built with podman (needs root).
container:
	@bash scripts/container.sh build

container-test: setup container
	@bash scripts/container.sh test

container-export: container
	@bash scripts/container.sh export

container-clean:
	@bash scripts/container.sh clean
