#!/usr/bin/env bash
# Build the one-folder bundle $DIST/avatar-studio/ and the two Linux installers:
# $DIST/avatar-studio-linux-x86_64.tar.gz (unpack, run ./install.sh: per user, no root) and, where
# dpkg-deb exists, $DIST/avatar-studio_VERSION_amd64.deb (sudo apt install ./avatar-studio_*.deb).
# DIST defaults to dist/, the PyInstaller work dir WORK to build/pyinstaller.
# PyInstaller comes from the `package` extra; it is installed only when missing, so an offline
# machine that already has it (CI after `pip install -e '.[test,package]'`) never needs the network.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
DIST="${DIST:-$ROOT/dist}"
WORK="${WORK:-$ROOT/build/pyinstaller}"
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q -e ".[package]"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" packaging/studio.spec
install -m 644 resources/avatar-studio.desktop "$DIST/avatar-studio/avatar-studio.desktop"
install -m 644 resources/icon.png "$DIST/avatar-studio/avatar-studio.png"
install -m 644 resources/icon-256.png "$DIST/avatar-studio/avatar-studio-256.png"
install -m 644 resources/avatar-studio-mime.xml "$DIST/avatar-studio/avatar-studio-mime.xml"
install -m 755 packaging/linux/install.sh "$DIST/avatar-studio/install.sh"
tar -C "$DIST" -czf "$DIST/avatar-studio-linux-x86_64.tar.gz" avatar-studio
if command -v dpkg-deb >/dev/null; then
    DIST="$DIST" packaging/linux/build_deb.sh
else
    echo "build: no dpkg-deb here, so no .deb (the tarball carries install.sh)"
fi
echo "build: $(( $(date +%s) - start )) s"
du -sh "$DIST/avatar-studio" "$DIST"/avatar-studio-linux-x86_64.tar.gz "$DIST"/avatar-studio_*.deb 2>/dev/null || true
