#!/bin/sh
# Programs the tests run besides Python: Debian's chromium and chromium-driver
# (the web gallery in a real headless browser), appstream and desktop-file-utils
# (the desktop entry and AppStream metainfo in resources/linux are validated).
# Installed when missing (packaging/apt-install.sh).
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v appstreamcli >/dev/null 2>&1 || missing="$missing appstream"
command -v desktop-file-validate >/dev/null 2>&1 || missing="$missing desktop-file-utils"
exec sh "$(dirname "$0")/apt-install.sh" "the tests" $missing
