#!/usr/bin/env bash
# Builds the Dockerfile's image without a Docker engine: buildah, the project's
# own storage (scripts/container-env.sh) and the locally made base image
# (scripts/container-base.sh), so it needs only Debian's mirror.
#
#   scripts/container-build.sh BUILD_DIR [TAG]     (TAG: localhost/proctree_exporter:latest)
#
# The flags, as this host needs them: --isolation chroot (no nested namespaces
# or cgroups for RUN), --network host (the build stage's apt-get reaches the
# mirror; bridge networking would rewrite the host's firewall), --pull=never
# (Docker Hub is out of reach; the base is local), --format docker (the OCI
# image format has no HEALTHCHECK). --layers=false: with vfs each cached layer
# is a full copy of the tree, so caching the build stage's would cost GBs.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [TAG]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build_dir=$1
tag=${2:-localhost/proctree_exporter:latest}

"$here/container-base.sh" "$build_dir"
revision=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
"$here/container-env.sh" "$build_dir" buildah bud \
  --isolation chroot --network host --pull=never --layers=false --format docker \
  --build-arg "PROCTREE_REVISION=$revision" \
  --tag "$tag" --file "$src/Dockerfile" "$src"
