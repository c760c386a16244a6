#!/bin/sh
# Install a built lytsite-desktop bundle for the current user (no root needed):
#
#   sh install.sh                   from inside an unpacked bundle (the tarball has it)
#   sh packaging/install-linux.sh   from the source tree, after `make dist`
#
# It copies the bundle to ~/.local/opt/lytsite-desktop, links the command into
# ~/.local/bin, and installs the desktop entry, AppStream metadata and icons under
# ~/.local/share, so the app menu lists the app and file managers offer it in
# "Open with" for photos, RAW files, PDFs and folders. Run it again to update.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/lytsite-desktop" ]; then
    bundle=$here
else
    bundle=${1:-$here/../dist/lytsite-desktop}
fi
[ -x "$bundle/lytsite-desktop" ] || { echo "no bundle at $bundle (run make dist first)" >&2; exit 2; }
bundle=$(cd "$bundle" && pwd)

app_id=io.lytsite.LytsiteDesktop
data=${XDG_DATA_HOME:-$HOME/.local/share}
opt=$HOME/.local/opt/lytsite-desktop
bin=$HOME/.local/bin
resources=$bundle/_internal/resources/linux

if [ "$bundle" != "$opt" ]; then
    rm -rf "$opt.new"
    mkdir -p "$(dirname "$opt")"
    cp -a "$bundle" "$opt.new"
    rm -rf "$opt"
    mv "$opt.new" "$opt"
fi
mkdir -p "$bin" "$data/applications" "$data/metainfo"
ln -sf "$opt/lytsite-desktop" "$bin/lytsite-desktop"
# The menu starts the app by its full path: ~/.local/bin is not on every desktop's PATH.
sed "s|^Exec=lytsite-desktop|Exec=$opt/lytsite-desktop|" "$resources/$app_id.desktop" \
    > "$data/applications/$app_id.desktop"
cp "$resources/$app_id.metainfo.xml" "$data/metainfo/"
cp -r "$resources/icons" "$data/"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "lytsite-desktop installed: $opt (command: $bin/lytsite-desktop)"
