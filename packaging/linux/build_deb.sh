#!/usr/bin/env bash
# Package the built bundle ($DIST/avatar-studio, from packaging/build.sh) as a Debian/Ubuntu package:
# $DIST/avatar-studio_VERSION_amd64.deb. Installs to /opt/avatar-studio with /usr/bin/avatar-studio,
# a menu entry and its icon; `sudo apt install ./avatar-studio_*.deb` pulls in Mesa's OpenGL/EGL.
# Needs dpkg-deb (Debian, Ubuntu); gzip compression, which every dpkg reads.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIST="${DIST:-$ROOT/dist}"
BUNDLE="$DIST/avatar-studio"
command -v dpkg-deb >/dev/null || { echo "build_deb: dpkg-deb is missing (Debian/Ubuntu only)" >&2; exit 1; }
[ -x "$BUNDLE/avatar-studio" ] || { echo "build_deb: build the bundle first (packaging/build.sh)" >&2; exit 1; }
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/studio/__init__.py")"
[ -n "$VERSION" ] || { echo "build_deb: no __version__ in studio/__init__.py" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/avatar-studio"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
    "$pkg/usr/share/icons/hicolor/256x256/apps" "$pkg/usr/share/icons/hicolor/512x512/apps" \
    "$pkg/usr/share/mime/packages"
cp -a "$BUNDLE" "$pkg/opt/avatar-studio"
rm -f "$pkg/opt/avatar-studio/install.sh"  # the package manager installs and removes this copy
ln -s /opt/avatar-studio/avatar-studio "$pkg/usr/bin/avatar-studio"
sed 's|^Exec=.*|Exec=/opt/avatar-studio/avatar-studio %F|' "$ROOT/resources/avatar-studio.desktop" \
    > "$pkg/usr/share/applications/avatar-studio.desktop"
install -m 644 "$ROOT/resources/icon-256.png" "$pkg/usr/share/icons/hicolor/256x256/apps/avatar-studio.png"
install -m 644 "$ROOT/resources/icon.png" "$pkg/usr/share/icons/hicolor/512x512/apps/avatar-studio.png"
# *.vrm as model/vrm (shared-mime-info's dpkg trigger rebuilds the database)
install -m 644 "$ROOT/resources/avatar-studio-mime.xml" "$pkg/usr/share/mime/packages/avatar-studio.xml"
size_kb="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"
cat > "$pkg/DEBIAN/control" <<EOF
Package: avatar-studio
Version: $VERSION
Architecture: amd64
Maintainer: Avatar Studio developers <avatar-studio@users.noreply.github.com>
Installed-Size: $size_kb
Depends: libc6 (>= 2.31), libegl1, libgl1, libgl1-mesa-dri, libx11-6
Recommends: xdg-utils
Section: graphics
Priority: optional
Description: make, edit and publish game avatars (VRM, GLB)
 Avatar Studio generates portraits with Fal AI, keeps a wardrobe of avatars
 (tints, proportions, morphs, hair and clothing), previews them in 3D and
 exports runtime GLB, source VRM and WebP thumbnails. Works offline; syncs
 to PostgreSQL and S3 when set up.
EOF
for script in postinst postrm; do
    cat > "$pkg/DEBIAN/$script" <<'EOF'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
exit 0
EOF
    chmod 755 "$pkg/DEBIAN/$script"
done
out="$DIST/avatar-studio_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$pkg" "$out" >/dev/null
echo "deb: $out ($(du -h "$out" | cut -f1))"
