# The two documented commands:
#   make run    set everything up, then start lytsite-desktop
#   make test   set everything up, then run lint and the whole test suite
# Python packages live in .venv. On Debian/Ubuntu as root, the few system
# libraries Qt's window needs are installed if missing (packaging/qt-system-libs.sh).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
ARCH    := $(shell uname -m)

.PHONY: run test lint format dist bench bench-previews bench-gui bench-gallery bench-page bench-faults bench-slow bench-quick setup clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "lytsite-desktop needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@sh packaging/qt-system-libs.sh
	@touch $@

# The app's modules compiled to bytecode, as pip does when it installs a wheel (an
# editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set no
# run ever writes it): every start then skips compiling them (about 0.05 s). Only
# what changed since the last time is compiled again.
setup: $(STAMP)
	@$(BIN)/python -m compileall -q lytsite_desktop >/dev/null

run: setup
	$(BIN)/lytsite-desktop $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Programs the tests run: Debian's headless chromium (the web gallery), appstream
# and desktop-file-utils (the desktop files), installed here when missing.
$(VENV)/.test-tools: packaging/test-tools.sh packaging/upload-server/package-lock.json $(STAMP)
	@sh packaging/test-tools.sh
	@touch $@

test: lint $(VENV)/.test-tools
	$(BIN)/pytest

# The app as a one-folder bundle (PyInstaller) in dist/lytsite-desktop/, a tarball of
# it, and the bundle's self-check. macOS and Windows: see README, "Building the app".
dist: setup
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/lytsite-desktop.spec
	cp packaging/install-linux.sh dist/lytsite-desktop/install.sh
	QT_QPA_PLATFORM=offscreen dist/lytsite-desktop/lytsite-desktop --self-check
	tar -C dist -czf dist/lytsite-desktop-$(VERSION)-linux-$(ARCH).tar.gz lytsite-desktop
	@du -sh dist/lytsite-desktop dist/lytsite-desktop-$(VERSION)-linux-$(ARCH).tar.gz

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks are run on demand, never as pass/fail tests. They install the peers
# they compare against: awscli from PyPI, rclone from Debian (when run as root).
$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v rclone >/dev/null || { sh packaging/apt-install.sh "the benchmark's rclone runs" rclone || echo "rclone not installed: skipped"; }
	@command -v npm >/dev/null && npm install --silent --no-audit --no-fund --prefix .bench s3rver@3.7.1 \
		|| echo "npm not found: the s3rver server is not available"
	@command -v npm >/dev/null && sh packaging/upload-server.sh || echo "npm not found: no upload server row"
	@touch $@

bench: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.upload_bench $(ARGS)

bench-previews: setup $(VENV)/.bench
	@command -v vipsthumbnail >/dev/null || { sh packaging/apt-install.sh "the vips comparison" libvips-tools \
		|| echo "vipsthumbnail not installed: skipped"; }
	$(BIN)/python -m tests.benchmarks.preview_bench $(ARGS)

bench-gui: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.gui_bench $(ARGS)

bench-gallery: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.gallery_bench $(ARGS)

# Lighthouse (npm) against the client's page of a 500-photo project.
bench-page: setup $(VENV)/.bench packaging/test-tools.sh
	@sh packaging/test-tools.sh
	@test -x .bench/node_modules/.bin/lighthouse || npm install --silent --no-audit --no-fund --prefix .bench lighthouse@12
	$(BIN)/python -m tests.benchmarks.page_bench $(ARGS)

bench-quick: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.upload_bench --quick $(ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

bench-faults: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.fault_bench $(ARGS)

bench-slow: setup $(VENV)/.bench
	$(BIN)/python -m tests.benchmarks.slow_link_bench $(ARGS)
