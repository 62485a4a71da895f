# Two entry points for a fresh Debian machine (as root): `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd \
	fonts-dejavu-core fonts-noto-core fonts-liberation2 fonts-ocr-b fonts-urw-base35 ghostscript python3 python3-venv python3-dev \
	chromium wrk postgresql
DEMO_BATCH := data/inbox/demo-ho-so-0012

.PHONY: system install demo test clean constraints

system:  ## Debian packages: Tesseract with Vietnamese and OSD data, fonts for the generated pages, chromium for the browser tests, wrk for the search benchmark, postgresql for the PostgreSQL catalog tests (a private cluster the tests start, no service)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(BIN)/sohoa: pyproject.toml constraints.txt
	@py=$$(command -v python3.11 || command -v python3); \
	[ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[test]"
	$(BIN)/python -m compileall -q cli flows ocr schemas storage archival web  # bytecode once, for shells that never write it
	@touch $@

install: system $(BIN)/sohoa  ## everything the project needs, from nothing

demo: install  ## generate a realistic batch, ingest it through Prefect, show the report and a search
	rm -rf $(DEMO_BATCH)
	$(BIN)/python -m tests.generators.sample_batch $(DEMO_BATCH)
	$(BIN)/sohoa ingest $(DEMO_BATCH)
	$(BIN)/sohoa search "xac nhan cu tru"

test: install  ## the whole test suite (starts its own S3 server and Prefect test server)
	$(BIN)/pytest

clean:
	rm -rf data .pytest_cache

constraints: $(BIN)/sohoa  ## after changing pyproject.toml: record the tested versions a fresh install gets
	{ sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
