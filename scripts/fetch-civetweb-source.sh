#!/usr/bin/env bash
# Fetches CivetWeb's source as Debian 12 ships it (the civetweb source package,
# Debian's patches applied) and unpacks it under DEST, for cmake/civetweb.cmake
# to compile into the exporter. Only Debian's archive is asked, through apt
# with a deb-src entry kept private to DEST (the host's apt config is not
# touched); dpkg-source checks the .dsc's checksums of every file. When
# DEST/src already holds the unpacked tree nothing is downloaded, so builds
# work offline once it has been fetched.
#
#   scripts/fetch-civetweb-source.sh DEST        (e.g. build/_deps/civetweb)
#
# CIVETWEB_DEBIAN_VERSION and CIVETWEB_DEBIAN_MIRROR override the pinned
# version (what Debian 12 "bookworm" ships) and the mirror.
set -euo pipefail

version=${CIVETWEB_DEBIAN_VERSION:-1.15+dfsg-4}
mirror=${CIVETWEB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ $# -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
mkdir -p "$1"
dest=$(cd "$1" && pwd)
stamp="$dest/src/.proctree-civetweb-version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -f "$dest/src/src/civetweb.c" ]; then
  exit 0
fi
for tool in apt-get dpkg-source; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-civetweb-source: $tool is missing (packages apt, dpkg-dev: scripts/install-deps.sh)" >&2
    exit 1
  fi
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -r "$keyring" ]; then
  echo "fetch-civetweb-source: $keyring is missing (package debian-archive-keyring)" >&2
  exit 1
fi

apt_dir="$dest/apt"
mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/download"
cat >"$apt_dir/sources/debian-src.sources" <<SOURCES
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: $keyring
SOURCES
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Sandbox::User=$(id -un)")
echo "fetch-civetweb-source: civetweb $version from $mirror (Debian source package)" >&2
apt-get "${opts[@]}" -qq update
(cd "$dest/download" && apt-get "${opts[@]}" -qq source --download-only "civetweb=$version")

# apt checked the .dsc and the tarballs against the hashes in the archive's
# signed Sources index; dpkg-source checks the tarballs against the .dsc's
# checksums again, unpacks and applies Debian's patches.
rm -rf "$dest/src.tmp" "$dest/src"
# The .dsc's own OpenPGP signature is by the uploader, whose key is not in the
# archive keyring: dpkg-source's "cannot verify inline signature" is expected.
if ! (cd "$dest/download" && dpkg-source -x "civetweb_${version#*:}.dsc" "$dest/src.tmp" >"$dest/dpkg-source.log" 2>&1); then
  cat "$dest/dpkg-source.log" >&2
  exit 1
fi
if [ ! -f "$dest/src.tmp/src/civetweb.c" ]; then
  echo "fetch-civetweb-source: civetweb $version unpacked without src/civetweb.c" >&2
  exit 1
fi
echo "$version" >"$dest/src.tmp/.proctree-civetweb-version"
mv "$dest/src.tmp" "$dest/src"
