#!/bin/sh
# Installs the upload server's npm packages (packaging/upload-server: Uppy
# Companion, pinned by its package-lock.json) when missing or out of date. The
# tests and the benchmark run it; a studio runs `npm ci` there itself.
set -e
server="$(dirname "$0")/upload-server"
if [ ! -d "$server/node_modules/@uppy/companion" ] || [ "$server/package-lock.json" -nt "$server/node_modules/.package-lock.json" ]; then
    echo "installing the upload server (@uppy/companion from npm)"
    npm ci --silent --no-audit --no-fund --prefix "$server"
fi
