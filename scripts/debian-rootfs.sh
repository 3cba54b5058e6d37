#!/usr/bin/env bash
# A clean Debian 12 root file system, as the official debian:bookworm-slim
# image has it: debootstrap's minbase of bookworm from the Debian mirror apt is
# configured with, trimmed the way the slim image is. The container image's
# base (scripts/container-base.sh) and the package test's clean root
# (tests/package/test_package.py) both start from it.
#
#   scripts/debian-rootfs.sh BUILD_DIR
#
# Cached as BUILD_DIR/container/bookworm-slim.tar (debootstrap's .debs in
# BUILD_DIR/container/debs): a second run does nothing.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
mkdir -p "$1/container"
dir=$(cd "$1/container" && pwd)
tarball=$dir/bookworm-slim.tar
[ -s "$tarball" ] && exit 0

# The mirror apt uses here (one-line or deb822 sources alike), for the suite
# and for its security updates.
source_of() {
  apt-cache policy | awk -v suite="$1/main" '$3 == suite && $2 ~ /^https?:/ {print $2; exit}'
}
# apt knows its sources only from downloaded lists.
[ -n "$(source_of bookworm)" ] || apt-get update -qq
mirror=$(source_of bookworm)
security=$(source_of bookworm-security)
if [ -z "$mirror" ]; then
  echo "debian-rootfs: apt has no bookworm/main source (apt-cache policy); run apt-get update" >&2
  exit 1
fi
root=$dir/rootfs.tmp
rm -rf "$root"
mkdir -p "$dir/debs"
echo "debian-rootfs: debootstrap --variant=minbase bookworm from $mirror" >&2
# dpkg skips its fsync per unpacked file (the tree is thrown away if this
# fails): DPKG_FORCE reaches the dpkg debootstrap runs in the chroot, and
# replaces dpkg's default flags, so those two are named again.
if ! DPKG_FORCE=security-mac,downgrade,unsafe-io debootstrap --variant=minbase --cache-dir="$dir/debs" bookworm "$root" "$mirror" \
    >"$dir/debootstrap.log" 2>&1; then
  tail -n 30 "$dir/debootstrap.log" >&2
  exit 1
fi

# apt in the image reads the same mirror: the suite, its updates, security.
rm -f "$root/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
  printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  fi
} >"$root/etc/apt/sources.list.d/debian.sources"

# What makes the official image "slim": dpkg leaves out documentation, man
# pages and translations from now on, apt keeps no .debs and no translated
# package lists, and what minbase already installed of them goes.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CONF
cat >"$root/etc/apt/apt.conf.d/slim" <<'CONF'
APT::Install-Recommends "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
# No service starts inside an image build.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/lintian/"*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
       "$root/var/cache/debconf/"*-old "$root/var/lib/dpkg/"*-old "$root/var/log/"* "$root/tmp/"* \
       "$root/debootstrap"
# Machine identity is the container's, not the one debootstrap made here.
: >"$root/etc/machine-id"
rm -f "$root/etc/hostname" "$root/etc/resolv.conf" "$root/var/lib/dbus/machine-id"

tar --numeric-owner --xattrs -C "$root" -cf "$tarball.tmp" .
mv -f "$tarball.tmp" "$tarball"
rm -rf "$root"
