# speckle.server: `make demo` and `make test` do all the set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
BUILD := $(ROOT)/.build
COLL := $(BUILD)/ansible_collections/speckle/server
EMULATOR := $(ROOT)/tests/emulator
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_PYTHON_INTERPRETER := $(PY)
PYVER := $(shell python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null || echo 3.11)

.PHONY: docs docs-test help venv collection demo test sanity units python-matrix ee-check integration emulator-test emulator-test-latest lint format changelog build clean bench

help:
	@echo "make demo   - run examples/demo.yml against SPECKLE_SERVER_URL, or the bundled emulator"
	@echo "make test   - sanity, unit, emulator and integration tests"
	@echo "make lint   - ruff check and format check"
	@echo "make docs   - build the HTML docs site into .build/docs"
	@echo "make docs-test - build the docs site and check it in headless Chromium; run the guides' playbooks"

# Every venv here: one directory, one requirements file (the prerequisite), a stamp when it is complete.
define venv_recipe
python3 -m venv $(@D)
$(@D)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
touch $@
endef

$(VENV)/.installed: requirements/dev.txt
	$(venv_recipe)

venv: $(VENV)/.installed

# ansible-test needs the collection at ansible_collections/<ns>/<name>; copy what git knows of.
# The copy gets a git index of its own: otherwise ansible-test walks up to this repo, where .build is
# ignored, and sees no files at all.
collection: venv
	rm -rf $(BUILD)/ansible_collections
	mkdir -p $(COLL)
	git ls-files -co --exclude-standard | while read -r f; do [ -e "$$f" ] && echo "$$f"; done \
	  | tar -cf - -T - | tar -xf - -C $(COLL)
	cd $(COLL) && git init -q && git add -A

build: collection
	cd $(COLL) && ansible-galaxy collection build --force --output-path $(BUILD)

demo: build
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed ansible-galaxy collection install --force -p $(BUILD)/installed $(BUILD)/speckle-server-*.tar.gz >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed bash examples/run-demo.sh

# Ratios of our modules against plain uri tasks and the Python SDK, on the emulator (not part of `make test`).
# The SDK gets a venv of its own, .venv-bench, so .venv stays as the tests expect it.
# Options go to `python -m bench`: make bench BENCH_ARGS="--repeats 5 --loops 10 --scenario token_cycle"
bench: venv build
	[ $(ROOT)/.venv-bench/.installed -nt bench/requirements.txt ] || { python3 -m venv $(ROOT)/.venv-bench \
	  && echo '*' >$(ROOT)/.venv-bench/.gitignore \
	  && $(ROOT)/.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt \
	  && touch $(ROOT)/.venv-bench/.installed; }
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed ansible-galaxy collection install --force -p $(BUILD)/installed $(BUILD)/speckle-server-*.tar.gz >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/installed bash bench/run.sh $(VENV) $(ROOT)/.venv-bench $(BENCH_ARGS)

DOCS_VENV := $(ROOT)/.venv-docs
$(DOCS_VENV)/.installed: docs/requirements.txt
	$(venv_recipe)

# The HTML docs site (antsibull-docs + Sphinx) in .build/docs; open .build/docs/index.html.
# First lint-collection-docs checks the module docs and the guides (docs/docsite): markup, references, RST.
docs: build $(DOCS_VENV)/.installed
	cd $(COLL) && PATH=$(DOCS_VENV)/bin:$$PATH ANSIBLE_COLLECTIONS_PATH=$(BUILD) antsibull-docs lint-collection-docs \
	  --plugin-docs --check-extra-docs-refs --validate-collection-refs all --disallow-unknown-collection-refs .
	PATH=$(DOCS_VENV)/bin:$$PATH bash docs/build-site.sh "$$(ls $(BUILD)/speckle-server-*.tar.gz | tail -n1)" $(BUILD)/docs

# The docs site in headless Chromium (Debian's chromium package; .ci/run installs it): titles, option tables,
# code blocks, assets and every internal link, plus a screenshot in .build/docs-test. The guides' playbooks
# get a syntax check and run against the emulator.
docs-test: docs
	DOCS_SITE=$(BUILD)/docs SPECKLE_COLLECTIONS=$(BUILD) DOCS_TEST_OUT=$(BUILD)/docs-test \
	  $(PY) -m pytest -q -p no:cacheprovider tests/docs

EE_VENV := $(ROOT)/.venv-ee
$(EE_VENV)/.installed: tests/ee/requirements.txt
	$(venv_recipe)

ee-check: collection $(EE_VENV)/.installed
	bash tests/ee/check.sh $(BUILD) $(EE_VENV)/bin/ansible-builder

test: lint sanity units python-matrix ee-check emulator-test emulator-test-latest integration docs-test
	@echo "make test: all suites passed (emulator on graphql-core $$($(PY) -c "$(GQL_VERSION)") and $$($(GQL_LATEST_VENV)/bin/python -c "$(GQL_VERSION)"))"

# ansible-test bootstraps pip in its sanity venvs with a script it downloads from a host outside
# PyPI; put an equivalent that uses ensurepip + PyPI into its cache instead.
ANSIBLE_TEST_PIP = $(shell $(PY) -c 'import re,ansible_test,pathlib; p=pathlib.Path(ansible_test.__file__).parent/"_internal/python_requirements.py"; print(re.search(r"pip=.([0-9.]+)", p.read_text()).group(1))' 2>/dev/null)
GET_PIP_CACHE = $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP)).py

sanity: collection
	mkdir -p $(dir $(GET_PIP_CACHE))
	cp tests/tools/get_pip_offline.py $(GET_PIP_CACHE)
	cd $(COLL) && ansible-test sanity --python $(PYVER) --color no --requirements

units: collection
	cd $(COLL) && ansible-test units --python $(PYVER) --color no

python-matrix: collection
	bash tests/tools/python_matrix.sh $(COLL) $(PYVER)

# The emulator's tests run on two graphql-core releases: the one pinned in requirements/dev.txt (.venv) and
# the newest 3.3 (.venv-gql-latest, from tests/emulator/requirements-gql-latest.txt). Each says which ran.
GQL_VERSION := import graphql; print(graphql.__version__)
GQL_LATEST_VENV := $(ROOT)/.venv-gql-latest
$(GQL_LATEST_VENV)/.installed: tests/emulator/requirements-gql-latest.txt
	$(venv_recipe)

emulator-test: venv
	@echo "== emulator tests on graphql-core $$($(PY) -c "$(GQL_VERSION)") ($(PY))"
	$(PY) -m pytest -q -p no:cacheprovider tests/emulator

emulator-test-latest: $(GQL_LATEST_VENV)/.installed
	@echo "== emulator tests on graphql-core $$($(GQL_LATEST_VENV)/bin/python -c "$(GQL_VERSION)") ($(GQL_LATEST_VENV)/bin/python)"
	$(GQL_LATEST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/emulator

integration: collection
	bash tests/integration/run.sh $(COLL) $(PYVER)

lint: venv
	ruff check .
	ruff format --check .
	antsibull-changelog lint

format: venv
	ruff check --fix .
	ruff format .

changelog: venv
	antsibull-changelog lint

clean:
	rm -rf $(BUILD) tests/output
