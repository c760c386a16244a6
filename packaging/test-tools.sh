#!/bin/sh
# Programs the tests run besides Python: Debian's chromium and chromium-driver
# (the web gallery in a real headless browser), appstream and desktop-file-utils
# (the desktop entry and AppStream metainfo in resources/linux are validated),
# nodejs (the gallery's ZIP writer run outside a browser; the upload server),
# npm (installs that server's @uppy/companion, pinned in
# packaging/upload-server/package-lock.json) and unzip (Info-ZIP reads the ZIP
# back, as a client's computer would).
# Installed when missing (packaging/apt-install.sh).
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v appstreamcli >/dev/null 2>&1 || missing="$missing appstream"
command -v desktop-file-validate >/dev/null 2>&1 || missing="$missing desktop-file-utils"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v unzip >/dev/null 2>&1 || missing="$missing unzip"
here="$(dirname "$0")"
sh "$here/apt-install.sh" "the tests" $missing
exec sh "$here/upload-server.sh"
