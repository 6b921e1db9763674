# The two commands a new user needs:  make demo  and  make test.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install browser system lint clean fuzz bench-topics bench-digest torch-reference

# Installed with uv (from PyPI into the venv) when it can be had: 8 s instead of pip's 78 s on
# this machine, a tenth of `make test` on a clean clone; pip otherwise. Either way torch is
# pinned: pip and uv take the CPU build of 2.13.0 from the find-links folder pip is given
# (PIP_FIND_LINKS); a later "sentence-transformers" would otherwise pull the newest torch
# with gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet uv; then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python $${PIP_FIND_LINKS:+--find-links "$$PIP_FIND_LINKS"} \
	    torch==2.13.0 -e '.[test]'; \
	else \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet torch==2.13.0 && \
	  $(BIN)/python -m pip install --quiet -e '.[test]'; \
	fi
	touch $(STAMP)

install: $(STAMP)

## Install everything and run paperboy with the demo data on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/paperboy demo

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The pooler tests (tests/ops/pgbouncer.py) run Debian's PgBouncer in front of the test server.
system:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
	  echo "installing Debian's pgbouncer for the pooler tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq pgbouncer >/dev/null; }

## Install everything (with test tools, chromium and pgbouncer) and run the whole test suite
# Bytecode is written (into the ignored __pycache__ folders) even where the shell sets
# PYTHONDONTWRITEBYTECODE: the suite starts some 400 Python processes (its workers, `paperboy`
# commands, servers), and each would compile paperboy's sources again, and pytest would
# rewrite every test module's asserts again in each worker.
# Three workers on two cores: the tests wait on servers, browsers and sleeps of their own, and
# with two workers the cores sat idle 130 of 1,274 s; with three, 24 s (whole suite 637 s -> 591 s).
test: $(STAMP) browser system
	$(BIN)/ruff check src tests bench
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder

## Fuzz every parser, the search syntax and comment Markdown with 10,000 inputs each, and drive
## the HTTP API from its schema with 300 requests per operation and role (make test: a few hundred, 25)
fuzz: $(STAMP)
	PAPERBOY_FUZZ_EXAMPLES=$${PAPERBOY_FUZZ_EXAMPLES:-10000} PAPERBOY_SCHEMA_EXAMPLES=$${PAPERBOY_SCHEMA_EXAMPLES:-300} \
	  $(BIN)/python -m pytest tests/fuzz tests/api_schema -q -s -p no:cacheprovider --hypothesis-show-statistics \
	    --hypothesis-profile=fuzz

## Topic build beside BERTopic's defaults on the same vectors (issue 25; needs ../shared/data).
## BERTopic, UMAP and HDBSCAN go into .bench/ (not the venv: the suite's versions stay as they are)
bench-topics: $(STAMP)
	test -d .bench/bertopic || $(BIN)/python -m pip install --quiet --no-deps --target .bench \
	  bertopic umap-learn hdbscan pynndescent numba llvmlite plotly pandas narwhals
	HF_HUB_OFFLINE=1 PYTHONPATH=.bench $(BIN)/python bench/topics_build.py

## 100,000 digests composed and sent to Postfix's smtp-sink (issue 27; needs ../shared/data). The
## sink comes from Debian's postfix package, unpacked into .bench/ (nothing is installed)
bench-digest: $(STAMP)
	test -x .bench/postfix/usr/sbin/smtp-sink || (mkdir -p .bench/postfix && cd .bench && \
	  apt-get download postfix && dpkg-deb -x postfix_*.deb postfix)
	cd bench && ../$(BIN)/python digest.py --subscribers 100000 --smtp-sink ../.bench/postfix/usr/sbin/smtp-sink

## Record PyTorch's vectors of the demo corpus, the reference tests/search/test_encoder.py holds
## the ONNX encoders to (after changing the demo corpus, the model or torch)
torch-reference: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m tests.fixtures.torch_reference

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .bench build src/*.egg-info .pytest_cache .ruff_cache
