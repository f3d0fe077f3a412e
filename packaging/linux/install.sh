#!/bin/sh
# Install Avatar Studio from this unpacked folder.
#
#   ./install.sh               for you only, no root: ~/.local/opt/avatar-studio, the command
#                              ~/.local/bin/avatar-studio, a menu entry, its icon and the
#                              *.vrm file type (so "Open with Avatar Studio" is offered)
#   sudo ./install.sh --system for everyone: /opt/avatar-studio, /usr/local/bin, /usr/local/share
#   ./install.sh --uninstall   (with --system for a system install) removes what it installed;
#                              your avatars and settings (~/.local/share/avatar-studio) stay
#
# Installing again over an older version replaces it in one step: the new copy is made next to
# the old one and swapped in, so a failed copy (a full disk) leaves the old version working.
set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
NAME=avatar-studio
MODE=user
ACTION=install
for arg in "$@"; do
    case "$arg" in
        --system) MODE=system ;;
        --uninstall) ACTION=uninstall ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$MODE" = system ]; then
    APP_DIR=/opt/$NAME
    BIN_DIR=/usr/local/bin
    DATA_DIR=/usr/local/share
else
    APP_DIR="${HOME}/.local/opt/$NAME"
    BIN_DIR="${HOME}/.local/bin"
    DATA_DIR="${XDG_DATA_HOME:-${HOME}/.local/share}"
fi
DESKTOP="$DATA_DIR/applications/$NAME.desktop"
ICON="$DATA_DIR/icons/hicolor/256x256/apps/$NAME.png"
ICON_LARGE="$DATA_DIR/icons/hicolor/512x512/apps/$NAME.png"
MIME="$DATA_DIR/mime/packages/$NAME.xml"
LINK="$BIN_DIR/$NAME"

refresh_menus() {
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA_DIR/mime" || true
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA_DIR/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA_DIR/icons/hicolor" || true
}

if [ "$ACTION" = uninstall ]; then
    # the link only when it is ours (points into the app folder)
    if [ -L "$LINK" ] && [ "$(readlink "$LINK")" = "$APP_DIR/$NAME" ]; then rm -f "$LINK"; fi
    rm -f "$DESKTOP" "$ICON" "$ICON_LARGE" "$MIME"
    rm -rf "$APP_DIR"
    refresh_menus
    echo "Avatar Studio removed from $APP_DIR (your avatars and settings are kept)."
    exit 0
fi

[ -x "$HERE/$NAME" ] || { echo "install.sh: run it from the unpacked avatar-studio folder" >&2; exit 1; }
mkdir -p "$(dirname "$APP_DIR")" "$BIN_DIR" "$(dirname "$DESKTOP")" "$(dirname "$ICON")" \
    "$(dirname "$ICON_LARGE")" "$(dirname "$MIME")"
if [ "$HERE" != "$APP_DIR" ]; then
    rm -rf "$APP_DIR.new" "$APP_DIR.old"
    cp -a "$HERE" "$APP_DIR.new"
    [ -e "$APP_DIR" ] && mv "$APP_DIR" "$APP_DIR.old"
    mv "$APP_DIR.new" "$APP_DIR"
    rm -rf "$APP_DIR.old"
fi
ln -sfn "$APP_DIR/$NAME" "$LINK"
# the menu entry starts the installed binary by its full path: desktop sessions often do not have
# ~/.local/bin on their PATH
sed "s|^Exec=.*|Exec=\"$APP_DIR/$NAME\" %F|" "$APP_DIR/$NAME.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
cp "$APP_DIR/$NAME-256.png" "$ICON.tmp" && mv "$ICON.tmp" "$ICON"
cp "$APP_DIR/$NAME.png" "$ICON_LARGE.tmp" && mv "$ICON_LARGE.tmp" "$ICON_LARGE"
# *.vrm as a VRM avatar (model/vrm), so "Open with Avatar Studio" is offered for it
cp "$APP_DIR/$NAME-mime.xml" "$MIME.tmp" && mv "$MIME.tmp" "$MIME"
refresh_menus
if VERSION="$("$APP_DIR/$NAME" --version 2>/dev/null)"; then
    echo "Installed Avatar Studio ${VERSION##* } in $APP_DIR"
else
    echo "Installed in $APP_DIR, but it did not start here: it needs OpenGL from Mesa" \
        "(Debian/Ubuntu: sudo apt install libegl1 libgl1-mesa-dri; Fedora: sudo dnf install mesa-libEGL)" >&2
fi
echo "Start it from your applications menu, or run: $LINK"
case ":$PATH:" in
    *":$BIN_DIR:"*) ;;
    *) echo "Note: $BIN_DIR is not on your PATH; add it to run '$NAME' from a terminal." ;;
esac
