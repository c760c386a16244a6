#!/bin/sh
# The web gallery's tests drive a real headless browser: Debian's chromium and
# chromium-driver. Install them when missing (needs root and apt-get); elsewhere
# say what the tests need.
set -e
command -v chromedriver >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver for the web gallery's tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
    echo "note: the web gallery's tests need chromium and chromedriver on PATH" >&2
fi
