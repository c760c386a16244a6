#!/bin/sh
# Programs the tests run besides Python: Debian's chromium and chromium-driver
# (the web gallery in a real headless browser), appstream and desktop-file-utils
# (the desktop entry and AppStream metainfo in resources/linux are validated).
# Installed when missing (needs root and apt-get); elsewhere, say what is needed.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v appstreamcli >/dev/null 2>&1 || missing="$missing appstream"
command -v desktop-file-validate >/dev/null 2>&1 || missing="$missing desktop-file-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing for the tests:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "note: the tests need these Debian packages:$missing" >&2
fi
