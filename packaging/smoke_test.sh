#!/usr/bin/env bash
# Build the bundle, then run the bundled binary with the project's virtual environment out of reach:
# a copy of the bundle in a temp dir, a clean environment (no PYTHONPATH, no venv on PATH, a fresh HOME),
# `--version`, the headless self-test (default avatar -> GLB/VRM/webp export, thumbnail, main window
# screenshot under Xvfb), a parallel prebuilt build (worker processes of a frozen app), the per-user
# installer (install.sh, then --uninstall) and the .deb's contents (unpacked, not installed).
# Prints the bundle size. Usage: packaging/smoke_test.sh [--no-build]   (DIST= as for build.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="${DIST:-$ROOT/dist}"
command -v xvfb-run >/dev/null || { echo "smoke: xvfb-run is missing (apt-get install -y xvfb xauth)" >&2; exit 1; }
[ "${1:-}" = "--no-build" ] || DIST="$DIST" "$ROOT/packaging/build.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$DIST/avatar-studio" "$work/app"
BIN="$work/app/avatar-studio"
run() { env -i PATH=/usr/bin:/bin HOME="$work/home" STUDIO_HOME="$work/home/studio" LANG=C.UTF-8 "$@"; }

echo "== --version"; run "$BIN" --version
echo "== selftest (Xvfb)"
run xvfb-run -a -s "-screen 0 1400x900x24" "$BIN" selftest --out "$work/out"
for f in avatar.glb avatar.vrm avatar.webp window.png; do
    [ -s "$work/out/$f" ] || { echo "smoke: missing $f" >&2; exit 1; }
done
echo "== prebuilts build (2 worker processes)"
run "$BIN" make-prebuilts "$work/collection" >/dev/null 2>&1 || { echo "smoke: make-prebuilts failed" >&2; exit 1; }
mkdir "$work/src" && cp "$work/collection/avatars/"default-fem-0[12].vrm "$work/src/"
run "$BIN" prebuilts build "$work/src" --out "$work/prebuilts" --workers 2
echo "== install.sh (per user, then --uninstall)"
run sh "$work/app/install.sh" >/dev/null
run "$work/home/.local/bin/avatar-studio" --version
grep -qx "Exec=\"$work/home/.local/opt/avatar-studio/avatar-studio\" %F" \
    "$work/home/.local/share/applications/avatar-studio.desktop" || { echo "smoke: menu entry Exec" >&2; exit 1; }
[ -s "$work/home/.local/share/icons/hicolor/256x256/apps/avatar-studio.png" ] || { echo "smoke: no icon" >&2; exit 1; }
grep -q 'pattern="\*.vrm"' "$work/home/.local/share/mime/packages/avatar-studio.xml" || { echo "smoke: no .vrm type" >&2; exit 1; }
run sh "$work/home/.local/opt/avatar-studio/install.sh" --uninstall >/dev/null
[ ! -e "$work/home/.local/opt/avatar-studio" ] && [ ! -e "$work/home/.local/bin/avatar-studio" ] \
    && [ ! -e "$work/home/.local/share/applications/avatar-studio.desktop" ] \
    && [ ! -e "$work/home/.local/share/mime/packages/avatar-studio.xml" ] || { echo "smoke: uninstall left files" >&2; exit 1; }
echo "install.sh: OK"
deb="$(ls "$DIST"/avatar-studio_*_amd64.deb 2>/dev/null | head -1 || true)"
if [ -n "$deb" ]; then
    echo "== .deb (unpacked with dpkg-deb, not installed)"
    dpkg-deb -f "$deb" Package Depends
    dpkg-deb -x "$deb" "$work/debroot"
    run "$work/debroot/opt/avatar-studio/avatar-studio" --version
    [ "$(readlink "$work/debroot/usr/bin/avatar-studio")" = /opt/avatar-studio/avatar-studio ] || { echo "smoke: /usr/bin link" >&2; exit 1; }
    grep -qx "Exec=/opt/avatar-studio/avatar-studio %F" "$work/debroot/usr/share/applications/avatar-studio.desktop" \
        || { echo "smoke: .deb menu entry" >&2; exit 1; }
    [ -s "$work/debroot/usr/share/mime/packages/avatar-studio.xml" ] || { echo "smoke: .deb has no .vrm type" >&2; exit 1; }
    echo "deb: OK"
fi
mkdir -p "$DIST/smoke" && cp "$work/out/window.png" "$work/out/avatar.webp" "$DIST/smoke/"
echo "== bundle size"
du -sh "$DIST/avatar-studio" "$DIST/avatar-studio-linux-x86_64.tar.gz" ${deb:+"$deb"}
echo "smoke: OK"
