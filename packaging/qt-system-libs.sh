#!/bin/sh
# Qt's Linux platform plugins need a few system libraries that PySide6's wheels
# do not carry. On Debian/Ubuntu, install the missing ones (needs root; otherwise
# say which are missing). Other systems: nothing to do here.
set -e
[ "$(uname -s)" = Linux ] || exit 0
command -v ldconfig >/dev/null 2>&1 || exit 0
# library soname -> Debian package
want="libEGL.so.1:libegl1 libGL.so.1:libgl1 libfontconfig.so.1:libfontconfig1
libxkbcommon.so.0:libxkbcommon0 libdbus-1.so.3:libdbus-1-3 libxkbcommon-x11.so.0:libxkbcommon-x11-0
libxcb-icccm.so.4:libxcb-icccm4 libxcb-keysyms.so.1:libxcb-keysyms1 libxcb-cursor.so.0:libxcb-cursor0
libxcb-image.so.0:libxcb-image0 libxcb-render-util.so.0:libxcb-render-util0
libxcb-shape.so.0:libxcb-shape0 libxcb-randr.so.0:libxcb-randr0 libxcb-xkb.so.1:libxcb-xkb1"
missing=""
for pair in $want; do
    lib=${pair%%:*}; pkg=${pair#*:}
    ldconfig -p | grep -q "$lib" || missing="$missing $pkg"
done
exec sh "$(dirname "$0")/apt-install.sh" "Qt's window" $missing
