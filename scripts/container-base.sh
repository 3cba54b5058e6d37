#!/usr/bin/env bash
# Makes the Dockerfile's base image, debian:bookworm-slim, on a machine that
# cannot pull it: scripts/debian-rootfs.sh's debootstrapped bookworm, trimmed
# the way the official slim image is, imported into the project's container
# storage (scripts/container-env.sh) and tagged
# docker.io/library/debian:bookworm-slim so `FROM debian:bookworm-slim` finds it.
#
#   scripts/container-base.sh BUILD_DIR
#
# The root filesystem tarball is cached as BUILD_DIR/container/bookworm-slim.tar
# (debootstrap's .debs in BUILD_DIR/container/debs): a second run only imports
# it, or does nothing when the image is already there.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1/container"
dir=$(cd "$1/container" && pwd)
image=docker.io/library/debian:bookworm-slim
tarball=$dir/bookworm-slim.tar
# container-env.sh keeps its storage in BUILD_DIR/container, which is $dir.
env=("$here/container-env.sh" "$(dirname "$dir")")

if "${env[@]}" podman image exists "$image"; then
  exit 0
fi

"$here/debian-rootfs.sh" "$1"

"${env[@]}" podman import --quiet \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$tarball" "$image" >/dev/null
echo "container-base: $image imported from $tarball" >&2
