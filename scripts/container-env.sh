#!/usr/bin/env bash
# Runs a command (buildah, podman) against the project's own container storage
# under BUILD_DIR/container, so nothing in /etc is edited and nothing else on
# the machine (another checkout, a system podman) shares images or containers:
#
#   scripts/container-env.sh BUILD_DIR podman images
#
# What this host needs, as found out here (Debian 12's buildah 1.28, podman 4.3):
# - vfs storage: no overlay or fuse-overlayfs mounts, which a nested or
#   unprivileged host may refuse; it costs a full copy per layer.
# - the runc runtime: crun refuses this host's hybrid cgroup layout (v1
#   controllers beside a cgroup2 "unified" mount); cgroupfs, as no systemd runs.
# - rlimits that root may set here (it lacks CAP_SYS_RESOURCE): podman asks for
#   nofile=nproc=1048576 and runc fails the start ("error setting rlimit type
#   7"). nofile: the host's hard limit. nproc: also at most 32768, since podman
#   lowers its own RLIMIT_NPROC to that at start (strace shows it), and the
#   container's runc inherits it through conmon ("rlimit type 6" otherwise).
# - the file events log: the journald one needs systemd.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR COMMAND [ARG...]" >&2
  exit 2
fi
build_dir=$1
shift
mkdir -p "$build_dir/container"
dir=$(cd "$build_dir/container" && pwd)

nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then
  nproc=32768
fi

mkdir -p "$dir/conf" "$dir/tmp"
cat >"$dir/conf/storage.conf.new" <<CONF
[storage]
driver = "vfs"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
cat >"$dir/conf/containers.conf.new" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
# Never the bridge network, which would rewrite the host's firewall.
netns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
CONF
# Short names (FROM debian:bookworm-slim) resolve to docker.io, where the
# locally made base image is tagged; nothing is ever pulled (--pull=never).
cat >"$dir/conf/registries.conf.new" <<CONF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
CONF
# Rewritten only when changed, so concurrent runs never read a half-written file.
for f in storage containers registries; do
  if cmp -s "$dir/conf/$f.conf.new" "$dir/conf/$f.conf"; then
    rm -f "$dir/conf/$f.conf.new"
  else
    mv -f "$dir/conf/$f.conf.new" "$dir/conf/$f.conf"
  fi
done

export CONTAINERS_STORAGE_CONF="$dir/conf/storage.conf"
export CONTAINERS_CONF="$dir/conf/containers.conf"
export CONTAINERS_REGISTRIES_CONF="$dir/conf/registries.conf"
export BUILDAH_ISOLATION=chroot
export TMPDIR="$dir/tmp"
exec "$@"
