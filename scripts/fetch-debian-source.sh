#!/usr/bin/env bash
# Fetches one Debian 12 source package (Debian's patches applied) and unpacks
# it under DEST/src, for the build to compile: CivetWeb in every build
# (cmake/civetweb.cmake), and the Windows cross-build's dependencies
# (scripts/build-windows-deps.sh). Only Debian's archive is asked, through apt
# with deb-src entries kept private to the build (APT_DIR, by default
# DEST/../apt, shared by the packages fetched next to each other; the host's
# apt config is not touched); dpkg-source checks the .dsc's checksums of every
# file. When DEST/src already holds that version nothing is downloaded, so
# builds work offline once it has been fetched.
#
#   scripts/fetch-debian-source.sh PACKAGE VERSION DEST CHECK_FILE
#     e.g. civetweb 1.15+dfsg-4 build/_deps/civetweb src/civetweb.c
#
# CHECK_FILE, relative to the unpacked tree, must exist after unpacking.
# DEBIAN_SOURCE_MIRROR and DEBIAN_SECURITY_MIRROR override the mirrors.
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 PACKAGE VERSION DEST CHECK_FILE" >&2
  exit 2
fi
package=$1 version=$2 check=$4
mirror=${DEBIAN_SOURCE_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
me="fetch-debian-source ($package)"
mkdir -p "$3"
dest=$(cd "$3" && pwd)
stamp="$dest/src/.proctree-debian-version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -e "$dest/src/$check" ]; then
  exit 0
fi
for tool in apt-get dpkg-source flock; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$me: $tool is missing (packages apt, dpkg-dev, util-linux: scripts/install-deps.sh)" >&2
    exit 1
  fi
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -r "$keyring" ]; then
  echo "$me: $keyring is missing (package debian-archive-keyring)" >&2
  exit 1
fi

apt_dir=${APT_DIR:-$(dirname "$dest")/apt}
mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/download"
# bookworm-security too: a package fixed there (openssl) is pinned to that version.
cat >"$apt_dir/sources/debian-src.sources" <<SOURCES
Types: deb-src
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: $keyring

Types: deb-src
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: $keyring
SOURCES
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Sandbox::User=$(id -un)")
echo "$me: $package $version from Debian's archive (source package)" >&2
# One index update per apt dir and hour, under a lock: several packages are
# fetched one after another (or by parallel configures) against the same lists.
exec 9>"$apt_dir/lock"
flock 9
if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Sources*' -mmin -60 2>/dev/null | head -1)" ]; then
  apt-get "${opts[@]}" -qq update
fi
(cd "$dest/download" && apt-get "${opts[@]}" -qq source --download-only "$package=$version")
flock -u 9

# apt checked the .dsc and the tarballs against the hashes in the archive's
# signed Sources index; dpkg-source checks the tarballs against the .dsc's
# checksums again, unpacks and applies Debian's patches.
rm -rf "$dest/src.tmp" "$dest/src"
# The .dsc's own OpenPGP signature is by the uploader, whose key is not in the
# archive keyring: dpkg-source's "cannot verify inline signature" is expected.
if ! (cd "$dest/download" && dpkg-source -x "${package}_${version#*:}.dsc" "$dest/src.tmp" >"$dest/dpkg-source.log" 2>&1); then
  cat "$dest/dpkg-source.log" >&2
  exit 1
fi
if [ ! -e "$dest/src.tmp/$check" ]; then
  echo "$me: $package $version unpacked without $check" >&2
  exit 1
fi
echo "$version" >"$dest/src.tmp/.proctree-debian-version"
mv "$dest/src.tmp" "$dest/src"
