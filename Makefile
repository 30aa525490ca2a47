# Every command a contributor runs. `make dev` and `make test` set up what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13, as on Lambda: pyenv's if there is one, else python3.13 on PATH.
PY313 := $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13.*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
VENV := .venv
SAMVENV := .venv-sam
SCANVENV := .venv-scan
BENCHVENV := .venv-bench
PY := $(VENV)/bin/python
SAM := PATH="$(dir $(PY313)):$$PATH" $(SAMVENV)/bin/sam
export SAM_CLI_TELEMETRY := 0
SETUP := $(VENV)/.installed node_modules/.installed src/openapi.json java

.PHONY: help setup dev test test-fast lint format scan build validate invoke load bench serve-connexion \
	deploy clean java chromium

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(SETUP) $(SAMVENV)/.installed $(SCANVENV)/.installed  ## Install everything the project needs (idempotent)

# One virtual environment per requirements file, each rebuilt when its pins change.
define venv
$(1)/.installed: $(2)
	@test -n "$(PY313)" || { echo "Python 3.13 is needed: install it with pyenv or your package manager."; exit 1; }
	$(PY313) -m venv $(1)
	$(1)/bin/pip install --quiet --disable-pip-version-check -r $(2)
	@touch $$@
endef
$(eval $(call venv,$(VENV),requirements/dev.txt))
$(eval $(call venv,$(SAMVENV),requirements/sam.txt))
$(eval $(call venv,$(SCANVENV),requirements/scan.txt))
$(eval $(call venv,$(BENCHVENV),requirements/bench.txt))

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

java:
	@command -v java >/dev/null || { echo "Installing a Java runtime for DynamoDB Local"; \
		apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }

chromium:
	@command -v chromium >/dev/null || { echo "Installing Chromium for the API docs browser test"; \
		apt-get update -qq && apt-get install -y -qq chromium; }

src/openapi.json: openapi.yaml local/spec.py local/codegen.py src/dispatch/schema.py src/dispatch/spec.py $(VENV)/.installed
	$(PY) -m local.spec
	@touch $@

dev: $(SETUP)  ## Serve the API on http://127.0.0.1:3000 with DynamoDB Local
	$(PY) -m local.server

test: $(SETUP) $(SAMVENV)/.installed $(SCANVENV)/.installed chromium  ## Run the whole suite (starts DynamoDB Local itself)
	$(PY) -m pytest

test-fast: $(SETUP)  ## The suite without SAM CLI and DynamoDB Local
	$(PY) -m pytest -m "not integration and not sam"

lint: $(VENV)/.installed  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed  ## Format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

scan: $(SCANVENV)/.installed  ## Security scan of template.yaml (checkov, offline)
	$(SCANVENV)/bin/checkov --file template.yaml --framework cloudformation --skip-download --compact

validate: $(SAMVENV)/.installed  ## sam validate --lint
	$(SAM) validate --lint

build: $(SAMVENV)/.installed src/openapi.json  ## sam build
	$(SAM) build

load: $(SETUP)  ## A bounded load run (60 s, 8 clients) on loopback, with its own DynamoDB Local
	$(PY) -m local.load --seconds 60 --clients 8

bench: $(SETUP) $(SAMVENV)/.installed $(BENCHVENV)/.installed  ## Benchmark against Powertools, Connexion, openapi-core
	$(BENCHVENV)/bin/python -m bench $(ARGS)

serve-connexion: $(SETUP)  ## The same API under Connexion (uvicorn) on http://127.0.0.1:3001
	PYTHONPATH=src $(PY) -m hosts.connexion_app

invoke: $(SETUP)  ## Run one event through the handler: make invoke EVENT=events/getHealth.json
	@$(PY) -m local.invoke $(EVENT)

deploy: build  ## sam deploy --guided
	$(SAM) deploy --guided

clean:  ## Remove what setup and build made (keeps DynamoDB Local data in .local/)
	rm -rf $(VENV) $(SAMVENV) $(SCANVENV) $(BENCHVENV) node_modules .aws-sam
