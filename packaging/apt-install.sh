#!/bin/sh
# apt-install.sh WHAT-FOR PACKAGE...: install Debian packages when run as root with
# apt-get; elsewhere, say which are needed (and succeed: callers decide if it matters).
# The one place the project's scripts and the Makefile install system packages.
set -e
why=$1
shift
[ $# -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing for $why: $*"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
    echo "note: for $why, install these Debian packages: $*" >&2
fi
